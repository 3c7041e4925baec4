# Two commands for a newcomer: `make run` (the default study) and `make test` (the tests).
# Both create .venv from the pinned requirements first if it is missing or out of date.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORES ?= 2
STAMP := $(VENV)/.installed

.PHONY: run test lint lock benchmark benchmark-large-k benchmark-scale report-check clean-results

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -qq -r requirements.txt
	$(BIN)/pip install -qq --no-deps --no-build-isolation -e .
	touch $(STAMP)

# `python -m kmeans_study run` refuses a config file that would run code in Snakemake (YTE, Python
# tags) before Snakemake reads it, then runs snakemake with these arguments.
run: $(STAMP)
	$(BIN)/python -m kmeans_study run --workflow-profile workflow/profiles/default --cores $(CORES)

test: $(STAMP)
	$(BIN)/python -m pytest -q

# The performance benchmark (issue 5; benchmarks/): prints figures, writes results/benchmark/benchmark.json.
benchmark: $(STAMP)
	$(BIN)/python -m benchmarks --cores $(CORES)

# Large k (issue 7): the large-k study, then exact faiss against the fastest settings, one fit at a time.
benchmark-large-k: $(STAMP)
	$(BIN)/python -m kmeans_study run --cores $(CORES) --configfile workflow/configs/large_k.yaml
	$(BIN)/python -m benchmarks.large_k

# Scale (issue 20; as root, about 4.5 GB of disk): the embeddings example's settings on an 8,000,000 x 128
# .npy under a 1 GiB memory cgroup, the same study on its first 200000 rows with and without the limit,
# the exact engine's seconds per pass against n, the k verdict's share of the CPU (benchmarks/scale.py).
benchmark-scale: $(STAMP)
	$(BIN)/python -m benchmarks.scale --cores $(CORES)

# The HTML report as a reader sees it: builds report.html for the results of `make run`, then
# screenshots of its landing page (the summary), a table, a figure and the summary's own page in
# results/report_check/. Needs chromium (Debian: apt-get install chromium).
report-check: $(STAMP)
	$(BIN)/snakemake --report report.html
	$(BIN)/python tests/report_check.py report.html results/report_check

# Linters: Snakemake's formatter and linter, and ruff on the Python code (CI runs this before the tests).
lint: $(STAMP)
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/snakemake --lint
	$(BIN)/ruff check src scripts tests benchmarks

lock: $(STAMP)
	$(BIN)/pip freeze --exclude-editable | sed '/^kmeans-study/d' > requirements.lock.tmp
	{ sed -n '/^#/p' requirements.txt; cat requirements.lock.tmp; } > requirements.txt && rm requirements.lock.tmp

clean-results:
	rm -rf results/* .snakemake
