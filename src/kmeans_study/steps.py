"""One function per rule: read inputs, call the library, write outputs.

Every function takes keyword arguments named like its rule's named inputs, outputs and params, so
a rule script reads ``steps.timing(records=sm.input.records, ..., table=sm.output.table)``. Tests
call these directly, without Snakemake. Lists of result files are matched to each other by the
wildcards in their paths (``paths.index``), never by their positions in the list.
"""

from __future__ import annotations

import logging

import numpy as np

from kmeans_study import io, paths
from kmeans_study.data.sources import DataError

log = logging.getLogger(__name__)

FIT_KEY = ("backend", "k", "init_id")


def prepare(*, dataset: str, spec: dict, cache_dir: str, max_k: int, X: str, labels: str, meta: str) -> None:
    """Load, preprocess and write one dataset (X, labels, meta are the output paths)."""
    from kmeans_study.data.prepare import prepare_dataset

    facts = prepare_dataset(dataset, spec, cache_dir, X, labels, meta, max_k=max_k)
    log.info("prepared %s: shape %s, %d distinct points", dataset, facts["shape"], facts["n_distinct_points"])


def check_k(dataset: str, k: int, meta: dict) -> None:
    """k must leave every cluster a distinct point to start from."""
    from kmeans_study.data.prepare import k_problem

    problem = k_problem(dataset, k, meta["n_distinct_points"], meta["shape"][0])
    if problem:
        raise DataError(problem)


def init_centroids(*, dataset: str, k: int, seeds: dict[int, int], X: str, meta: str, inits: list[str]) -> None:
    """The shared k-means++ starts of all inits of one k. seeds : init id -> seed; inits : the
    output files, one per init id (matched by the init id in their paths)."""
    from kmeans_study.lloyd.starts import kmeans_plusplus_many

    check_k(dataset, k, io.read_json(meta))
    outs = paths.index(paths.INIT, inits, ("init_id",))
    ids = sorted(seeds)
    for init_id, centroids in zip(ids, kmeans_plusplus_many(io.load_npy(X, mmap=True), k, [seeds[i] for i in ids])):
        io.save_npy(outs[(init_id,)], centroids)
        log.info("k-means++ k=%d init=%d seed=%d -> %s", k, init_id, seeds[init_id], outs[(init_id,)])


def fit(
    *, dataset: str, backend: str, registered: str, k: int, init_id: int, params: dict, seed: int, threads: int,
    X: str, meta: str, init: str | None, centroids: str, labels: str, record: str,
) -> None:
    """One fit; ``backend`` is the study's name (a grid point's included), ``registered`` the
    registered backend behind it. ``init`` is None for a backend using its own initialisation."""
    from kmeans_study.backends.run import run_fit

    facts = io.read_json(meta)
    check_k(dataset, k, facts)
    data = io.load_npy(X, mmap=True)
    start = io.load_npy(init) if init else None
    result = run_fit(
        data, start, backend=backend, params=params, k=k, seed=seed, threads=threads, dataset=dataset,
        init_id=init_id, registered=registered,
    )
    _write_fit(facts, *result, centroids=centroids, labels=labels, record=record)


def fit_fused(
    *, dataset: str, backend: str, k: int, seeds: dict[int, int], params: dict, threads: int, X: str, meta: str,
    inits: list[str], centroids: list[str], labels: list[str], records: list[str],
) -> None:
    """All inits of one k by a per-k backend. seeds : init id -> seed; every file list is matched
    to the init ids by the wildcards in its paths."""
    from kmeans_study.backends.run import run_fused

    facts = io.read_json(meta)
    check_k(dataset, k, facts)
    ids = sorted(seeds)
    starts = paths.index(paths.INIT, inits, ("init_id",))
    outs = {
        name: paths.index(pattern, files, ("init_id",))
        for name, pattern, files in (
            ("centroids", paths.FIT_CENTROIDS, centroids),
            ("labels", paths.FIT_LABELS, labels),
            ("record", paths.FIT_RECORD, records),
        )
    }
    fits = run_fused(
        io.load_npy(X, mmap=True), [io.load_npy(starts[(i,)]) for i in ids], backend=backend, params=params, k=k,
        seeds=[seeds[i] for i in ids], threads=threads, dataset=dataset, init_ids=ids,
    )
    for init_id, result in zip(ids, fits):
        _write_fit(facts, *result, **{name: files[(init_id,)] for name, files in outs.items()})


