"""scikit-learn's KMeans (exact), Lloyd by default, Elkan as an option."""

from __future__ import annotations

import numpy as np

from kmeans_study.backends.base import Backend, BackendResult


class SklearnKMeans(Backend):
    name = "sklearn"
    libraries = ["numpy", "sklearn.cluster"]

    def fit(self, X, init, k, seed, threads):
        from sklearn.cluster import KMeans

        model = KMeans(
            n_clusters=k,
            init="k-means++" if init is None else init,
            n_init=1,
            max_iter=self.params["max_iter"],
            tol=self.params["tol"],
            algorithm=self.params.get("algorithm", "lloyd"),
            random_state=seed,
        )
        model.fit(X)
        return BackendResult(
            centroids=np.ascontiguousarray(model.cluster_centers_, dtype=np.float32),
            n_iter=int(model.n_iter_),
            converged=bool(model.n_iter_ < self.params["max_iter"]),
            objective=float(model.inertia_),
            details={
                "objective": "scikit-learn inertia_ on all points",
                "algorithm": model.algorithm,
                "points_used": int(X.shape[0]),
                "stopping": "scikit-learn tolerance rule or max_iter",
            },
        )
