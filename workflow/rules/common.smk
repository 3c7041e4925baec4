import re
import sys
from pathlib import Path

# This file and the rule scripts import the project's package, installed (make installs it, editable)
# or else from src/. Snakemake appends this process's sys.path to every script's own, so src/ inserted
# here also reaches scripts running where the package is not installed (a conda env, a cluster node).
sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from kmeans_study import paths, report_pages
from kmeans_study.io import CorruptFile, read_json
from kmeans_study.data.prepare import k_problem
from kmeans_study.fit import RECORD_VERSION
from kmeans_study.init import INIT_VERSION
from kmeans_study.config.errors import ConfigError
from kmeans_study.config.study import (
    agreement_pairs,
    backend_names,
    backend_params,
    backend_variants,
    base_backend,
    config_hash,
    dataset_spec,
    has_labels,
    heatmap_ks,
    init_ids,
    init_seed,
    k_values,
    reference_backend,
    registered,
    worked_examples,
)
from kmeans_study.config.validate import validate_config

try:
    _validated = validate_config(config)
    paths.check_writable()
except (ConfigError, PermissionError) as exc:
    sys.exit(f"kmeans-study: {exc}")
config.clear()
config.update(_validated)


def check_prepared_datasets():
    """k values against data prepared by an earlier run, before any job starts (a fresh
    dataset is checked by its prepare job)."""
    for dataset in config["datasets"]:
        meta = Path(paths.fmt(paths.DATA_META, dataset=dataset))
        if meta.is_file():
            try:
                facts = read_json(meta)
            except CorruptFile as exc:
                sys.exit(f"kmeans-study: {exc}")
            problem = k_problem(
                dataset,
                max(k_values(config, dataset)),
                facts["n_distinct_points"],
                facts["shape"][0],
            )
            if problem:
                sys.exit(f"kmeans-study: {problem}")


check_prepared_datasets()

# Every backend the study runs: a grid point is one (its name holds its parameters).
BACKENDS = backend_names(config)
PER_K_BACKENDS = [b for b in BACKENDS if registered(config, b).per_k]
PER_INIT_BACKENDS = [b for b in BACKENDS if not registered(config, b).per_k]
INIT_IDS = init_ids(config)
INIT_PRIORITY = 1000  # above every fit's priority (its k)
# Worked-example reports, by the name a source gives them (kmeans_study.data.sources.SOURCES).
EXAMPLE_REPORTS = {
    "quantization": [paths.QUANTIZATION, paths.QUANTIZATION_PLOT],
    "segments": [paths.SEGMENTS],
}


def alternatives(names):
    """A wildcard regex matching exactly these names (none: matching nothing)."""
    return "|".join(map(re.escape, names)) or "(?!)"


wildcard_constraints:
    dataset=alternatives(config["datasets"]),
    backend=alternatives(BACKENDS),
    k=r"\d+",
    init_id=r"\d+",
    which=r"elbow|k\d+",


# Job properties -------------------------------------------------------------------------------


def init_priority(wildcards):
    """Inits start before fits (they are short and unlock the fits), larger k first."""
    return INIT_PRIORITY + int(wildcards.k)


def fit_priority(wildcards):
    """Fits take larger k first, so the longest jobs start early and short ones fill the gaps."""
    return int(wildcards.k)


def fit_env(wildcards):
    return f"../../envs/{registered(config, wildcards.backend).env}.yaml"


def fit_gpus(wildcards):
    return registered(config, wildcards.backend).gpus


def fit_mem_mb(wildcards, input):
    """The data is memory-mapped, but scikit-learn centres a copy of it: room for the interpreter
    and libraries plus three times the data."""
    return 500 + 3 * int(input.size_mb)


def fused_mem_mb(wildcards, input):
    """X stays memory-mapped: the interpreter and libraries, one copy's worth of working arrays
    (labels of every init, float64 chunks), and the data's pages."""
    return 500 + 2 * int(input.size_mb)


def the_dataset_spec(wildcards):
    return dataset_spec(config, wildcards.dataset)


def the_backend_params(wildcards):
    return backend_params(config, wildcards.backend)


def the_registered_backend(wildcards):
    return base_backend(config, wildcards.backend)


def the_init_seed(wildcards):
    return init_seed(
        config, wildcards.dataset, int(wildcards.k), int(wildcards.init_id)
    )


def the_init_seeds(wildcards):
    """Seed of every init id of (dataset, k)."""
    return {
        i: init_seed(config, wildcards.dataset, int(wildcards.k), i) for i in INIT_IDS
    }


# Inputs ---------------------------------------------------------------------------------------


def uses_shared_init(backend):
    return backend_variants(config)[backend][1]["init"] == "shared"


def fit_inputs(wildcards):
    """Prepared data, plus the shared initial centroids unless the backend uses its own."""
    inputs = {
        "X": paths.fmt(paths.DATA_X, **wildcards),
        "meta": paths.fmt(paths.DATA_META, **wildcards),
    }
    if uses_shared_init(wildcards.backend):
        # Rewritten unchanged when inits are added (see init_centroids in fit.smk): not a reason to refit.
        inputs["init"] = ancient(paths.fmt(paths.INIT, **wildcards))
    return inputs


def inits_of_k(wildcards):
    """The shared starts of every init of (dataset, k), ancient for the same reason."""
    return [
        ancient(
            paths.fmt(paths.INIT, dataset=wildcards.dataset, k=wildcards.k, init_id=i)
        )
        for i in INIT_IDS
    ]


def fit_outputs(pattern, dataset, backends):
    """One path per fit of ``dataset`` by ``backends`` (consumers match them by their wildcards)."""
    return [
        paths.fmt(pattern, dataset=dataset, backend=b, k=k, init_id=i)
        for b in backends
        for k in k_values(config, dataset)
        for i in INIT_IDS
    ]


