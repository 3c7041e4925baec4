import json
import re
import sys
from pathlib import Path

# This file and the rule scripts import the project's package from src/. Snakemake hands this
# process's sys.path to every script it runs (also in conda envs and on cluster nodes, which parse
# this file again), so inserting it here is enough.
sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from kmeans_study import paths, report_pages
from kmeans_study.backends import REGISTRY
from kmeans_study.data.prepare import k_problem
from kmeans_study.fit import RECORD_VERSION
from kmeans_study.init import INIT_VERSION
from kmeans_study.config import (
    ConfigError,
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
    is_image,
    is_table,
    k_values,
    reference_backend,
    validate_config,
)

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
            facts = json.loads(meta.read_text())
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


def registered(backend):
    """What the registry knows of a backend of this study (a grid point's included)."""
    return REGISTRY[base_backend(config, backend)]


PER_K_BACKENDS = [b for b in BACKENDS if registered(b).per_k]
PER_INIT_BACKENDS = [b for b in BACKENDS if not registered(b).per_k]


def alternatives(names):
    """A wildcard regex matching exactly these names (none: matching nothing)."""
    return "|".join(map(re.escape, names)) or "(?!)"


def init_seeds(dataset, k):
    return [init_seed(config, dataset, int(k), i) for i in init_ids(config)]


DPI = config["report"]["plot_dpi"]
INIT_PRIORITY = 1000  # above every fit's priority (its k)


wildcard_constraints:
    dataset="|".join(map(re.escape, config["datasets"])),
    backend=alternatives(BACKENDS),
    k=r"\d+",
    init_id=r"\d+",
    which=r"elbow|k\d+",


def uses_shared_init(backend):
    return backend_variants(config)[backend][1]["init"] == "shared"


def fit_inputs(wildcards):
    """Prepared data, plus the shared initial centroids unless the backend uses its own."""
    inputs = {"X": paths.DATA_X, "meta": paths.DATA_META}
    if uses_shared_init(wildcards.backend):
        inputs["init"] = paths.INIT
    paths_ = {name: expand(p, **wildcards)[0] for name, p in inputs.items()}
    if "init" in paths_:
        # Rewritten unchanged when inits are added (see init_centroids in fit.smk): not a reason to refit.
        paths_["init"] = ancient(paths_["init"])
    return paths_


def fit_outputs(pattern, dataset, backends):
    """One path per fit of ``dataset`` by ``backends``, ordered by backend, k, init id. Rules that
    take records and labels of the same fits rely on this one order."""
    return [
        paths.fmt(pattern, dataset=dataset, backend=b, k=k, init_id=i)
        for b in backends
        for k in k_values(config, dataset)
        for i in init_ids(config)
    ]


def fit_benchmarks(dataset, backends):
    """The benchmark file of the job behind each fit, in ``fit_outputs`` order: a per-k
    backend's fits share their job's file."""
    return [
        (
            paths.fmt(paths.FUSED_BENCHMARK, dataset=dataset, backend=b, k=k)
            if registered(b).per_k
            else paths.fmt(
                paths.FIT_BENCHMARK, dataset=dataset, backend=b, k=k, init_id=i
            )
        )
        for b in backends
        for k in k_values(config, dataset)
        for i in init_ids(config)
    ]


def best_fits(wc):
    """What the worked examples read: the data, and every fit of one backend with its best inits."""
    return {
        "X": paths.DATA_X,
        "meta": paths.DATA_META,
        "best": paths.BEST_INIT,
        "records": fit_outputs(paths.FIT_RECORD, wc.dataset, [wc.backend]),
        "fit_labels": fit_outputs(paths.FIT_LABELS, wc.dataset, [wc.backend]),
    }


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
    if is_image(config, dataset):
        per_backend += [paths.QUANTIZATION, paths.QUANTIZATION_PLOT]
    if is_table(config, dataset):
        per_backend += [paths.SEGMENTS]
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
    return files + [paths.fmt(p, dataset=dataset) for p in per_dataset]


def summary_inputs():
    """What the summary reads, per dataset, as the summary step expects it."""
    structure = {}
    for dataset in config["datasets"]:
        by_backend = lambda p: {
            b: paths.fmt(p, dataset=dataset, backend=b) for b in BACKENDS
        }
        entry = {
            "meta": paths.fmt(paths.DATA_META, dataset=dataset),
            "elbows": by_backend(paths.ELBOW_JSON),
            "timing": paths.fmt(paths.TIMING, dataset=dataset),
            "pareto": paths.fmt(paths.PARETO, dataset=dataset),
            "files": dataset_reports(dataset),
            "sample_records": fit_outputs(paths.FIT_RECORD, dataset, BACKENDS)[
                :: len(init_ids(config))
            ],
        }
        if has_labels(config, dataset):
            entry["quality"] = by_backend(paths.QUALITY)
        if len(BACKENDS) > 1:
            entry["agreement"] = paths.fmt(paths.AGREEMENT, dataset=dataset)
            entry["elbow_agreement"] = paths.fmt(paths.ELBOW_AGREEMENT, dataset=dataset)
        structure[dataset] = entry
    return structure


def get_final_output():
    targets = [f for dataset in config["datasets"] for f in dataset_reports(dataset)]
    targets += [paths.SUMMARY, paths.PROVENANCE]
    return targets + report_pages.pages_for(targets, PAGE_SOURCES)  # see report.smk
