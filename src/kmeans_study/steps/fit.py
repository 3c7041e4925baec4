"""Fit stage: one fit of a per-init backend, or every init of one k by a fused backend."""

from __future__ import annotations

import logging
import time

import numpy as np

from kmeans_study import io, paths
from kmeans_study.steps.common import check_k, check_memory

log = logging.getLogger(__name__)


def fit(
    *, dataset: str, backend: str, base_backend: str, k: int, init_id: int, params: dict, seed: int, threads: int,
    X: str, meta: str, start: str | None, centroids: str, labels: str, record: str, sample_seed: int = 0,
) -> None:
    """One fit; ``backend`` is the study's name (a grid point's included), ``base_backend`` the
    registered backend behind it; ``start``, the file of the shared start, is None for a backend using its own
    initialisation."""
    from kmeans_study.backends.run import run_fit

    started = time.perf_counter()
    facts = io.read_json(meta)
    check_k(dataset, k, facts)
    data = io.load_npy(X, mmap=True)
    check_memory(backend, base_backend, params, dataset=dataset, shape=data.shape)
    centres = io.load_npy(start) if start else None
    log.info("inputs read in %.3f s", time.perf_counter() - started)
    result = run_fit(
        data, centres, backend=backend, params=params, k=k, seed=seed, threads=threads, dataset=dataset,
        init_id=init_id, base_backend=base_backend, sample_seed=sample_seed,
    )
    _write_fit(facts, *result, centroids=centroids, labels=labels, record=record)


def fit_fused(
    *, dataset: str, backend: str, k: int, seeds: dict[int, int], params: dict, threads: int, X: str, meta: str,
    starts: list[str], centroids: list[str], labels: list[str], records: list[str],
) -> None:
    """All inits of one k by a fused backend. seeds : init id -> seed; every file list is matched
    to the init ids by the wildcards in its paths."""
    from kmeans_study.backends.run import run_fused

    facts = io.read_json(meta)
    check_k(dataset, k, facts)
    ids = sorted(seeds)
    start_files = paths.index(paths.START, starts, ("init_id",))
    outs = {
        name: paths.index(pattern, files, ("init_id",))
        for name, pattern, files in (
            ("centroids", paths.FIT_CENTROIDS, centroids),
            ("labels", paths.FIT_LABELS, labels),
            ("record", paths.FIT_RECORD, records),
        )
    }
    fits = run_fused(
        io.load_npy(X, mmap=True), [io.load_npy(start_files[(i,)]) for i in ids], backend=backend, params=params, k=k,
        seeds=[seeds[i] for i in ids], threads=threads, dataset=dataset, init_ids=ids,
    )
    for init_id, result in zip(ids, fits):
        _write_fit(facts, *result, **{name: files[(init_id,)] for name, files in outs.items()})


def _write_fit(meta: dict, fitted_centroids, fitted_labels, fit_record, *, centroids: str, labels: str, record: str):
    started = time.perf_counter()
    fit_record["data_sha256"] = meta["sha256"]["X"]
    io.save_npy(centroids, fitted_centroids)
    io.save_npy(labels, fitted_labels.astype(np.int32))
    io.write_json(record, fit_record)
    log.info(
        "%s k=%d init=%d: inertia %.6g, %d iterations, fit %.3f s, evaluation %.3f s; outputs written in %.3f s",
        fit_record["backend"], fit_record["k"], fit_record["init_id"], fit_record["inertia"], fit_record["n_iter"],
        fit_record["fit_wall_s"], fit_record["eval_wall_s"], time.perf_counter() - started,
    )

