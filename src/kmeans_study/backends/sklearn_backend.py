"""scikit-learn's KMeans (exact), Lloyd by default, Elkan as an option."""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from kmeans_study.backends.base import Backend, BackendResult


class SklearnKMeans(Backend):
    name = "sklearn"
    libraries = ["numpy", "sklearn.cluster"]

    def fit(self, X, start, k, seed, threads):
        from sklearn.cluster import KMeans

        model = KMeans(
            n_clusters=k,
            init="k-means++" if start is None else start,
            n_init=1,
            max_iter=self.params["max_iter"],
            tol=self.params["tol"],
            algorithm=self.params.get("algorithm", "lloyd"),
            random_state=seed,
        )
        with sklearn_stopping() as stopping:
            model.fit(X)
        stopped_by = stopping.reason(model._tol)
        return BackendResult(
            centroids=np.ascontiguousarray(model.cluster_centers_, dtype=np.float32),
            n_iter=int(model.n_iter_),
            converged=stopped_by != "max_iter",
            objective=float(model.inertia_),
            details={
                "objective": "scikit-learn inertia_ on all points",
                "algorithm": model.algorithm,
                "points_used": int(X.shape[0]),
                "stopping": "scikit-learn's rule: labels unchanged (strict convergence), else centre shift <= tol, "
                            "else max_iter",
                "stopped_by": stopped_by,
                "stopped_by_evidence": "read from scikit-learn's own iteration: whether it re-ran the final "
                                       "assignment (it does unless the labels were unchanged) and its last "
                                       "centre shift against its tol",
                "center_shift_last": stopping.shift,
                "tol_abs_sklearn": float(model._tol),
            },
        )


class _Stopping:
    """What scikit-learn's own Lloyd / Elkan iteration did, seen from its iteration kernel."""

    def __init__(self):
        self.iterations = 0  # calls that updated the centres
        self.final_assignment = False  # the extra assignment-only call after the loop
        self.shift: float | None = None  # scikit-learn's total squared centre shift, last iteration

    def reason(self, tol_abs: float) -> str:
        """scikit-learn's own verdict (``_kmeans_single_lloyd``): it breaks on unchanged labels
        without the final assignment call; otherwise it stopped on its tolerance test or ran out."""
        if not self.final_assignment:
            return "labels unchanged"
        return "tolerance" if self.shift is not None and self.shift <= tol_abs else "max_iter"


@contextmanager
def sklearn_stopping():
    """Watch scikit-learn's KMeans iteration kernels during a fit (its module looks them up at
    each call): counts the iterations, sees the final assignment-only call, and keeps the total
    squared centre shift exactly as scikit-learn computes it (``(center_shift**2).sum()``)."""
    from sklearn.cluster import _kmeans

    stopping = _Stopping()
    originals = {name: getattr(_kmeans, name) for name in ("lloyd_iter_chunked_dense", "elkan_iter_chunked_dense")}

    def watched(kernel):
        def call(*args, update_centers=True, **kwargs):
            kernel(*args, update_centers=update_centers, **kwargs)
            if update_centers:
                stopping.iterations += 1
                center_shift = args[-2]  # (..., labels, center_shift, n_threads) in both kernels
                stopping.shift = float((center_shift**2).sum())
            else:
                stopping.final_assignment = True

        return call

    for name, kernel in originals.items():
        setattr(_kmeans, name, watched(kernel))
    try:
        yield stopping
    finally:
        for name, kernel in originals.items():
            setattr(_kmeans, name, kernel)
