"""The study's files: which outputs each dataset has, the files of its fits, what the summary
reads and links.

Every path comes from ``kmeans_study.paths``; which datasets have an output is said once, in
``applies``: the workflow's targets (``rule all``), the inputs of its aggregate rules and the
summary's list of files all ask it.
"""

from __future__ import annotations

import itertools
import re

from kmeans_study import paths
from kmeans_study.config.kchoice import gap_refs, stability_pairs
from kmeans_study.config.study import (
    backend_names,
    has_labels,
    heatmap_ks,
    init_ids,
    k_values,
    reference_backend,
    registered,
    worked_examples,
)

# Worked-example reports, by the name a source gives them (kmeans_study.data.sources.SOURCES).
EXAMPLE_FILES = {
    "quantization": (paths.QUANTIZATION, paths.QUANTIZATION_PLOT),
    "segments": (paths.SEGMENTS,),
}
# Outputs compared with the true labels: only datasets that have them.
LABELLED = (paths.CONFUSION, paths.QUALITY, paths.CONFUSION_PLOT)
# Outputs that compare backends: only studies of two or more.
COMPARED = (paths.AGREEMENT, paths.AGREEMENT_BY_INIT, paths.ELBOW_AGREEMENT, paths.AGREEMENT_PLOT)
# What the summary links for each dataset, in its order: each group backend by backend.
SUMMARY_LINKS = (
    (paths.BEST_INIT, paths.ELBOW_JSON, paths.ELBOW_PLOT, paths.CONFUSION, paths.QUALITY,
     *EXAMPLE_FILES["quantization"], *EXAMPLE_FILES["segments"]),
    (paths.CONFUSION_PLOT,),
    (paths.TIMING, paths.TIMING_PLOT, paths.PARETO, paths.PARETO_PLOT, *COMPARED),
    (paths.CRITERIA,),
    (paths.K_CHOICE_JSON, paths.K_CHOICE_CSV, paths.K_CHOICE_PLOT),
)


def applies(config: dict, dataset: str, pattern: str) -> bool:
    """Whether ``dataset`` has the output ``pattern``: label comparisons where the dataset has
    labels, backend comparisons with two or more backends, a worked example where the dataset's
    source names it; every other output everywhere."""
    if pattern in LABELLED:
        return has_labels(config, dataset)
    if pattern in COMPARED:
        return len(backend_names(config)) > 1
    for example, files in EXAMPLE_FILES.items():
        if pattern in files:
            return example in worked_examples(config, dataset)
    return True


def wildcard_values(config: dict, dataset: str) -> dict[str, list[str]]:
    """The values a dataset's report files take for their wildcards besides ``{dataset}``: every
    backend, and for ``{which}`` the elbow and each k of ``report.heatmap_k`` the dataset fits."""
    return {
        "backend": backend_names(config),
        "which": ["elbow"] + [f"k{k}" for k in heatmap_ks(config, dataset)],
    }


def _wildcards(pattern: str) -> list[str]:
    return re.findall(r"\{(\w+)", pattern)


def dataset_files(config: dict, dataset: str, patterns) -> list[str]:
    """The files of ``patterns`` that ``dataset`` has, for every value of their wildcards: backend
    by backend (and within a backend, ``which`` by ``which``), each point in the patterns' order."""
    patterns = [p for p in patterns if applies(config, dataset, p)]
    values = wildcard_values(config, dataset)
    unknown = {name for p in patterns for name in _wildcards(p)} - set(values) - {"dataset"}
    if unknown:
        raise ValueError(
            f"{', '.join(sorted(unknown))}: a report file's wildcards take the values of {', '.join(values)} only"
        )
    used = [name for name in values if any(name in _wildcards(p) for p in patterns)]
    files = [
        paths.fmt(p, dataset=dataset, **dict(zip(used, point)))
        for point in itertools.product(*(values[name] for name in used))
        for p in patterns
    ]
    return list(dict.fromkeys(files))


def study_files(config: dict, patterns) -> list[str]:
    """Every file of ``patterns`` in the study: a pattern with ``{dataset}`` for each dataset
    that has it, any other once."""
    files = [p for p in patterns if "{dataset}" not in p]
    for p in files:
        if _wildcards(p):
            raise ValueError(f"{p}: a report file with wildcards needs {{dataset}} among them")
    files += [
        f
        for dataset in config["datasets"]
        for p in patterns
        if "{dataset}" in p
        for f in dataset_files(config, dataset, [p])
    ]
    return list(dict.fromkeys(files))


