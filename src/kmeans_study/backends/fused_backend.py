"""Exact Lloyd for all inits of one k together (the core's ``ExactStrategy``, pruned): one job per
(dataset, k) writes the same per-init outputs and records as the per-init backends."""

from __future__ import annotations

from kmeans_study.backends.base import Backend, BackendResult
from kmeans_study.lloyd.core import absolute_tol


class FusedLloyd(Backend):
    name = "fused"
    libraries = ["numpy", "numba"]

    def fit(self, X, start, k, seed, threads):
        return self.fit_many(X, [start], k, threads)[0]

    def fit_many(self, X, starts, k, threads) -> list[BackendResult]:
        from kmeans_study.lloyd.engine import lloyd
        from kmeans_study.lloyd.exact_strategy import ExactStrategy

        fits = lloyd(X, starts, ExactStrategy(prune=True), self.params["max_iter"],
                     absolute_tol(X, self.params["tol"]), threads)
        return [
            BackendResult(
                centroids=fit.centroids,
                n_iter=fit.n_iter,
                converged=fit.converged,
                objective=None,
                details={
                    **fit.details,
                    "objective": "none (inertia is recomputed on all points)",
                    "algorithm": "lloyd, all inits of this k in one pass over X per iteration",
                    "points_used": int(X.shape[0]),
                    "stopping": "scikit-learn's rule: labels unchanged, or centre shift <= tol, or max_iter",
                    "stopped_by": fit.stopped_by,
                    "empty_clusters_relocated": fit.n_relocated,
                    "inits_fitted_together": len(starts),
                },
            )
            for fit in fits
        ]