def _write_fit(meta: dict, fitted_centroids, fitted_labels, fit_record, *, centroids: str, labels: str, record: str):
    fit_record["data_sha256"] = meta["sha256"]["X"]
    io.save_npy(centroids, fitted_centroids)
    io.save_npy(labels, fitted_labels.astype(np.int32))
    io.write_json(record, fit_record)
    log.info(
        "%s k=%d init=%d: inertia %.6g, %d iterations, %.3f s", fit_record["backend"], fit_record["k"],
        fit_record["init_id"], fit_record["inertia"], fit_record["n_iter"], fit_record["fit_wall_s"],
    )


def _records(record_paths: list[str]):
    """The fit records (load_records rows), each checked against the wildcards of its path."""
    from kmeans_study.aggregate.best_init import load_records

    records = load_records(record_paths)
    for row in records.itertuples(index=False):
        where = paths.parse(paths.FIT_RECORD, row.record_path)
        if (where["dataset"], where["backend"], where["k"], where["init_id"]) != (
            row.dataset, row.backend, row.k, row.init_id
        ):
            raise DataError(f"{row.record_path}: the record is of another fit ({row.dataset}, {row.backend}, "
                            f"k={row.k}, init {row.init_id}); delete it and rerun")
    return records


def _fit_labels(records, label_paths: list[str], keys: tuple[str, ...] = FIT_KEY) -> dict:
    """Labels of every fit of ``records``, keyed by ``keys`` (columns of the records)."""
    by_key = paths.index(paths.FIT_LABELS, label_paths, keys)
    fits = {}
    for key in records[list(keys)].itertuples(index=False, name=None):
        if key not in by_key:
            raise DataError(f"no labels file among the inputs for the fit {dict(zip(keys, key))}")
        fits[key] = io.load_npy(by_key[key])
    return fits


def best_init(*, records: list[str], table: str) -> None:
    from kmeans_study.aggregate.best_init import best_init_table

    io.write_csv(table, best_init_table(_records(records)))


def elbow(*, dataset: str, backend: str, best: str, elbow: str, scores: str) -> None:
    from kmeans_study.aggregate.elbow import elbow_summary, two_line_scores

    table = io.read_csv(best)
    io.write_csv(scores, two_line_scores(table["k"], table["inertia_best"]))
    io.write_json(elbow, {"dataset": dataset, "backend": backend, **elbow_summary(table["k"], table["inertia_best"])})


def elbow_plot(*, dataset: str, backend: str, best: str, elbow: str, scores: str, plot: str, dpi: int) -> None:
    from kmeans_study.aggregate.plots import elbow_figure

    fig = elbow_figure(io.read_csv(best), io.read_json(elbow), io.read_csv(scores),
                       f"{dataset}: how many clusters, {backend} fits")
    io.save_figure(plot, fig, dpi)


def confusion(
    *, data_labels: str, meta: str, best: str, records: list[str], fit_labels: list[str], confusion: str,
    quality: str,
) -> None:
    from kmeans_study.aggregate.reports import confusion_and_quality

    facts = io.read_json(meta)
    fits = _fit_labels(_records(records), fit_labels, ("k", "init_id"))
    table, scores = confusion_and_quality(io.load_npy(data_labels), facts.get("label_names"), io.read_csv(best), fits)
    io.write_csv(confusion, table)
    io.write_csv(quality, scores)


