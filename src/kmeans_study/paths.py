"""Every output path of the study, as Snakemake patterns: the one place that names files.

Rules use the patterns with wildcards; Python code fills them with ``fmt``. Paths are relative to
the working directory Snakemake runs in (the repository, or ``--directory``).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

RESULTS = "results"
LOGS = RESULTS + "/logs"
BENCHMARKS = RESULTS + "/benchmarks"

DATA_X = RESULTS + "/{dataset}/data/X.npy"
DATA_LABELS = RESULTS + "/{dataset}/data/labels.npy"
DATA_META = RESULTS + "/{dataset}/data/meta.json"

START = RESULTS + "/{dataset}/init/k{k}/init{init_id}.npy"

_FIT = RESULTS + "/{dataset}/fit/{backend}/k{k}/init{init_id}"
FIT_CENTROIDS = _FIT + "/centroids.npy"
FIT_LABELS = _FIT + "/labels.npy"
FIT_RECORD = _FIT + "/record.json"

_BACKEND = RESULTS + "/{dataset}/{backend}"
BEST_INIT = _BACKEND + "/best_init.csv"
ELBOW_JSON = _BACKEND + "/elbow.json"
ELBOW_SCORES = _BACKEND + "/elbow_scores.csv"
ELBOW_PLOT = _BACKEND + "/elbow.png"
CONFUSION = _BACKEND + "/confusion.csv"
QUALITY = _BACKEND + "/quality.csv"
# {which} is "elbow" (the backend's two-line elbow k) or "k<k>" (a k listed in report.heatmap_k).
CONFUSION_PLOT = _BACKEND + "/confusion_{which}.png"
# Worked examples: image datasets (colour quantization) and tables (customer segmentation).
QUANTIZATION = _BACKEND + "/quantization.csv"
QUANTIZATION_PLOT = _BACKEND + "/quantization.png"
SEGMENTS = _BACKEND + "/segments.csv"
# How many clusters: silhouette, Calinski-Harabasz, Davies-Bouldin and best-init agreement per k.
CRITERIA = _BACKEND + "/criteria.csv"

_DATASET = RESULTS + "/{dataset}"
TIMING = _DATASET + "/timing.csv"
TIMING_PLOT = _DATASET + "/timing.png"
AGREEMENT_BY_INIT = _DATASET + "/agreement_by_init.csv"
AGREEMENT = _DATASET + "/agreement.csv"
ELBOW_AGREEMENT = _DATASET + "/elbow_agreement.csv"
AGREEMENT_PLOT = _DATASET + "/agreement.png"
PARETO = _DATASET + "/pareto.csv"
PARETO_PLOT = _DATASET + "/pareto.png"
# How many clusters: the gap statistic's reference datasets ({ref} = b) and their fits (one small
# record per reference and k), the optional subsample stability, and the verdict.
GAP_REFERENCE = _DATASET + "/gap/ref{ref}/X.npy"
GAP_FIT = _DATASET + "/gap/k{k}/ref{ref}.json"
SUBSAMPLE_STABILITY = _DATASET + "/stability/k{k}.json"
K_CHOICE_JSON = _DATASET + "/k_choice.json"
K_CHOICE_CSV = _DATASET + "/k_choice.csv"
K_CHOICE_PLOT = _DATASET + "/k_choice.png"

SUMMARY = RESULTS + "/summary.md"
PROVENANCE = RESULTS + "/provenance.json"

# The HTML report's view of tables and Markdown files (workflow/rules/report.smk).
REPORT_PAGES = RESULTS + "/report"


def report_page(path: str) -> str:
    """The HTML page showing a result file (or pattern) in the HTML report, under REPORT_PAGES at
    the file's place in RESULTS: ``results/{dataset}/timing.csv`` -> ``results/report/{dataset}/timing.csv.html``."""
    return f"{REPORT_PAGES}/{Path(path).relative_to(RESULTS).as_posix()}.html"


_FIT_TAIL = "{dataset}/{backend}/k{k}/init{init_id}"


def log(rule: str, pattern_tail: str) -> str:
    """Log file pattern of a rule, e.g. ``log("fit", "{dataset}/{backend}/k{k}/init{init_id}")``."""
    return f"{LOGS}/{rule}/{pattern_tail}.log"


def benchmark(rule: str, pattern_tail: str) -> str:
    return f"{BENCHMARKS}/{rule}/{pattern_tail}.tsv"


def fmt(pattern: str, **wildcards) -> str:
    """Fill a pattern's wildcards: ``fmt(FIT_RECORD, dataset="blobs", backend="faiss", k=5, init_id=0)``."""
    return pattern.format(**wildcards)


_NUMERIC = {"k", "init_id", "ref"}


def parse(pattern: str, path: str) -> dict:
    """The wildcards of ``path`` under ``pattern`` (``k`` and ``init_id`` as integers): the inverse
    of ``fmt``. Aggregates key their inputs by what their paths say, never by list position."""
    regex = re.sub(r"\\\{(\w+)\\\}", lambda m: f"(?P<{m.group(1)}>[^/]+)", re.escape(pattern))
    match = re.fullmatch(regex, str(path))
    if match is None:
        raise ValueError(f"{path} does not match the pattern {pattern}")
    return {key: int(value) if key in _NUMERIC else value for key, value in match.groupdict().items()}


def index(pattern: str, paths, keys: tuple[str, ...]) -> dict[tuple, str]:
    """Files by the wildcards ``keys`` of their path under ``pattern``, e.g. fit labels by
    (backend, k, init_id)."""
    indexed = {}
    for path in paths:
        wildcards = parse(pattern, path)
        indexed[tuple(wildcards[key] for key in keys)] = str(path)
    return indexed


FIT_LOG = log("fit", _FIT_TAIL)
FIT_BENCHMARK = benchmark("fit", _FIT_TAIL)
# Per-k backends (one job fits all inits of a k): one log and one benchmark per job.
_FUSED_TAIL = "{dataset}/{backend}/k{k}"
FUSED_LOG = log("fit_fused", _FUSED_TAIL)
FUSED_BENCHMARK = benchmark("fit_fused", _FUSED_TAIL)
GAP_FIT_LOG = log("gap_fit", "{dataset}/k{k}")
GAP_FIT_BENCHMARK = benchmark("gap_fit", "{dataset}/k{k}")
SUBSAMPLE_STABILITY_LOG = log("subsample_stability", "{dataset}/k{k}")
SUBSAMPLE_STABILITY_BENCHMARK = benchmark("subsample_stability", "{dataset}/k{k}")


def check_not_taken(directory: str = RESULTS) -> None:
    """Fail now, with the directory named, if something other than a directory has its name
    (Snakemake could not even look for outputs there). Reads only: safe while the workflow is
    parsed, also under -n."""
    if Path(directory).exists() and not Path(directory).is_dir():
        raise PermissionError(f"results directory '{directory}' is not writable: it exists and is not a directory")


def check_writable(directory: str = RESULTS) -> None:
    """Fail now, with the directory named, if results cannot be written there (creates it and
    a temporary file in it: call it where jobs are about to run)."""
    check_not_taken(directory)
    try:
        Path(directory).mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise PermissionError(f"results directory '{directory}' is not writable: {exc.strerror or exc}") from None