def fit_benchmarks(dataset, backends):
    """The benchmark file of every fit job: per-k backends have one per (backend, k)."""
    files = []
    for b in backends:
        for k in k_values(config, dataset):
            if registered(config, b).per_k:
                files.append(
                    paths.fmt(paths.FUSED_BENCHMARK, dataset=dataset, backend=b, k=k)
                )
            else:
                files += [
                    paths.fmt(
                        paths.FIT_BENCHMARK, dataset=dataset, backend=b, k=k, init_id=i
                    )
                    for i in INIT_IDS
                ]
    return files


def backend_records(wildcards):
    return fit_outputs(paths.FIT_RECORD, wildcards.dataset, [wildcards.backend])


def backend_fit_labels(wildcards):
    return fit_outputs(paths.FIT_LABELS, wildcards.dataset, [wildcards.backend])


def dataset_records(wildcards):
    return fit_outputs(paths.FIT_RECORD, wildcards.dataset, BACKENDS)


def dataset_fit_labels(wildcards):
    return fit_outputs(paths.FIT_LABELS, wildcards.dataset, BACKENDS)


def dataset_benchmarks(wildcards):
    return fit_benchmarks(wildcards.dataset, BACKENDS)


def dataset_elbows(wildcards):
    return [
        paths.fmt(paths.ELBOW_JSON, dataset=wildcards.dataset, backend=b)
        for b in BACKENDS
    ]


def pairs_by_init(wildcards):
    """agreement_by_init.csv of the dataset, which a one-backend study does not have."""
    if len(BACKENDS) < 2:
        return []
    return [paths.fmt(paths.AGREEMENT_BY_INIT, dataset=wildcards.dataset)]


def best_fits(wildcards):
    """What the worked examples read: the data, and every fit of one backend with its best inits."""
    return {
        "X": paths.fmt(paths.DATA_X, **wildcards),
        "meta": paths.fmt(paths.DATA_META, **wildcards),
        "best": paths.fmt(paths.BEST_INIT, **wildcards),
        "records": backend_records(wildcards),
        "fit_labels": backend_fit_labels(wildcards),
    }


# Targets --------------------------------------------------------------------------------------


def confusion_plots(dataset, backend):
    whiches = ["elbow"] + [f"k{k}" for k in heatmap_ks(config, dataset)]
    return [
        paths.fmt(paths.CONFUSION_PLOT, dataset=dataset, backend=backend, which=w)
        for w in whiches
    ]


def dataset_reports(dataset):
    """Every report file of one dataset, by kind (the summary links them)."""
    per_backend = [paths.BEST_INIT, paths.ELBOW_JSON, paths.ELBOW_PLOT]
    if has_labels(config, dataset):
        per_backend += [paths.CONFUSION, paths.QUALITY]
    for example in worked_examples(config, dataset):
        per_backend += EXAMPLE_REPORTS[example]
    files = [
        paths.fmt(p, dataset=dataset, backend=b) for b in BACKENDS for p in per_backend
    ]
    if has_labels(config, dataset):
        files += [f for b in BACKENDS for f in confusion_plots(dataset, b)]
    per_dataset = [paths.TIMING, paths.TIMING_PLOT, paths.PARETO, paths.PARETO_PLOT]
    if len(BACKENDS) > 1:
        per_dataset += [
            paths.AGREEMENT,
            paths.AGREEMENT_BY_INIT,
            paths.ELBOW_AGREEMENT,
            paths.AGREEMENT_PLOT,
        ]
    files += [paths.fmt(p, dataset=dataset) for p in per_dataset]
    return files + k_choice_reports(dataset)


def per_backend(pattern, dataset):
    return {b: paths.fmt(pattern, dataset=dataset, backend=b) for b in BACKENDS}


def summary_structure():
    """What the summary reads, per dataset, as the summary step expects it."""
    structure = {}
    for dataset in config["datasets"]:
        entry = {
            "meta": paths.fmt(paths.DATA_META, dataset=dataset),
            "elbows": per_backend(paths.ELBOW_JSON, dataset),
            "timing": paths.fmt(paths.TIMING, dataset=dataset),
            "pareto": paths.fmt(paths.PARETO, dataset=dataset),
            "k_choice": paths.fmt(paths.K_CHOICE_JSON, dataset=dataset),
            "k_choice_table": paths.fmt(paths.K_CHOICE_CSV, dataset=dataset),
            "files": dataset_reports(dataset),
            # one record per backend, for the library versions it ran with
            "sample_records": [
                paths.fmt(
                    paths.FIT_RECORD,
                    dataset=dataset,
                    backend=b,
                    k=k_values(config, dataset)[0],
                    init_id=INIT_IDS[0],
                )
                for b in BACKENDS
            ],
        }
        if has_labels(config, dataset):
            entry["quality"] = per_backend(paths.QUALITY, dataset)
        if len(BACKENDS) > 1:
            entry["agreement"] = paths.fmt(paths.AGREEMENT, dataset=dataset)
        structure[dataset] = entry
    return structure


def summary_inputs(wildcards):
    """Every file named in ``summary_structure``, flat."""
    files = []
    for entry in summary_structure().values():
        for value in entry.values():
            if isinstance(value, dict):
                files += value.values()
            elif isinstance(value, list):
                files += value
            else:
                files.append(value)
    return files


def the_summary_structure(wildcards):
    return summary_structure()


def get_final_output():
    targets = [f for dataset in config["datasets"] for f in dataset_reports(dataset)]
    targets += [paths.SUMMARY, paths.PROVENANCE]
    return targets + report_pages.pages_for(targets, PAGE_SOURCES)  # see report.smk
