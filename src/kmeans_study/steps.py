"""One function per rule: read inputs, call the library, write outputs.

The rule scripts call these with paths taken from the ``snakemake`` object; tests call them
directly, without Snakemake.
"""

from __future__ import annotations

import logging

import numpy as np

from kmeans_study import io
from kmeans_study.data.sources import DataError

log = logging.getLogger(__name__)


def prepare(
    dataset: str, spec: dict, cache_dir: str, max_k: int, out_X: str, out_labels: str, out_meta: str
) -> None:
    from kmeans_study.data.prepare import prepare_dataset

    meta = prepare_dataset(dataset, spec, cache_dir, out_X, out_labels, out_meta, max_k=max_k)
    log.info("prepared %s: shape %s, %d distinct points", dataset, meta["shape"], meta["n_distinct_points"])


def check_k(dataset: str, k: int, meta: dict) -> None:
    """k must leave every cluster a distinct point to start from."""
    from kmeans_study.data.prepare import k_problem

    problem = k_problem(dataset, k, meta["n_distinct_points"], meta["shape"][0])
    if problem:
        raise DataError(problem)


def init_centroids(dataset: str, k: int, seeds: list[int], X_path: str, meta_path: str, outs: list[str]) -> None:
    """The shared k-means++ starts of all inits of one k, one file per init (``outs`` in the
    order of ``seeds``)."""
    from kmeans_study.init import kmeans_plusplus_many

    check_k(dataset, k, io.read_json(meta_path))
    for out, seed, centroids in zip(outs, seeds, kmeans_plusplus_many(io.load_npy(X_path, mmap=True), k, seeds)):
        io.save_npy(out, centroids)
        log.info("k-means++ k=%d seed=%d -> %s", k, seed, out)


def fit(
    dataset: str,
    backend: str,
    k: int,
    init_id: int,
    params: dict,
    seed: int,
    threads: int,
    X_path: str,
    meta_path: str,
    init_path: str | None,
    out_centroids: str,
    out_labels: str,
    out_record: str,
    registered: str | None = None,
) -> None:
    """One fit; ``backend`` is the study's name (a grid point's included), ``registered`` the
    registered backend behind it (default: the same)."""
    from kmeans_study.fit import run_fit

    meta = io.read_json(meta_path)
    check_k(dataset, k, meta)
    X = io.load_npy(X_path, mmap=True)
    init = io.load_npy(init_path) if init_path else None
    centroids, labels, record = run_fit(
        X, init, backend, params, k, seed, threads, dataset=dataset, init_id=init_id, registered=registered
    )
    _write_fit(meta, centroids, labels, record, out_centroids, out_labels, out_record)


def fit_fused(
    dataset: str,
    backend: str,
    k: int,
    init_ids: list[int],
    params: dict,
    seeds: list[int],
    threads: int,
    X_path: str,
    meta_path: str,
    init_paths: list[str],
    out_centroids: list[str],
    out_labels: list[str],
    out_records: list[str],
) -> None:
    """All inits of one k by a per-k backend; every list is in the order of ``init_ids``."""
    from kmeans_study.fit import run_fused

    meta = io.read_json(meta_path)
    check_k(dataset, k, meta)
    X = io.load_npy(X_path, mmap=True)
    inits = [io.load_npy(path) for path in init_paths]
    fits = run_fused(X, inits, backend, params, k, seeds, threads, dataset=dataset, init_ids=init_ids)
    for (centroids, labels, record), *outs in zip(fits, out_centroids, out_labels, out_records):
        _write_fit(meta, centroids, labels, record, *outs)


def _write_fit(meta, centroids, labels, record, out_centroids, out_labels, out_record) -> None:
    record["data_sha256"] = meta["sha256"]["X"]
    io.save_npy(out_centroids, centroids)
    io.save_npy(out_labels, labels.astype(np.int32))
    io.write_json(out_record, record)
    log.info(
        "%s k=%d init=%d: inertia %.6g, %d iterations, %.3f s", record["backend"], record["k"],
        record["init_id"], record["inertia"], record["n_iter"], record["fit_wall_s"],
    )


def best_init(record_paths: list[str], out_csv: str) -> None:
    from kmeans_study.aggregate.best_init import best_init_table, load_records

    io.write_csv(out_csv, best_init_table(load_records(record_paths)))


def elbow(dataset: str, backend: str, best_csv: str, out_json: str, out_scores: str) -> None:
    import pandas as pd

    from kmeans_study.aggregate.elbow import elbow_summary, two_line_scores

    best = pd.read_csv(best_csv)
    io.write_csv(out_scores, two_line_scores(best["k"], best["inertia_best"]))
    io.write_json(out_json, {"dataset": dataset, "backend": backend, **elbow_summary(best["k"], best["inertia_best"])})


