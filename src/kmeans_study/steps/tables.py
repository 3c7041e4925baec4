"""Aggregate tables, from result files only: best init, elbow, confusion and quality, timing,
agreement, Pareto."""

from __future__ import annotations

from kmeans_study import io, paths
from kmeans_study.data.sources import DataError
from kmeans_study.steps.common import FIT_KEY, checked_records, labels_of_fits


def best_init(*, records: list[str], table: str) -> None:
    from kmeans_study.aggregate.best_init import best_init_table

    io.write_csv(table, best_init_table(checked_records(records)))


def elbow(*, dataset: str, backend: str, best: str, elbow: str, scores: str) -> None:
    from kmeans_study.aggregate.elbow import elbow_summary, two_line_scores

    table = io.read_csv(best)
    io.write_csv(scores, two_line_scores(table["k"], table["inertia_best"]))
    io.write_json(elbow, {"dataset": dataset, "backend": backend, **elbow_summary(table["k"], table["inertia_best"])})


def confusion(
    *, data_labels: str, meta: str, best: str, records: list[str], fit_labels: list[str], confusion: str,
    quality: str,
) -> None:
    from kmeans_study.aggregate.reports import confusion_and_quality

    facts = io.read_json(meta)
    fits = labels_of_fits(checked_records(records), fit_labels, ("k", "init_id"))
    table, scores = confusion_and_quality(
        io.load_npy(data_labels, mmap=True), facts.get("label_names"), io.read_csv(best), fits
    )
    io.write_csv(confusion, table)
    io.write_csv(quality, scores)


def timing(*, records: list[str], benchmarks: list[str], reference: str, table: str) -> None:
    """Fit records with the Snakemake benchmark of the job behind each (a fused backend's fits
    share their job's), matched by the wildcards of the benchmark paths; speedups against the
    ``reference`` backend."""
    from kmeans_study.aggregate.reports import read_benchmark, timing_table

    fits = checked_records(records)
    per_init = paths.index(paths.FIT_BENCHMARK, [p for p in benchmarks if "/fit/" in p], FIT_KEY)
    fused = paths.index(paths.FUSED_BENCHMARK, [p for p in benchmarks if "/fit_fused/" in p], FIT_KEY[:2])
    jobs, read = [], {}
    for key in fits[list(FIT_KEY)].itertuples(index=False, name=None):
        path = per_init.get(key) or fused.get(key[:2])
        if path is None:
            raise DataError(f"no benchmark file among the inputs for the fit {dict(zip(FIT_KEY, key))}")
        if path not in read:
            read[path] = read_benchmark(path)
        jobs.append({"job": path, **read[path]})
    io.write_csv(table, timing_table(fits, jobs, reference))


def agreement(
    *, records: list[str], fit_labels: list[str], elbows: list[str], pairs: list[tuple[str, str]],
    by_init: str, by_k: str, elbow_agreement: str,
) -> None:
    """Agreement of the backend ``pairs``; elbow files are matched to backends by their paths."""
    from kmeans_study.aggregate.reports import agreement_tables

    fits = checked_records(records)
    labels = labels_of_fits(fits, fit_labels)
    elbow_files = paths.index(paths.ELBOW_JSON, elbows, ("backend",))
    picks = {backend: io.read_json(path) for (backend,), path in elbow_files.items()}
    tables = agreement_tables(fits, labels, picks, [tuple(pair) for pair in pairs])
    for path, frame in zip((by_init, by_k, elbow_agreement), tables):
        io.write_csv(path, frame)


def pareto(*, records: list[str], by_init: list[str], reference: str, budget: float, table: str) -> None:
    """``by_init``: the dataset's agreement_by_init.csv, or no file when the study has one backend."""
    from kmeans_study.aggregate.pareto import pareto_table

    pairs = io.read_csv(by_init[0]) if by_init else None
    io.write_csv(table, pareto_table(checked_records(records), pairs, reference, budget))

