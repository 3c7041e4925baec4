"""faiss k-means: exact on all points (``faiss``, and ``faiss_gpu`` on a GPU) and as the
reference slides use it (``faiss_sampled``: subsampled training, fixed iterations).

faiss's Clustering trains on at most ``max_points_per_centroid * k`` randomly drawn points
(256 per centroid by default) and always runs ``niter`` iterations: it has no tolerance.
"""

from __future__ import annotations

import os

import numpy as np

from kmeans_study.backends.base import Backend, BackendResult, BackendUnavailable
from kmeans_study.lloyd.core import MAX_ITER, absolute_tol, centre_shift, iteration_progress, stop_reason
from kmeans_study.runtime import Progress


def visible_gpus() -> int:
    """GPUs faiss can use in this process (0 with faiss-cpu, or when none is visible)."""
    import faiss

    return faiss.get_num_gpus() if hasattr(faiss, "get_num_gpus") else 0


def _train(X, k, *, niter, max_points_per_centroid, seed, start, gpu=False):
    import faiss

    km = faiss.Kmeans(
        X.shape[1],
        k,
        niter=niter,
        max_points_per_centroid=max_points_per_centroid,
        min_points_per_centroid=1,
        seed=seed,
        verbose=False,
        # One GPU: device 0 of those visible, which is the one the scheduler gave this job
        # (SLURM and CUDA_VISIBLE_DEVICES hide the others).
        gpu=1 if gpu else False,
    )
    km.train(X, init_centroids=start)
    return np.array(km.centroids, dtype=np.float32), float(km.obj[-1])


def _prepare(X, threads):
    import faiss

    faiss.omp_set_num_threads(threads)
    # faiss needs C-contiguous float32; a float32 memory map already is one, so nothing is copied.
    return np.ascontiguousarray(X, dtype=np.float32)


class FaissExact(Backend):
    """faiss Kmeans on ALL points (subsampling off), optionally stopped by the shared tolerance
    rule: then it runs one faiss iteration at a time and stops as scikit-learn would."""

    name = "faiss"
    libraries = ["numpy", "faiss"]
    gpu = False

    def fit(self, X, start, k, seed, threads):
        X = _prepare(X, threads)
        n = X.shape[0]
        max_iter = self.params["max_iter"]
        details = {
            "objective": "faiss objective at the last assignment step (centroids before the final update)",
            "points_used": n,
            "max_points_per_centroid": n,
            **self.device(),
        }
        if not self.params.get("early_stopping", True):
            centroids, obj = _train(X, k, niter=max_iter, max_points_per_centroid=n, seed=seed, start=start,
                                    gpu=self.gpu)
            details["stopping"] = f"fixed number of iterations ({max_iter}), no tolerance"
            details["stopped_by"] = "max_iter"
            return BackendResult(centroids, max_iter, None, obj, details)
        tol = absolute_tol(X, self.params["tol"])
        centroids, stop, n_iter, obj = start, None, 0, None
        progress = Progress()
        for n_iter in range(1, max_iter + 1):
            updated, obj = _train(X, k, niter=1, max_points_per_centroid=n, seed=(seed + n_iter) % 2**31,
                                      start=centroids, gpu=self.gpu)
            # faiss computes a centroid set from its assignment alone (deterministically), so the
            # same set twice in a row means the same labels twice in a row.
            labels_changed = n_iter == 1 or not np.array_equal(updated, centroids)
            shift = np.inf if centroids is None else centre_shift(updated, centroids)
            centroids = updated
            stop = stop_reason(labels_changed, shift, tol, n_iter, max_iter)
            if stop:
                break
            progress(iteration_progress(n_iter, shift, tol, max_iter))
        details["stopping"] = (
            "scikit-learn's rule, run here one faiss iteration at a time: labels unchanged (seen as the same "
            "centroids twice in a row), else centre shift <= tol, else max_iter"
        )
        details["stopped_by"] = stop
        return BackendResult(centroids, n_iter, stop != MAX_ITER, obj, details)

    def device(self) -> dict:
        return {"device": "cpu"}


class FaissGpu(FaissExact):
    """The exact faiss backend on one GPU: same algorithm, start and stopping rule."""

    name = "faiss_gpu"
    gpu = True

    def device(self) -> dict:
        n_gpus = visible_gpus()
        visible = os.environ.get("CUDA_VISIBLE_DEVICES")
        if n_gpus == 0:
            raise BackendUnavailable(
                "backend faiss_gpu needs a GPU, but this job sees none (faiss.get_num_gpus() == 0, "
                f"CUDA_VISIBLE_DEVICES={visible!r}). Run it where a GPU is visible with a faiss "
                "build that supports GPUs (envs/fit_faiss_gpu.yaml; on SLURM the job requests gpu=1), "
                "or remove faiss_gpu from 'backends' in the config."
            )
        return {"device": "gpu:0 of the visible ones", "visible_gpus": n_gpus, "cuda_visible_devices": visible}


class FaissSampled(Backend):
    """faiss Kmeans with its default subsampling and a fixed, small number of iterations."""

    name = "faiss_sampled"
    libraries = ["numpy", "faiss"]

    def fit(self, X, start, k, seed, threads):
        X = _prepare(X, threads)
        niter, per_centroid = self.params["niter"], self.params["max_points_per_centroid"]
        centroids, obj = _train(X, k, niter=niter, max_points_per_centroid=per_centroid, seed=seed, start=start)
        used = min(X.shape[0], per_centroid * k)
        return BackendResult(
            centroids,
            niter,
            None,
            obj,
            {
                "objective": "faiss objective on the training subsample at the last assignment step",
                "points_used": used,
                "max_points_per_centroid": per_centroid,
                "stopping": f"fixed number of iterations ({niter}), no tolerance; max_iter and tol ignored",
                "stopped_by": "max_iter",
            },
        )