def elbow_plot(dataset: str, backend: str, best_csv: str, elbow_json: str, out_plot: str, dpi: int) -> None:
    import pandas as pd

    from kmeans_study.aggregate.plots import elbow_figure

    fig = elbow_figure(pd.read_csv(best_csv), io.read_json(elbow_json), f"{dataset}: elbow of the {backend} fits")
    io.save_figure(out_plot, fig, dpi)


def _fit_labels(records, label_paths: list[str], with_backend: bool) -> dict:
    """Labels of every fit, keyed by (k, init_id) or (backend, k, init_id); ``label_paths`` is in
    the order of ``records``' rows (both come from one expand in the rule)."""
    keys = ["backend", "k", "init_id"] if with_backend else ["k", "init_id"]
    return {
        tuple(row): io.load_npy(path) for row, path in zip(records[keys].itertuples(index=False, name=None), label_paths)
    }


def confusion(
    data_labels: str, meta_path: str, best_csv: str, record_paths: list[str], label_paths: list[str],
    out_confusion: str, out_quality: str,
) -> None:
    import pandas as pd

    from kmeans_study.aggregate.best_init import load_records
    from kmeans_study.aggregate.reports import confusion_and_quality

    meta = io.read_json(meta_path)
    fits = _fit_labels(load_records(record_paths), label_paths, with_backend=False)
    table, scores = confusion_and_quality(io.load_npy(data_labels), meta.get("label_names"), pd.read_csv(best_csv), fits)
    io.write_csv(out_confusion, table)
    io.write_csv(out_quality, scores)


def confusion_plot(
    dataset: str, backend: str, which: str, confusion_csv: str, elbow_json: str, out_plot: str, dpi: int
) -> None:
    import pandas as pd

    from kmeans_study.aggregate.plots import confusion_figure

    k = io.read_json(elbow_json)["two_line"]["k"] if which == "elbow" else int(which.removeprefix("k"))
    table = pd.read_csv(confusion_csv)
    if k is None:
        k = int(table["k"].iloc[0])
        log.warning("no two-line elbow (fewer than 4 k values): drawing k=%d", k)
    label = "the two-line elbow" if which == "elbow" else "a requested k"
    fig = confusion_figure(table, k, f"{dataset}, {backend}: labels vs clusters at k={k} ({label}), best init")
    io.save_figure(out_plot, fig, dpi)


def timing(record_paths: list[str], benchmark_paths: list[str], out_csv: str) -> None:
    from kmeans_study.aggregate.best_init import load_records
    from kmeans_study.aggregate.reports import read_benchmark, timing_table

    io.write_csv(out_csv, timing_table(load_records(record_paths), [read_benchmark(p) for p in benchmark_paths]))


def timing_plot(dataset: str, timing_csv: str, out_plot: str, dpi: int) -> None:
    import pandas as pd

    from kmeans_study.aggregate.plots import timing_figure

    io.save_figure(out_plot, timing_figure(pd.read_csv(timing_csv), f"{dataset}: fit time per backend"), dpi)


def agreement(
    record_paths: list[str], label_paths: list[str], elbow_jsons: dict[str, str],
    out_by_init: str, out_by_k: str, out_elbows: str, pairs: list[tuple[str, str]] | None = None,
) -> None:
    from kmeans_study.aggregate.best_init import load_records
    from kmeans_study.aggregate.reports import agreement_tables

    records = load_records(record_paths)
    fits = _fit_labels(records, label_paths, with_backend=True)
    elbows = {backend: io.read_json(path) for backend, path in elbow_jsons.items()}
    by_init, by_k, elbow_agreement = agreement_tables(records, fits, elbows, pairs)
    io.write_csv(out_by_init, by_init)
    io.write_csv(out_by_k, by_k)
    io.write_csv(out_elbows, elbow_agreement)


def agreement_plot(dataset: str, agreement_csv: str, out_plot: str, dpi: int) -> None:
    import pandas as pd

    from kmeans_study.aggregate.plots import agreement_figure

    fig = agreement_figure(pd.read_csv(agreement_csv), f"{dataset}: do the backends agree? (same start)")
    io.save_figure(out_plot, fig, dpi)


def pareto(
    record_paths: list[str], by_init_csv: str | None, reference: str, budget: float, out_csv: str,
) -> None:
    import pandas as pd

    from kmeans_study.aggregate.best_init import load_records
    from kmeans_study.aggregate.pareto import pareto_table

    by_init = pd.read_csv(by_init_csv) if by_init_csv else None
    io.write_csv(out_csv, pareto_table(load_records(record_paths), by_init, reference, budget))


