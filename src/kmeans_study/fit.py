"""Run one fit: a backend on one (dataset, k, init_id), timed, then evaluated on ALL points."""

from __future__ import annotations

import resource
import socket
import time
from importlib import import_module

import numpy as np

from kmeans_study.assign import assign
from kmeans_study.backends import get_backend
from kmeans_study.backends.base import absolute_tol
from kmeans_study.runtime import library_versions, limit_threads, native_libraries

# Version of what a fit computes and records. It is a parameter of every fit job, so bumping it
# (whenever the record's contents or the evaluation change) reruns the fits of existing results.
RECORD_VERSION = 2


def cluster_means(X: np.ndarray, labels: np.ndarray, centroids: np.ndarray, chunk_rows: int = 65536) -> np.ndarray:
    """Mean of the points of each cluster (k, d), float64; an empty cluster keeps its centroid."""
    from scipy.sparse import csr_matrix

    k = centroids.shape[0]
    sums = np.zeros((k, X.shape[1]))
    for start in range(0, X.shape[0], chunk_rows):
        lab = labels[start : start + chunk_rows]
        onehot = csr_matrix((np.ones(len(lab)), (lab, np.arange(len(lab)))), shape=(k, len(lab)))
        sums += onehot @ np.asarray(X[start : start + chunk_rows], dtype=np.float64)
    counts = np.bincount(labels, minlength=k)
    means = centroids.astype(np.float64).copy()
    filled = counts > 0
    means[filled] = sums[filled] / counts[filled, None]
    return means


def run_fit(X, init, backend_name: str, params: dict, k: int, seed: int, threads: int, *, dataset: str, init_id: int):
    """Fit and evaluate. X : (n, d) float32 (memory-mapped is fine); init : (k, d) float32 or None.

    Returns (centroids (k, d) float32, labels (n,) int64, record dict). The record's fit times
    cover the backend's fit only (data loading and the evaluation are timed apart).
    """
    backend = get_backend(backend_name, params)
    for module in backend.libraries:
        import_module(module)
    with limit_threads(threads):
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        result = backend.fit(X, init if backend.uses_shared_init else None, k, seed, threads)
        fit_wall, fit_cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
        kernels = native_libraries()
        start_eval = time.perf_counter()
        labels, inertia = assign(X, result.centroids)
        tol = absolute_tol(X, params["tol"])
        shift = float(((cluster_means(X, labels, result.centroids) - result.centroids) ** 2).sum())
        eval_wall = time.perf_counter() - start_eval
    converged = result.converged if result.converged is not None else shift <= tol
    record = {
        "record_version": RECORD_VERSION,
        "dataset": dataset,
        "backend": backend_name,
        "k": k,
        "init_id": init_id,
        "seed": seed,
        "init": "shared" if backend.uses_shared_init else "native",
        "params": params,
        "n_points": int(X.shape[0]),
        "n_features": int(X.shape[1]),
        "inertia": inertia,
        "inertia_definition": "sum over ALL points of the squared distance to the nearest final centroid (float64)",
        "objective_backend": result.objective,
        "n_iter": result.n_iter,
        "converged": bool(converged),
        "converged_by": "backend stopping rule" if result.converged is not None else "fixed-point check (next_step_center_shift <= tol_abs)",
        "next_step_center_shift": shift,
        "tol_abs": tol,
        "n_empty_clusters": int(k - np.unique(labels).size),
        "fit_wall_s": fit_wall,
        "fit_cpu_s": fit_cpu,
        "eval_wall_s": eval_wall,
        "threads": threads,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "data_mb": X.nbytes / 1e6,
        "details": result.details,
        "versions": library_versions([m.split(".")[0] for m in backend.libraries] + ["threadpoolctl"]),
        "native_libraries": kernels,
        "host": socket.gethostname(),
    }
    return result.centroids, labels, record
