"""Data stage: prepare a dataset, and the shared k-means++ starts of one k."""

from __future__ import annotations

import logging

from kmeans_study import io, paths
from kmeans_study.steps.common import check_k

log = logging.getLogger(__name__)


def prepare(*, dataset: str, spec: dict, cache_dir: str, max_k: int, X: str, labels: str, meta: str) -> None:
    """Load, preprocess and write one dataset (X, labels, meta are the output paths)."""
    from kmeans_study.data.prepare import prepare_dataset

    facts = prepare_dataset(dataset, spec, cache_dir, X, labels, meta, max_k=max_k)
    log.info("prepared %s: shape %s, %d distinct points", dataset, facts["shape"], facts["n_distinct_points"])


def init_centroids(*, dataset: str, k: int, seeds: dict[int, int], X: str, meta: str, starts: list[str]) -> None:
    """The shared k-means++ starts of all inits of one k. seeds : init id -> seed; starts : the
    output files, one per init id (matched by the init id in their paths)."""
    from kmeans_study.lloyd.starts import kmeans_plusplus_many

    check_k(dataset, k, io.read_json(meta))
    outs = paths.index(paths.START, starts, ("init_id",))
    ids = sorted(seeds)
    for init_id, centroids in zip(ids, kmeans_plusplus_many(io.load_npy(X, mmap=True), k, [seeds[i] for i in ids])):
        io.save_npy(outs[(init_id,)], centroids)
        log.info("k-means++ k=%d init=%d seed=%d -> %s", k, init_id, seeds[init_id], outs[(init_id,)])

