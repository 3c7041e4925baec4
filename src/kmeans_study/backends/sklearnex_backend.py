"""scikit-learn-intelex's KMeans (``sklearnex.cluster.KMeans``: Intel oneDAL's Lloyd), the peer
that users pick for fast exact k-means on a CPU.

What it does differently from scikit-learn's Lloyd (oneDAL 2026.2, read from its source,
``kmeans_lloyd_batch_impl.i``, and checked against its results):

- Stopping: after each update it stops when the total squared centre shift is at most its
  ``accuracy_threshold`` (``tol`` times the mean feature variance, oneDAL's own float32 figure,
  recorded). It has no separate test for unchanged labels (unchanged labels give a zero shift,
  so it stops at the same iteration), and with ``tol = 0`` it runs ``max_iter`` iterations.
  It reports only ``n_iter_``: stopping before ``max_iter`` means the shift test; at ``max_iter``
  the two cannot be told apart, and the record falls back on the runner's fixed-point check.
- An empty cluster takes the point with the largest distance to its centroid, which also stays
  in its own cluster's mean (scikit-learn moves it out).
- It does not centre X first (scikit-learn does), and sums in the data's float type.
- Threads: oneDAL runs on TBB, which threadpoolctl does not control; ``daal4py.daalinit``
  sets its thread count.
"""

from __future__ import annotations

import numpy as np

from kmeans_study.backends.base import Backend, BackendResult


class SklearnexKMeans(Backend):
    name = "sklearnex"
    libraries = ["numpy", "sklearnex.cluster", "daal4py"]

    def fit(self, X, start, k, seed, threads):
        import daal4py
        from sklearnex.cluster import KMeans

        daal4py.daalinit(threads)
        max_iter = self.params["max_iter"]
        model = KMeans(
            n_clusters=k,
            init="k-means++" if start is None else start,
            n_init=1,
            max_iter=max_iter,
            tol=self.params["tol"],
            random_state=seed,
        )
        model.fit(X)
        engine = getattr(model, "_onedal_estimator", None)
        if engine is None:
            raise RuntimeError("sklearnex fell back to scikit-learn's KMeans: the record would not be oneDAL's")
        stopped_early = int(model.n_iter_) < max_iter
        return BackendResult(
            centroids=np.ascontiguousarray(model.cluster_centers_, dtype=np.float32),
            n_iter=int(model.n_iter_),
            converged=True if stopped_early else None,
            objective=float(model.inertia_),
            details={
                "objective": "oneDAL's objective (inertia_) on all points",
                "algorithm": "lloyd (oneDAL)",
                "points_used": int(X.shape[0]),
                "stopping": "oneDAL's rule: total squared centre shift <= accuracy_threshold, else max_iter "
                            "(no separate test for unchanged labels)",
                "stopped_by": "tolerance" if stopped_early else "max_iter, or the shift test at the last iteration",
                "accuracy_threshold": float(engine._tol),
                "empty_clusters": "take the points farthest from their centroids, which stay in their own clusters",
                "centres_data_first": False,
                "onedal_threads": int(daal4py.num_threads()),
            },
        )
