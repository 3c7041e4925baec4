"""The evaluation every fit record uses, in NumPy: for each set of final centroids, the exact
labels of ALL points, the inertia (float64 sum of each point's squared distance to its centroid)
and the means of the labelled points, reading X once, chunk by chunk.

The labels are the exact nearest centroid as ``exact`` defines it (the smallest squared distance,
ties to the lowest index): float32 scores from one matrix product per chunk settle every point
whose best two scores are more than twice ``rounding.score_error`` apart; the others are decided
by float64 squared distances summed in index order (``np.cumsum``), as ``exact.sq_dist_exact``
sums them. So these labels equal the compiled kernel's, point for point (tested on exact ties and
float32 near-ties). The means add each cluster's rows one after another in float64, as the
compiled passes do, so they equal theirs bit for bit. The inertia sums the points' squared
distances in the order of the rows, never cluster by cluster: the same centroids numbered in
another order (inits that end in the same partition) give the same inertia to the last bit, so
which of them is "best" is decided by the lowest init id, not by rounding.

Why NumPy and not the compiled kernel: a fit job evaluates one to ten centroid sets once, which
costs milliseconds of arithmetic on the study's data, while importing Numba and loading the
kernels from its cache costs a fresh process 0.3-0.7 s (docs/performance.md).
"""

from __future__ import annotations

import numpy as np

from kmeans_study.io import chunks
from kmeans_study.lloyd.rounding import gemm_error, score_error


class _Set:
    """One set of centroids (k, d) as the evaluation scores it."""

    def __init__(self, C: np.ndarray):
        self.C = np.ascontiguousarray(C, dtype=np.float32)
        self.C64 = self.C.astype(np.float64)
        norms = np.einsum("ij,ij->i", self.C64, self.C64)
        self.c_sq = norms.astype(np.float32)
        self.cmax = float(np.sqrt(norms.max()))
        k, d = self.C.shape
        self.gamma = gemm_error(d)
        self.sums = np.zeros((k, d))
        self.counts = np.zeros(k, dtype=np.int64)
        self.inertia = 0.0


def nearest(Xr: np.ndarray, cents: _Set) -> np.ndarray:
    """The exact nearest centroid (R,) int64 of each row of Xr (R, d) float32."""
    scores = cents.c_sq[None, :] - 2 * (Xr @ cents.C.T)  # float32, as exact.score computes them
    best = np.argmin(scores, axis=1)
    rows = np.arange(len(best))
    s1 = scores[rows, best].astype(np.float64)
    k = scores.shape[1]
    s2 = np.partition(scores, 1, axis=1)[:, 1].astype(np.float64) if k > 1 else np.full(len(best), np.inf)
    # |x| from a float32 sum of squares, raised by that sum's error bound: the score error bound
    # grows with |x|, so a larger |x| only sends a few more rows to the float64 decision.
    x_sq = np.einsum("ij,ij->i", Xr, Xr).astype(np.float64) / (1.0 - cents.gamma)
    err = score_error(np.sqrt(x_sq) * (1.0 + 1e-12), cents.cmax, cents.gamma)
    for r in np.flatnonzero(s2 - s1 <= 2.0 * err):  # near-ties (rare): decided in float64
        candidates = np.flatnonzero(scores[r].astype(np.float64) - s1[r] <= 2.0 * err[r])
        diff = Xr[r].astype(np.float64) - cents.C64[candidates]
        best[r] = candidates[np.argmin(np.cumsum(diff * diff, axis=1)[:, -1])]
    return best


def _accumulate(Xr: np.ndarray, labels: np.ndarray, cents: _Set, buffer: np.ndarray) -> None:
    """Add the chunk's rows to their cluster's sum, cluster by cluster, and their squared
    distances to the inertia, in row order.

    A cluster's rows go into ``buffer`` (float64, at least R + 1 rows) below its running sum, and
    NumPy's axis-0 sum of a contiguous block adds its rows in order: the sums equal one pass over
    all rows in row order, bit for bit. The inertia then reuses the buffer for each row's
    difference to its centroid: one float64 value per row, summed over the rows in their order,
    whatever the clusters' numbers."""
    order = np.argsort(labels, kind="stable")
    edges = np.searchsorted(labels[order], np.arange(len(cents.counts) + 1))
    for j in np.flatnonzero(edges[1:] > edges[:-1]):
        rows = order[edges[j]:edges[j + 1]]
        block = buffer[: len(rows) + 1]
        block[0] = cents.sums[j]
        block[1:] = Xr[rows]
        cents.sums[j] = block.sum(axis=0)
        cents.counts[j] += len(rows)
    diff = buffer[: len(labels)]
    np.take(cents.C64, labels, axis=0, out=diff)
    np.subtract(Xr, diff, out=diff)
    cents.inertia += float(np.einsum("ij,ij->i", diff, diff).sum())


def evaluate_many(X: np.ndarray, centroid_sets: list[np.ndarray]):
    """For each set of centroids (k, d): exact labels (n,) int32, inertia on ALL points (float64
    sum of the squared distances to the assigned centroid) and the means (k, d) float64 of the
    labelled points (an empty cluster keeps its centroid). X (n, d) float32, memory-mapped is fine:
    read once, in chunks of ``io.CHUNK_ROWS`` rows."""
    sets = [_Set(C) for C in centroid_sets]
    n = X.shape[0]
    labels = np.empty((len(sets), n), dtype=np.int32)  # what the fits' labels.npy hold
    parts = chunks(n)
    buffer = np.empty((max(c.stop - c.start for c in parts) + 1, X.shape[1]))
    for c in parts:
        Xr = np.ascontiguousarray(X[c], dtype=np.float32)
        for j, cents in enumerate(sets):
            labels[j, c] = nearest(Xr, cents)
            _accumulate(Xr, labels[j, c], cents, buffer)
    out = []
    for j, cents in enumerate(sets):
        means = cents.C64.copy()
        filled = cents.counts > 0
        means[filled] = cents.sums[filled] / cents.counts[filled, None]
        out.append((labels[j], cents.inertia, means))
    return out
