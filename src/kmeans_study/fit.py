"""Run one fit: a backend on one (dataset, k, init_id), timed, then evaluated on ALL points."""

from __future__ import annotations

import socket
import time
from importlib import import_module

import numpy as np

from kmeans_study.backends import get_backend
from kmeans_study.backends.base import absolute_tol
from kmeans_study.runtime import library_versions, limit_threads, native_libraries, peak_rss_mb

# Version of what a fit computes and records. It is a parameter of every fit job, so bumping it
# (whenever the record's contents or the evaluation change) reruns the fits of existing results.
RECORD_VERSION = 4


def run_fit(X, init, backend_name: str, params: dict, k: int, seed: int, threads: int, *, dataset: str, init_id: int,
            registered: str | None = None):
    """Fit and evaluate. X : (n, d) float32 (memory-mapped is fine); init : (k, d) float32 or None.
    ``backend_name`` is the study's name for the backend (a grid point's included), ``registered``
    the registered backend behind it (default: the same name).

    Returns (centroids (k, d) float32, labels (n,) int64, record dict). The record's fit times
    cover the backend's fit only (data loading and the evaluation are timed apart).
    """
    backend = _loaded_backend(backend_name, params, registered)
    with limit_threads(threads):
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        result = backend.fit(X, init if backend.uses_shared_init else None, k, seed, threads)
        fit_wall, fit_cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
        own = backend.own_assignment(X, result.centroids)
        return _evaluated(
            X, backend, [result], [(fit_wall, fit_cpu)], k, [seed], threads, dataset, [init_id], [own]
        )[0]


def run_fused(X, inits: list, backend_name: str, params: dict, k: int, seeds: list[int], threads: int, *,
              dataset: str, init_ids: list[int]):
    """Fit all inits of one k together (a per-k backend) and evaluate each; one (centroids,
    labels, record) per init, records as ``run_fit`` writes them.

    The fits share each pass over X, so one init's own fit time is not measurable: the job's fit
    time is attributed to the inits in proportion to their iterations (``details.fused`` says so).
    """
    backend = _loaded_backend(backend_name, params)
    with limit_threads(threads):
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        results = backend.fit_many(X, inits, k, threads)
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
        return _evaluated(X, backend, results, timings, k, seeds, threads, dataset, init_ids)


def _loaded_backend(name: str, params: dict, registered: str | None = None):
    backend = get_backend(registered or name, params)
    backend.name_in_config = name
    for module in backend.libraries:
        import_module(module)
    return backend


def _evaluated(X, backend, results, timings, k, seeds, threads, dataset, init_ids, owns=None):
    """Inertia, labels and the next step's centre shift of every result on ALL points, in one
    pass over X whatever the number of results; then each result's record. ``owns``: the
    backend's own assignment of X to each result's centroids (None: exact search)."""
    from kmeans_study.lloyd.kernel import evaluate_many

    kernels = native_libraries()
    start_eval = time.perf_counter()
    evaluated = evaluate_many(X, [r.centroids for r in results], threads)
    tol = absolute_tol(X, backend.params["tol"])
    eval_wall = (time.perf_counter() - start_eval) / len(results)
    out = []
    for result, (labels, inertia, means), (fit_wall, fit_cpu), seed, init_id, own in zip(
        results, evaluated, timings, seeds, init_ids, owns or [None] * len(results)
    ):
        shift = float(((means - result.centroids) ** 2).sum())
        # The same centroids, so the same cluster ids: a plain comparison is right here.
        exact_share = None if own is None else float(np.mean(own == labels))
        record = _record(
            X, backend, result, k, seed, threads, dataset, init_id, labels, inertia, shift, tol,
            fit_wall, fit_cpu, eval_wall, kernels, exact_share,
        )
        out.append((result.centroids, labels, record))
    return out


def _record(X, backend, result, k, seed, threads, dataset, init_id, labels, inertia, shift, tol,
            fit_wall, fit_cpu, eval_wall, kernels, exact_share=None) -> dict:
    converged = result.converged if result.converged is not None else shift <= tol
    return {
        "record_version": RECORD_VERSION,
        "dataset": dataset,
        "backend": backend.name_in_config,
        "backend_family": backend.name,
        "k": k,
        "init_id": init_id,
        "seed": seed,
        "init": "shared" if backend.uses_shared_init else "native",
        "params": backend.params,
        "n_points": int(X.shape[0]),
        "n_features": int(X.shape[1]),
        "inertia": inertia,
        "inertia_definition": "sum over ALL points of the squared distance to the nearest final centroid (float64)",
        "objective_backend": result.objective,
        "n_iter": result.n_iter,
        "converged": bool(converged),
        "converged_by": (
            "backend stopping rule"
            if result.converged is not None
            else "fixed-point check (next_step_center_shift <= tol_abs)"
        ),
        "next_step_center_shift": shift,
        "tol_abs": tol,
        "n_empty_clusters": int(k - np.unique(labels).size),
        "own_assignment_exact_fraction": exact_share,
        "fit_wall_s": fit_wall,
        "fit_cpu_s": fit_cpu,
        "eval_wall_s": eval_wall,
        "threads": threads,
        "peak_rss_mb": peak_rss_mb(),
        "data_mb": X.nbytes / 1e6,
        "details": result.details,
        "versions": library_versions([m.split(".")[0] for m in backend.libraries] + ["threadpoolctl"]),
        "native_libraries": kernels,
        "host": socket.gethostname(),
    }
