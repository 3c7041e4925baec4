"""What every compiled kernel shares: the centroid sets as the kernels take them, their rounding
constants, the bound and tally arrays of a pass, row norms, the cluster-sum moves, and the threads
that split a pass's chunks.

The kernels take a few objects instead of long argument lists: ``Centroids`` (the centres of the
running inits, stacked), ``Bounds`` (each point's distance bounds), ``Drift`` (how far the
centroids moved since the last pass) and ``Tally`` (one thread's changes to the cluster sums).
They are named tuples, which Numba passes to compiled code as they are.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numba as nb
import numpy as np

from kmeans_study.io import chunks
from kmeans_study.lloyd.rounding import float64_slack, gemm_error

# cache=True: Numba recompiles a function when its own file changes, not when a function it calls
# in another file does; after editing a kernel, delete src/kmeans_study/lloyd/__pycache__.
JIT = {"cache": True, "nogil": True}
# Bound bookkeeping (sums of drifts, square roots) runs in float64: a point counts as settled only
# if its bounds are apart by this relative margin, far above float64 rounding over a fit.
BOUND_MARGIN = 1e-9
# Which distance bounds a pass keeps (``exact.assign_pass``).
NO_BOUNDS, HAMERLY, ELKAN = 0, 1, 2


class Centroids(NamedTuple):
    """m centroid sets of k rows stacked for the kernels (``centroids`` builds it): C (m*k, d)
    float32; c_sq (m*k,) float32, their squared norms; cmax (m,) float64, each set's largest
    norm; gamma, ``gemm_error(d)``; k."""

    C: np.ndarray
    c_sq: np.ndarray
    cmax: np.ndarray
    gamma: float
    k: int

    @property
    def m(self) -> int:
        return self.C.shape[0] // self.k

    @property
    def slack(self) -> float:
        """``float64_slack(d)``."""
        return float64_slack(self.C.shape[1])

    def scores(self, Xr: np.ndarray) -> np.ndarray:
        """GT = C @ Xr.T (m*k, R) float32, one BLAS product, into a buffer reused per thread
        (valid until the next call from the same thread)."""
        size = self.C.shape[0] * Xr.shape[0]
        local = _buffers.__dict__
        if local.get("size", 0) < size:
            local["buffer"], local["size"] = np.empty(size, dtype=np.float32), size
        return np.matmul(self.C, Xr.T, out=local["buffer"][:size].reshape(self.C.shape[0], Xr.shape[0]))


_buffers = threading.local()


def centroids(C: np.ndarray, k: int) -> Centroids:
    """The m = len(C) / k centroid sets of k rows stacked in C (m*k, d), as the kernels take them."""
    C = as_float32(C)
    norms = row_norms(C)
    m = C.shape[0] // k
    return Centroids(C, norms.astype(np.float32), np.sqrt(norms.reshape(m, k).max(axis=1)), gemm_error(C.shape[1]), k)


class Bounds(NamedTuple):
    """Each point's distance bounds per init, float64, kept across passes: upper (M, n) to its
    centroid; Hamerly's lower (M, n) to every other; Elkan's lowers (M, n, k) to each centroid,
    stored plus that centroid's travel (M, k), how far it has moved in total (so the bound now is
    lowers - travel). An array the pass does not keep is a (1, ...) placeholder."""

    upper: np.ndarray
    lower: np.ndarray
    lowers: np.ndarray
    travel: np.ndarray


class Drift(NamedTuple):
    """How the running inits' centroids moved since the last pass, float64 and a little above the
    truth (rounding): drift (m, k), each centroid's move; drift_other (m, k), the largest move of
    the others; half_gaps (m, k, k), half the distance between every two centroids, a little below
    (infinite on the diagonal); half_gap (m, k), to the nearest other."""

    drift: np.ndarray
    drift_other: np.ndarray
    half_gaps: np.ndarray
    half_gap: np.ndarray


class Tally(NamedTuple):
    """One thread's share of a pass over the m running inits: sums (m, k, d) float64 and counts
    (m, k), the changes to the cluster sums; changed (m,), whether any label changed; computed
    (m,), distances computed one by one."""

    sums: np.ndarray
    counts: np.ndarray
    changed: np.ndarray
    computed: np.ndarray

    @classmethod
    def zeros(cls, m: int, k: int, d: int) -> Tally:
        return cls(np.zeros((m, k, d)), np.zeros((m, k), dtype=np.int64), np.zeros(m, dtype=bool),
                   np.zeros(m, dtype=np.int64))


@nb.njit(fastmath={"reassoc", "contract"}, **JIT)
def _row_norms(X, out):
    # IN: X (R, d) float32. OUT: out (R,) float64, the squared norms.
    for r in range(X.shape[0]):
        total = 0.0
        for i in range(X.shape[1]):
            v = np.float64(X[r, i])
            total += v * v
        out[r] = total


def as_float32(X: np.ndarray) -> np.ndarray:
    """X as a C-contiguous float32 ndarray (a float32 memory map is viewed, not copied)."""
    return np.ascontiguousarray(X, dtype=np.float32)


def row_norms(X: np.ndarray) -> np.ndarray:
    """Squared norms (n,) float64 of the rows of X (n, d) float32, chunk by chunk."""
    out = np.empty(X.shape[0])
    for c in chunks(X.shape[0]):
        _row_norms(X[c], out[c])
    return out


@nb.njit(**JIT)
def move(X, r, old, new, sums, counts, j):
    """Move row X[r] from cluster ``old`` (-1: from none) to ``new`` of init j in the cluster sums."""
    # IN: X (n, d) float32; r, old, new, j ints. OUT (updated): sums (m, k, d) float64, counts (m, k).
    for i in range(X.shape[1]):
        sums[j, new, i] += np.float64(X[r, i])
    counts[j, new] += 1
    if old >= 0:
        for i in range(X.shape[1]):
            sums[j, old, i] -= np.float64(X[r, i])
        counts[j, old] -= 1


@nb.njit(**JIT)
def move_rows(X, old, new, sums, counts, j):
    """Update init j's cluster sums for the rows of X whose label went from ``old`` to ``new``
    (old -1: not yet counted). Returns how many moved."""
    # IN: X (n, d) float32; old, new (n,) labels; j. OUT (updated): sums (m, k, d) float64, counts (m, k).
    moved = 0
    for r in range(X.shape[0]):
        if old[r] != new[r]:
            move(X, r, old[r], new[r], sums, counts, j)
            moved += 1
    return moved


def parallel_chunks(n: int, threads: int, work) -> list:
    """``work(slices)`` for ``threads`` workers, each given every threads-th chunk of range(n);
    the kernels and BLAS release the GIL. Returns the workers' results in order."""
    parts = chunks(n)
    if threads <= 1 or len(parts) == 1:
        return [work(parts)]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(work, [parts[w::threads] for w in range(threads)]))
