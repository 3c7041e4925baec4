"""The evaluation every fit record uses (Numba): for each set of final centroids, the exact labels
of ALL points (``exact``), the inertia (float64 sum of each point's squared distance to its
centroid) and the means of the labelled points, in one pass over X for any number of sets."""

from __future__ import annotations

import numba as nb
import numpy as np

from kmeans_study.lloyd.common import JIT, as_float32, centroids, parallel_chunks, row_norms
from kmeans_study.lloyd.exact import nearest_rows, sq_dist_fast


@nb.njit(fastmath={"reassoc", "contract"}, **JIT)
def _accumulate(Xr, labels, cents, inertia, sums, counts):
    """Evaluation of one chunk: for each centroid set j, add each row's squared distance to its
    label's centroid to inertia[j], and the row to sums[j, label] and counts[j, label]."""
    # IN: Xr (R, d) float32; labels (m, R); cents (common.Centroids).
    # OUT (updated): inertia (m,) float64, sums (m, k, d) float64, counts (m, k).
    k = cents.k
    for j in range(inertia.shape[0]):
        for r in range(Xr.shape[0]):
            label = labels[j, r]
            inertia[j] += sq_dist_fast(Xr, r, cents.C, j * k + label)
            counts[j, label] += 1
            for i in range(Xr.shape[1]):
                sums[j, label, i] += np.float64(Xr[r, i])


def evaluate_many(X: np.ndarray, centroid_sets: list[np.ndarray], threads: int = 1):
    """For each set of centroids (k, d): exact labels (n,) int64, inertia on ALL points (float64
    sum of the squared distances to the assigned centroid) and the means (k, d) float64 of the
    labelled points (an empty cluster keeps its centroid), all in one pass over X (n, d) float32."""
    X = as_float32(X)
    n, d = X.shape
    k = centroid_sets[0].shape[0]
    cents = centroids(np.concatenate(centroid_sets), k)
    m = cents.m
    labels = np.empty((m, n), dtype=np.int64)

    def work(slices):
        inertia, sums, counts = np.zeros(m), np.zeros((m, k, d)), np.zeros((m, k), dtype=np.int64)
        for c in slices:
            Xr = X[c]
            unused = np.empty((m, 1))
            nearest_rows(Xr, row_norms(Xr), cents.scores(Xr), cents, labels[:, c], unused, unused, False)
            _accumulate(Xr, labels[:, c], cents, inertia, sums, counts)
        return inertia, sums, counts

    parts = parallel_chunks(n, threads, work)
    inertia = sum(p[0] for p in parts)
    sums = sum(p[1] for p in parts)
    counts = sum(p[2] for p in parts)
    out = []
    for j, C in enumerate(centroid_sets):
        means = np.asarray(C, dtype=np.float64).copy()
        filled = counts[j] > 0
        means[filled] = sums[j][filled] / counts[j][filled, None]
        out.append((labels[j], float(inertia[j]), means))
    return out