def pareto_plot(dataset: str, pareto_csv: str, out_plot: str, dpi: int) -> None:
    import pandas as pd

    from kmeans_study.aggregate.pareto import pareto_ks
    from kmeans_study.aggregate.plots import pareto_figure

    table = pd.read_csv(pareto_csv)
    fig = pareto_figure(table, pareto_ks(table["k"]), f"{dataset}: fit time vs inertia gap, one point per backend")
    io.save_figure(out_plot, fig, dpi)


def _best_labels(best_csv: str, record_paths: list[str], label_paths: list[str]):
    import pandas as pd

    from kmeans_study.aggregate.best_init import load_records

    return pd.read_csv(best_csv), _fit_labels(load_records(record_paths), label_paths, with_backend=False)


def quantization(
    dataset: str, backend: str, X_path: str, meta_path: str, best_csv: str, record_paths: list[str],
    label_paths: list[str], out_csv: str, out_plot: str, dpi: int,
) -> None:
    """Colour quantization of an image dataset: each k's best init as an image, PSNR, colours."""
    from kmeans_study.aggregate.examples import original, quantization_table
    from kmeans_study.aggregate.plots import quantization_figure

    meta = io.read_json(meta_path)
    pixels = original(io.load_npy(X_path), meta)
    best, fits = _best_labels(best_csv, record_paths, label_paths)
    table, images = quantization_table(pixels, meta["image_shape"], best, fits)
    io.write_csv(out_csv, table)
    shape = meta["image_shape"]
    fig = quantization_figure(
        pixels.reshape(*shape, 3), images, table, f"{dataset}, {backend}: colour quantization (best init per k)"
    )
    io.save_figure(out_plot, fig, dpi)


def segments(
    X_path: str, meta_path: str, best_csv: str, record_paths: list[str], label_paths: list[str], out_csv: str
) -> None:
    """Customer segmentation: per k and segment, size and column means in the file's units."""
    from kmeans_study.aggregate.examples import original, segment_table

    meta = io.read_json(meta_path)
    best, fits = _best_labels(best_csv, record_paths, label_paths)
    io.write_csv(out_csv, segment_table(original(io.load_npy(X_path), meta), meta["feature_names"], best, fits))


def summary(config: dict, per_dataset: dict[str, dict], out_md: str, out_json: str) -> None:
    """per_dataset : dataset -> {"meta": path, "elbows": {backend: path}, "quality": {backend:
    path} (labelled datasets), "timing", "agreement", "elbow_agreement": paths, "files": [paths]}."""
    from pathlib import Path

    import pandas as pd

    from kmeans_study.aggregate.summary import dataset_section, summary_markdown
    from kmeans_study.config import config_hash, init_ids
    from kmeans_study.runtime import library_versions

    base = Path(out_md).parent
    sections, versions, checksums = [], library_versions(["pandas", "matplotlib", "kneed", "sklearn"]), {}
    for name, files in per_dataset.items():
        meta = io.read_json(files["meta"])
        checksums[name] = meta["sha256"]["X"]
        loaded = {
            "meta": meta,
            "elbows": {b: io.read_json(p) for b, p in files["elbows"].items()},
            "quality": {b: pd.read_csv(p) for b, p in files.get("quality", {}).items()},
            "timing": pd.read_csv(files["timing"]),
            "pareto": pd.read_csv(files["pareto"]) if "pareto" in files else None,
            "files": files["files"],
        }
        if "agreement" in files:
            loaded["agreement"] = pd.read_csv(files["agreement"])
            loaded["elbow_agreement"] = pd.read_csv(files["elbow_agreement"])
        sections.append(dataset_section(name, loaded, base))
    for record_path in {p for files in per_dataset.values() for p in files["sample_records"]}:
        versions.update(io.read_json(record_path)["versions"])
    provenance = {
        "config_sha256": config_hash(config),
        "config": config,
        "data_sha256": checksums,
        "n_inits": len(init_ids(config)),
        "versions": versions,
    }
    io.write_json(out_json, provenance)
    with io.atomic_path(out_md) as tmp:
        tmp.write_text(summary_markdown(config, sections, provenance))


def report_page(source: str, out: str) -> None:
    """The HTML report's page of one table or Markdown result file (see ``report_pages``)."""
    from pathlib import Path

    from kmeans_study import paths
    from kmeans_study.report_pages import page

    text = page(source, Path(source).relative_to(paths.RESULTS).as_posix())
    with io.atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
