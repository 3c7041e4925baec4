"""The record of one fit (``record.json``): what was fitted, how, its evaluation on ALL points,
its times, and the libraries and machine that ran it."""

from __future__ import annotations

import socket
from dataclasses import dataclass

import numpy as np

from kmeans_study.backends.base import Backend, BackendResult
from kmeans_study.runtime import library_versions, peak_rss_mb

# Version of what a fit computes and records. It is a parameter of every fit job, so bumping it
# (whenever the record's contents or the evaluation change) reruns the fits of existing results.
RECORD_VERSION = 4


@dataclass(frozen=True)
class FitJob:
    """Which fit a record describes: the dataset, k, init id and seed, and the job's threads."""

    dataset: str
    k: int
    init_id: int
    seed: int
    threads: int


@dataclass(frozen=True)
class Measured:
    """What the runner measured of one fit. labels (n,) int64: the exact nearest final centroid
    of every point; inertia: their float64 sum of squared distances; shift: the total squared
    centre shift one more Lloyd step would make; tol: the absolute tolerance; exact_share: the
    share of the backend's own assignment that is exact (None: exact search); fit_wall / fit_cpu:
    the backend's fit time (s); eval_wall: the evaluation's time (s)."""

    labels: np.ndarray
    inertia: float
    shift: float
    tol: float
    exact_share: float | None
    fit_wall: float
    fit_cpu: float
    eval_wall: float


def fit_record(X: np.ndarray, backend: Backend, result: BackendResult, job: FitJob, measured: Measured,
               kernels: list) -> dict:
    """The record of one fit of X (n, d) by ``backend``; ``kernels``: the native libraries loaded."""
    converged = result.converged if result.converged is not None else measured.shift <= measured.tol
    return {
        "record_version": RECORD_VERSION,
        "dataset": job.dataset,
        "backend": backend.name_in_config,
        "backend_family": backend.name,
        "k": job.k,
        "init_id": job.init_id,
        "seed": job.seed,
        "init": "shared" if backend.uses_shared_init else "native",
        "params": backend.params,
        "n_points": int(X.shape[0]),
        "n_features": int(X.shape[1]),
        "inertia": measured.inertia,
        "inertia_definition": "sum over ALL points of the squared distance to the nearest final centroid (float64)",
        "objective_backend": result.objective,
        "n_iter": result.n_iter,
        "converged": bool(converged),
        "converged_by": (
            "backend stopping rule"
            if result.converged is not None
            else "fixed-point check (next_step_center_shift <= tol_abs)"
        ),
        "next_step_center_shift": measured.shift,
        "tol_abs": measured.tol,
        "n_empty_clusters": int(job.k - np.unique(measured.labels).size),
        "own_assignment_exact_fraction": measured.exact_share,
        "fit_wall_s": measured.fit_wall,
        "fit_cpu_s": measured.fit_cpu,
        "eval_wall_s": measured.eval_wall,
        "threads": job.threads,
        "peak_rss_mb": peak_rss_mb(),
        "data_mb": X.nbytes / 1e6,
        "details": result.details,
        "versions": library_versions([m.split(".")[0] for m in backend.libraries] + ["threadpoolctl"]),
        "native_libraries": kernels,
        "host": socket.gethostname(),
    }
