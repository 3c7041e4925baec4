"""Lloyd with a chosen assignment step (``kmeans_study.approx``): the approximate-neighbour
backends of the reference (faiss IVF and HNSW over the centroids), the restricted-candidates
strategy, the bounded exact strategy, and the hybrid (warm-started) exact fit."""

from __future__ import annotations

import time

import numpy as np

from kmeans_study.backends.base import Backend, BackendResult, absolute_tol

# A warm-start subset keeps at least this many points per centroid.
MIN_POINTS_PER_CENTROID = 10


class ApproxLloyd(Backend):
    libraries = ["numpy", "scipy.sparse", "faiss"]

    def assigner(self, threads: int):
        raise NotImplementedError

    def fit(self, X, init, k, seed, threads):
        from kmeans_study import approx

        X = np.ascontiguousarray(X, dtype=np.float32)  # a float32 memory map is not copied
        tol = absolute_tol(X, self.params["tol"])
        max_iter = self.params["max_iter"]
        assigner = self.assigner(threads)
        start, details = init, {}
        fraction = self.params.get("warm_start", 0)
        if fraction:
            started = time.perf_counter()
            n_sub = min(X.shape[0], max(int(round(fraction * X.shape[0])), MIN_POINTS_PER_CENTROID * k))
            rows = np.sort(np.random.RandomState(seed).choice(X.shape[0], n_sub, replace=False))
            warm = approx.lloyd(X[rows], init, assigner, max_iter, tol)
            start = warm.centroids
            details["warm_start"] = {
                "fraction": fraction,
                "points": int(n_sub),
                "n_iter": warm.n_iter,
                "stopped_by": warm.stopped_by,
                "wall_s": time.perf_counter() - started,
                "note": "fit on a random subset from the shared start; the full fit starts from its centroids",
            }
        fit = approx.lloyd(X, start, assigner, max_iter, tol)
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
        self._last = (assigner, fit.labels, fit.n_iter)
        return BackendResult(fit.centroids, fit.n_iter, fit.converged, None, details)

    def own_assignment(self, X, centroids):
        """This strategy's assignment of every point to the final centroids (one more pass of its
        own search, as a next iteration would run it; not part of the fit time)."""
        assigner, labels, n_iter = self._last
        X = np.ascontiguousarray(X, dtype=np.float32)
        iteration = n_iter + 1
        if getattr(assigner, "refresh", 0) and (iteration - 1) % assigner.refresh == 0:
            iteration += 1  # the restricted search itself, not its periodic exact pass
        return assigner.assign(X, centroids, labels, iteration)[0]


class FaissIVF(ApproxLloyd):
    name = "faiss_ivf"

    def assigner(self, threads):
        from kmeans_study.approx import IVFAssigner

        return IVFAssigner(self.params["nlist"], self.params["nprobe"], threads)


class FaissHNSW(ApproxLloyd):
    name = "faiss_hnsw"

    def assigner(self, threads):
        from kmeans_study.approx import HNSWAssigner

        return HNSWAssigner(self.params["M"], self.params["efSearch"], threads=threads)


class Restricted(ApproxLloyd):
    name = "restricted"

    def assigner(self, threads):
        from kmeans_study.approx import RestrictedAssigner

        return RestrictedAssigner(self.params["candidates"], self.params["refresh"], threads, self.params["lists_every"])


class Bounded(ApproxLloyd):
    name = "bounded"

    def assigner(self, threads):
        from kmeans_study.approx import BoundedAssigner

        return BoundedAssigner(self.params["candidates"], threads)


class Hybrid(ApproxLloyd):
    name = "hybrid"

    def assigner(self, threads):
        from kmeans_study.approx import ExactAssigner

        return ExactAssigner(threads)