def confusion_plot(
    *, dataset: str, backend: str, which: str, confusion: str, elbow: str, plot: str, dpi: int
) -> None:
    from kmeans_study.aggregate.elbow import ELBOW, shown_k
    from kmeans_study.aggregate.plots import confusion_figure

    table = io.read_csv(confusion)
    if which == "elbow":
        # The summary's rule for its tables, on this backend's own elbow; the table has a row per label.
        k, why = shown_k(io.read_json(elbow), n_classes=table["label"].nunique())
        label = why if why == ELBOW else f"no two-line elbow with fewer than 4 k values: {why}"
    else:
        k, label = int(which.removeprefix("k")), "a requested k"
    title = f"{dataset}, {backend}: labels vs clusters at k={k} ({label}), best init"
    fig = confusion_figure(table, k, title)
    io.save_figure(plot, fig, dpi)


def timing(*, records: list[str], benchmarks: list[str], reference: str, table: str) -> None:
    """Fit records with the Snakemake benchmark of the job behind each (a per-k backend's fits
    share their job's), matched by the wildcards of the benchmark paths; speedups against the
    ``reference`` backend."""
    from kmeans_study.aggregate.reports import read_benchmark, timing_table

    fits = _records(records)
    per_init = paths.index(paths.FIT_BENCHMARK, [p for p in benchmarks if "/fit/" in p], FIT_KEY)
    per_k = paths.index(paths.FUSED_BENCHMARK, [p for p in benchmarks if "/fit_fused/" in p], FIT_KEY[:2])
    jobs, read = [], {}
    for key in fits[list(FIT_KEY)].itertuples(index=False, name=None):
        path = per_init.get(key) or per_k.get(key[:2])
        if path is None:
            raise DataError(f"no benchmark file among the inputs for the fit {dict(zip(FIT_KEY, key))}")
        if path not in read:
            read[path] = read_benchmark(path)
        jobs.append({"job": path, **read[path]})
    io.write_csv(table, timing_table(fits, jobs, reference))


def timing_plot(*, dataset: str, timing: str, plot: str, dpi: int) -> None:
    from kmeans_study.aggregate.plots import timing_figure

    io.save_figure(plot, timing_figure(io.read_csv(timing), f"{dataset}: which backend is fastest"), dpi)


def agreement(
    *, records: list[str], fit_labels: list[str], elbows: list[str], pairs: list[tuple[str, str]],
    by_init: str, by_k: str, elbow_agreement: str,
) -> None:
    """Agreement of the backend ``pairs``; elbow files are matched to backends by their paths."""
    from kmeans_study.aggregate.reports import agreement_tables

    fits = _records(records)
    labels = _fit_labels(fits, fit_labels)
    elbow_files = paths.index(paths.ELBOW_JSON, elbows, ("backend",))
    picks = {backend: io.read_json(path) for (backend,), path in elbow_files.items()}
    tables = agreement_tables(fits, labels, picks, [tuple(pair) for pair in pairs])
    for path, frame in zip((by_init, by_k, elbow_agreement), tables):
        io.write_csv(path, frame)


def agreement_plot(*, dataset: str, agreement: str, plot: str, dpi: int) -> None:
    from kmeans_study.aggregate.plots import agreement_figure

    fig = agreement_figure(io.read_csv(agreement), f"{dataset}: do the backends agree? (same start)")
    io.save_figure(plot, fig, dpi)


def pareto(*, records: list[str], by_init: list[str], reference: str, budget: float, table: str) -> None:
    """``by_init``: the dataset's agreement_by_init.csv, or no file when the study has one backend."""
    from kmeans_study.aggregate.pareto import pareto_table

    pairs = io.read_csv(by_init[0]) if by_init else None
    io.write_csv(table, pareto_table(_records(records), pairs, reference, budget))


def pareto_plot(*, dataset: str, pareto: str, plot: str, dpi: int) -> None:
    from kmeans_study.aggregate.pareto import pareto_ks
    from kmeans_study.aggregate.plots import pareto_figure

    frame = io.read_csv(pareto)
    fig = pareto_figure(frame, pareto_ks(frame["k"]), f"{dataset}: fit time against inertia gap, one point per backend")
    io.save_figure(plot, fig, dpi)


