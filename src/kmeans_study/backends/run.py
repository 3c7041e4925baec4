"""Run fits: a backend on one (dataset, k, init_id) (``run_fit``), or a fused backend on all inits
of one k (``run_fused``), timed, then evaluated on ALL points and recorded (``record``)."""

from __future__ import annotations

import logging
import time
from importlib import import_module

import numpy as np

from kmeans_study.backends import get_backend
from kmeans_study.backends.record import FitJob, Measured, fit_record
from kmeans_study.lloyd.core import absolute_tol
from kmeans_study.runtime import limit_threads, native_libraries

log = logging.getLogger(__name__)


def run_fit(X, start, *, backend: str, params: dict, k: int, seed: int, threads: int, dataset: str, init_id: int,
            base_backend: str | None = None, sample_seed: int = 0):
    """Fit and evaluate. X : (n, d) float32 (memory-mapped is fine); start : (k, d) float32 or None.
    ``backend`` is the study's name for the backend (a grid point's included), ``base_backend``
    the registered backend behind it (default: the same name). A backend told to ``sample``
    (params) is fitted on that many rows of X drawn with ``sample_seed``, gathered in memory.

    Returns (centroids (k, d) float32, labels (n,) int64, record dict). The record's fit times
    cover the backend's fit only (data loading and the evaluation are timed apart).
    """
    loaded = _loaded_backend(backend, params, base_backend)
    fitted, sampled = X, None
    if params.get("sample") and X.shape[0] > params["sample"]:
        rows = np.sort(np.random.default_rng(sample_seed).choice(X.shape[0], params["sample"], replace=False))
        fitted = np.ascontiguousarray(X[rows])
        sampled = {"points": len(rows), "of": int(X.shape[0]), "seed": sample_seed}
        log.info("fitted on a sample of %d of %d points (seed %d)", len(rows), X.shape[0], sample_seed)
    with limit_threads(threads):
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        result = loaded.fit(fitted, start if loaded.uses_shared_init else None, k, seed, threads)
        fit_wall, fit_cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
        if sampled:
            result.details.update(sample=sampled, points_used=sampled["points"])
        own = loaded.own_assignment(X, result.centroids)
        job = FitJob(dataset, k, init_id, seed, threads)
        return _evaluated(X, loaded, [result], [job], [(fit_wall, fit_cpu)], [own])[0]


def run_fused(X, starts: list, *, backend: str, params: dict, k: int, seeds: list[int], threads: int, dataset: str,
              init_ids: list[int]):
    """Fit all inits of one k together (a fused backend) and evaluate each; one (centroids,
    labels, record) per init, records as ``run_fit`` writes them.

    The fits share each pass over X, so one init's own fit time is not measurable: the job's fit
    time is attributed to the inits in proportion to their iterations (``details.fused`` says so).
    """
    loaded = _loaded_backend(backend, params)
    with limit_threads(threads):
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        results = loaded.fit_many(X, starts, k, threads)
        fit_wall, fit_cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
        total_iter = sum(r.n_iter for r in results)
        shares = [r.n_iter / total_iter for r in results]
        for result in results:
            result.details["fused"] = {
                "job_fit_wall_s": fit_wall,
                "job_fit_cpu_s": fit_cpu,
                "fit_time_attribution": "job fit time x this init's iterations / all inits' iterations",
            }
        timings = [(fit_wall * share, fit_cpu * share) for share in shares]
        jobs = [FitJob(dataset, k, init_id, seed, threads) for init_id, seed in zip(init_ids, seeds)]
        return _evaluated(X, loaded, results, jobs, timings)


def _loaded_backend(name: str, params: dict, base_backend: str | None = None):
    started = time.perf_counter()
    backend = get_backend(base_backend or name, params)
    backend.name_in_config = name
    for module in backend.libraries:
        import_module(module)
    log.info("backend %s: its module and %s imported in %.3f s", name, ", ".join(backend.libraries),
             time.perf_counter() - started)
    return backend


def _evaluated(X, backend, results, jobs: list[FitJob], timings, owns=None):
    """Inertia, labels and the next step's centre shift of every result on ALL points, in one
    pass over X whatever the number of results; then each result's record. ``timings``: (fit wall,
    fit cpu) seconds per result; ``owns``: the backend's own assignment of X to each result's
    centroids (None: exact search)."""
    from kmeans_study.lloyd.evaluate import evaluate_many

    kernels = native_libraries()
    tol = absolute_tol(X, backend.params["tol"])  # a statistic of the data, not of the fit: not timed
    start_eval = time.perf_counter()
    evaluated = evaluate_many(X, [r.centroids for r in results])
    eval_wall = (time.perf_counter() - start_eval) / len(results)
    out = []
    for result, (labels, inertia, means), (fit_wall, fit_cpu), job, own in zip(
        results, evaluated, timings, jobs, owns or [None] * len(results)
    ):
        shift = float(((means - result.centroids) ** 2).sum())
        # The same centroids, so the same cluster ids: a plain comparison is right here.
        exact_share = None if own is None else float(np.mean(own == labels))
        measured = Measured(labels=labels, inertia=inertia, shift=shift, tol=tol, exact_share=exact_share,
                            fit_wall=fit_wall, fit_cpu=fit_cpu, eval_wall=eval_wall)
        out.append((result.centroids, labels, fit_record(X, backend, result, job, measured, kernels)))
    return out
