"""Lloyd with a chosen assignment step (the core's loop, ``kmeans_study.lloyd.engine``): the
approximate-neighbour backends of the reference (faiss IVF and HNSW over the centroids,
``lloyd.faiss_index``), the restricted-candidates strategy (``lloyd.restricted``), the bounded
exact strategy (``lloyd.bounded``), and the hybrid (warm-started) exact fit."""

from __future__ import annotations

import time

import numpy as np

from kmeans_study.backends.base import Backend, BackendResult
from kmeans_study.lloyd.core import absolute_tol

# A warm-start subset keeps at least this many points per centroid.
MIN_POINTS_PER_CENTROID = 10


class ApproxLloyd(Backend):
    libraries = ["numpy", "numba", "faiss"]

    def strategy(self):
        """A fresh assignment strategy (``kmeans_study.lloyd.engine.Strategy``)."""
        raise NotImplementedError

    def fit(self, X, start, k, seed, threads):
        from kmeans_study.lloyd.engine import lloyd

        X = np.ascontiguousarray(X, dtype=np.float32)  # a float32 memory map is not copied
        tol = absolute_tol(X, self.params["tol"])
        max_iter = self.params["max_iter"]
        strategy = self.strategy()
        details = {}
        fraction = self.params.get("warm_start", 0)
        if fraction:
            started = time.perf_counter()
            n_sub = min(X.shape[0], max(int(round(fraction * X.shape[0])), MIN_POINTS_PER_CENTROID * k))
            rows = np.sort(np.random.RandomState(seed).choice(X.shape[0], n_sub, replace=False))
            warm = lloyd(X[rows], [start], strategy, max_iter, tol, threads)[0]
            start = warm.centroids
            details["warm_start"] = {
                "fraction": fraction,
                "points": int(n_sub),
                "n_iter": warm.n_iter,
                "stopped_by": warm.stopped_by,
                "wall_s": time.perf_counter() - started,
                "note": "fit on a random subset from the shared start; the full fit starts from its centroids",
            }
        fit = lloyd(X, [start], strategy, max_iter, tol, threads)[0]
        details.update(
            {
                **fit.details,
                "objective": "none (inertia is recomputed on all points)",
                "points_used": int(X.shape[0]),
                "stopping": "scikit-learn's rule: labels unchanged, or centre shift <= tol, or max_iter",
                "stopped_by": fit.stopped_by,
                "full_exact_passes": fit.n_full_passes,
                "assign_s": fit.assign_s,
                "update_s": fit.update_s,
                "empty_clusters_relocated": fit.n_relocated,
            }
        )
        self._last = (strategy, fit.labels, fit.n_iter, threads)
        return BackendResult(fit.centroids, fit.n_iter, fit.converged, None, details)

    def own_assignment(self, X, centroids):
        """This strategy's assignment of every point to the final centroids (one more pass of its
        own search, as a next iteration would run it; not part of the fit time)."""
        from kmeans_study.lloyd.engine import LabelStrategy
        from kmeans_study.lloyd.exact import exact_labels

        strategy, labels, n_iter, threads = self._last
        X = np.ascontiguousarray(X, dtype=np.float32)
        if not isinstance(strategy, LabelStrategy):
            return exact_labels(X, centroids, threads)
        iteration = n_iter + 1
        if getattr(strategy, "refresh", 0) and (iteration - 1) % strategy.refresh == 0:
            iteration += 1  # the restricted search itself, not its periodic exact pass
        return strategy.labels(X, centroids, labels, iteration)[0]


class FaissIVF(ApproxLloyd):
    name = "faiss_ivf"

    def strategy(self):
        from kmeans_study.lloyd.faiss_index import IVFStrategy

        return IVFStrategy(self.params["nlist"], self.params["nprobe"])


class FaissHNSW(ApproxLloyd):
    name = "faiss_hnsw"

    def strategy(self):
        from kmeans_study.lloyd.faiss_index import HNSWStrategy

        return HNSWStrategy(self.params["M"], self.params["efSearch"])


class Restricted(ApproxLloyd):
    name = "restricted"

    def strategy(self):
        from kmeans_study.lloyd.restricted import RestrictedStrategy

        return RestrictedStrategy(self.params["candidates"], self.params["refresh"], self.params["lists_every"])


class Bounded(ApproxLloyd):
    name = "bounded"

    def strategy(self):
        from kmeans_study.lloyd.bounded import BoundedStrategy

        return BoundedStrategy(self.params["candidates"])


class Hybrid(ApproxLloyd):
    name = "hybrid"
    libraries = ["numpy", "numba"]

    def strategy(self):
        from kmeans_study.lloyd.exact_strategy import ExactStrategy

        return ExactStrategy(prune=True)