def _best_labels(best: str, records: list[str], fit_labels: list[str]):
    return io.read_csv(best), _fit_labels(_records(records), fit_labels, ("k", "init_id"))


def quantization(
    *, dataset: str, backend: str, X: str, meta: str, best: str, records: list[str], fit_labels: list[str],
    table: str, plot: str, dpi: int,
) -> None:
    """Colour quantization of an image dataset: each k's best init as an image, PSNR, colours."""
    from kmeans_study.aggregate.examples import original, quantization_table
    from kmeans_study.aggregate.plots import quantization_figure

    facts = io.read_json(meta)
    pixels = original(io.load_npy(X), facts)
    best_table, fits = _best_labels(best, records, fit_labels)
    frame, images = quantization_table(pixels, facts["image_shape"], best_table, fits)
    io.write_csv(table, frame)
    fig = quantization_figure(
        pixels.reshape(*facts["image_shape"], 3), images, frame,
        f"{dataset}, {backend}: colour quantization (best init per k)",
    )
    io.save_figure(plot, fig, dpi)


def segments(*, X: str, meta: str, best: str, records: list[str], fit_labels: list[str], table: str) -> None:
    """Customer segmentation: per k and segment, size and column means in the file's units."""
    from kmeans_study.aggregate.examples import original, segment_table

    facts = io.read_json(meta)
    best_table, fits = _best_labels(best, records, fit_labels)
    io.write_csv(table, segment_table(original(io.load_npy(X), facts), facts["feature_names"], best_table, fits))


def summary(*, config: dict, per_dataset: dict[str, dict], md: str, provenance: str) -> None:
    """per_dataset : dataset -> {"meta": path, "elbows": {backend: path}, "quality": {backend:
    path} (labelled datasets), "timing", "pareto", "agreement", "elbow_agreement", "k_choice",
    "k_choice_table": paths,
    "files": [paths], "sample_records": [paths]}."""
    from pathlib import Path

    from kmeans_study.config.study import backend_names, config_hash, init_ids, reference_backend, registered
    from kmeans_study.report.summary.assembly import dataset_section, summary_markdown
    from kmeans_study.runtime import library_versions

    base = Path(md).parent
    exact = {b: registered(config, b).exact for b in backend_names(config)}
    sections, versions, checksums = [], library_versions(["pandas", "matplotlib", "kneed", "sklearn"]), {}
    for name, files in per_dataset.items():
        facts = io.read_json(files["meta"])
        checksums[name] = facts["sha256"]["X"]
        loaded = {
            "meta": facts,
            "reference": reference_backend(config),
            "exact": exact,
            "elbows": {b: io.read_json(p) for b, p in files["elbows"].items()},
            "quality": {b: io.read_csv(p) for b, p in files.get("quality", {}).items()},
            "timing": io.read_csv(files["timing"]),
            "pareto": io.read_csv(files["pareto"]) if "pareto" in files else None,
            "k_choice": io.read_json(files["k_choice"]),
            "k_choice_table": io.read_csv(files["k_choice_table"]),
            "files": files["files"],
        }
        if "agreement" in files:
            loaded["agreement"] = io.read_csv(files["agreement"])
        sections.append(dataset_section(name, loaded, base))
    for record_path in {p for files in per_dataset.values() for p in files["sample_records"]}:
        versions.update(io.read_json(record_path)["versions"])
    facts = {
        "config_sha256": config_hash(config),
        "config": config,
        "data_sha256": checksums,
        "n_inits": len(init_ids(config)),
        "versions": versions,
    }
    io.write_json(provenance, facts)
    with io.atomic_path(md) as tmp:
        tmp.write_text(summary_markdown(config, sections, facts))


def report_page(*, source: str, page: str) -> None:
    """The HTML report's page of one table, Markdown file or figure (see ``report.pages``)."""
    from pathlib import Path

    from kmeans_study.report.pages import page as render

    text = render(source, Path(source).relative_to(paths.RESULTS).as_posix())
    with io.atomic_path(page) as tmp:
        tmp.write_text(text, encoding="utf-8")
