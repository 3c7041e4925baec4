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


def prepare(dataset: str, spec: dict, cache_dir: str, out_X: str, out_labels: str, out_meta: str) -> None:
    from kmeans_study.data.prepare import prepare_dataset

    meta = prepare_dataset(dataset, spec, cache_dir, out_X, out_labels, out_meta)
    log.info("prepared %s: shape %s, %d distinct points", dataset, meta["shape"], meta["n_distinct_points"])


def check_k(dataset: str, k: int, meta: dict) -> None:
    """k must leave every cluster a distinct point to start from."""
    if k > meta["n_distinct_points"]:
        raise DataError(
            f"dataset {dataset}: k={k} exceeds its {meta['n_distinct_points']} distinct points "
            f"({meta['shape'][0]} rows); lower the k range for this dataset"
        )


def init_centroids(dataset: str, k: int, seed: int, X_path: str, meta_path: str, out: str) -> None:
    from kmeans_study.init import kmeans_plusplus

    check_k(dataset, k, io.read_json(meta_path))
    centroids = kmeans_plusplus(io.load_npy(X_path, mmap=True), k, seed)
    io.save_npy(out, centroids)
    log.info("k-means++ k=%d seed=%d", k, seed)


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
) -> None:
    from kmeans_study.fit import run_fit

    meta = io.read_json(meta_path)
    check_k(dataset, k, meta)
    X = io.load_npy(X_path, mmap=True)
    init = io.load_npy(init_path) if init_path else None
    centroids, labels, record = run_fit(
        X, init, backend, params, k, seed, threads, dataset=dataset, init_id=init_id
    )
    record["data_sha256"] = meta["sha256"]["X"]
    io.save_npy(out_centroids, centroids)
    io.save_npy(out_labels, labels.astype(np.int32))
    io.write_json(out_record, record)
    log.info(
        "%s k=%d init=%d: inertia %.6g, %d iterations, %.3f s", backend, k, init_id, record["inertia"],
        record["n_iter"], record["fit_wall_s"],
    )


def best_init(record_paths: list[str], out_csv: str) -> None:
    from kmeans_study.aggregate.best_init import best_init_table, load_records

    io.write_csv(out_csv, best_init_table(load_records(record_paths)))


def elbow(dataset: str, backend: str, best_csv: str, out_json: str, out_scores: str, out_plot: str, dpi: int) -> None:
    import pandas as pd

    from kmeans_study.aggregate.elbow import elbow_summary, two_line_scores
    from kmeans_study.aggregate.plots import elbow_figure

    best = pd.read_csv(best_csv)
    summary = {"dataset": dataset, "backend": backend, **elbow_summary(best["k"], best["inertia_best"])}
    io.write_csv(out_scores, two_line_scores(best["k"], best["inertia_best"]))
    fig = elbow_figure(best, summary, f"{dataset}: elbow of the {backend} fits")
    io.save_figure(out_plot, fig, dpi)
    io.write_json(out_json, summary)