def summary_links(config: dict, dataset: str) -> list[str]:
    """The files of ``dataset`` that the summary links (``SUMMARY_LINKS``)."""
    return [f for group in SUMMARY_LINKS for f in dataset_files(config, dataset, group)]


def fit_files(config: dict, pattern: str, dataset: str, backends) -> list[str]:
    """One path per fit of ``dataset`` by ``backends`` (consumers match them by their wildcards)."""
    return [
        paths.fmt(pattern, dataset=dataset, backend=b, k=k, init_id=i)
        for b in backends
        for k in k_values(config, dataset)
        for i in init_ids(config)
    ]


def fit_benchmarks(config: dict, dataset: str, backends) -> list[str]:
    """The benchmark file of every fit job: fused backends have one per (backend, k)."""
    files = []
    for b in backends:
        for k in k_values(config, dataset):
            if registered(config, b).fused:
                files.append(paths.fmt(paths.FUSED_BENCHMARK, dataset=dataset, backend=b, k=k))
            else:
                files += [
                    paths.fmt(paths.FIT_BENCHMARK, dataset=dataset, backend=b, k=k, init_id=i)
                    for i in init_ids(config)
                ]
    return files


def per_backend(config: dict, pattern: str, dataset: str) -> dict[str, str]:
    """``pattern``'s file of ``dataset`` for each backend, by backend."""
    return {b: paths.fmt(pattern, dataset=dataset, backend=b) for b in backend_names(config)}


def summary_structure(config: dict) -> dict[str, dict]:
    """What the summary reads, per dataset, as the summary step expects it
    (``kmeans_study.steps.report.summary``)."""
    structure = {}
    for dataset in config["datasets"]:
        entry = {
            "meta": paths.fmt(paths.DATA_META, dataset=dataset),
            "elbows": per_backend(config, paths.ELBOW_JSON, dataset),
            "timing": paths.fmt(paths.TIMING, dataset=dataset),
            "pareto": paths.fmt(paths.PARETO, dataset=dataset),
            "k_choice": paths.fmt(paths.K_CHOICE_JSON, dataset=dataset),
            "k_choice_table": paths.fmt(paths.K_CHOICE_CSV, dataset=dataset),
            "files": summary_links(config, dataset),
            # one record per backend, for the library versions it ran with
            "sample_records": [
                paths.fmt(
                    paths.FIT_RECORD, dataset=dataset, backend=b, k=k_values(config, dataset)[0],
                    init_id=init_ids(config)[0],
                )
                for b in backend_names(config)
            ],
        }
        if applies(config, dataset, paths.QUALITY):
            entry["quality"] = per_backend(config, paths.QUALITY, dataset)
        if applies(config, dataset, paths.AGREEMENT):
            entry["agreement"] = paths.fmt(paths.AGREEMENT, dataset=dataset)
        structure[dataset] = entry
    return structure


def summary_inputs(config: dict) -> list[str]:
    """Every file named in ``summary_structure``, flat."""
    files = []
    for entry in summary_structure(config).values():
        for value in entry.values():
            if isinstance(value, dict):
                files += value.values()
            elif isinstance(value, list):
                files += value
            else:
                files.append(value)
    return files


def k_choice_inputs(config: dict, dataset: str) -> dict[str, list[str]]:
    """What the k-choice verdict of ``dataset`` reads: every backend's criteria, elbows, elbow
    scores and fit records, the gap statistic's reference fits and the subsample pairs."""
    backends = backend_names(config)
    ks = k_values(config, dataset)
    return {
        "criteria": list(per_backend(config, paths.CRITERIA, dataset).values()),
        "elbows": list(per_backend(config, paths.ELBOW_JSON, dataset).values()),
        "scores": list(per_backend(config, paths.ELBOW_SCORES, dataset).values()),
        "records": fit_files(config, paths.FIT_RECORD, dataset, backends),
        "gap_records": [paths.fmt(paths.GAP_FIT, dataset=dataset, k=k, ref=b) for k in ks for b in gap_refs(config)],
        "stability": [
            paths.fmt(paths.SUBSAMPLE_STABILITY, dataset=dataset, k=k) for k in ks if stability_pairs(config)
        ],
    }


def reference_criteria(config: dict, dataset: str) -> str:
    """The criteria table of the reference backend, which the k-choice figure draws."""
    return paths.fmt(paths.CRITERIA, dataset=dataset, backend=reference_backend(config))
