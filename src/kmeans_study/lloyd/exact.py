"""THE exact nearest centroid and its float32 error bound (Numba), and the multi-init exact pass.

**The exact nearest centroid** of a point x among centroids c_0..c_{k-1} (float32) is the c
with the smallest squared distance, ties to the lowest index. The kernel computes it as follows:

1. Scores s_c = |c|^2 - 2 x.c from a float32 matrix product (BLAS) and float64 norms. For any
   summation order, |fl32(x.c) - x.c| <= gamma_d |x| |c| with gamma_d = d u / (1 - d u),
   u = 2^-24 (Higham, *Accuracy and Stability of Numerical Algorithms*, eq. 3.5), so every score
   is within ``err = 2 gamma_d |x| max|c|`` (plus float64 rounding) of its exact value
   (``score_error``; ``rounding.gemm_error`` gives gamma_d).
2. When the second-best score exceeds the best by more than ``2 err``, the best is the exact
   nearest centroid. Otherwise every centroid within ``2 err`` of the best is rescored by
   ``sq_dist_exact`` (float64, one fixed summation order) and the smallest wins, the lowest
   index on ties (``decide``).

Every path uses this: the multi-init pass (``assign_pass``), the pruned passes (``hamerly``,
``elkan``: their bounds only skip points proven to keep their centroid, with margins above every
rounding error), assignment among candidate centroids (``nearest_among``), and the evaluation of
every fit record (``evaluate``). So they give identical labels by construction. The same scores
yield an upper bound on each point's distance to its centroid and a lower bound on its distance
to every other one (``bounds_of``), which the pruned passes keep.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from kmeans_study.lloyd import rounding
from kmeans_study.lloyd.common import (
    ELKAN,
    HAMERLY,
    JIT,
    NO_BOUNDS,
    as_float32,
    centroids,
    move,
    parallel_chunks,
    row_norms,
)


def _squared_distance(name: str, fastmath):
    """A compiled squared distance in float64 between rows A[i] and B[j] of two float32 arrays,
    named ``name`` (rows by index: a slice per call costs more than a short distance)."""

    def squared_distance(A, i, B, j):
        total = 0.0
        for t in range(A.shape[1]):
            diff = np.float64(A[i, t]) - np.float64(B[j, t])
            total += diff * diff
        return total

    squared_distance.__name__ = squared_distance.__qualname__ = name  # its own compiled cache entry
    return nb.njit(fastmath=fastmath, **JIT)(squared_distance)


# Summed in index order: the canonical value that decides near-ties, identical wherever called.
sq_dist_exact = _squared_distance("sq_dist_exact", False)
# Summed in any order (vectorised), within float64_slack(d) of it: for bounds and inertia, never
# to decide a label.
sq_dist_fast = _squared_distance("sq_dist_fast", {"reassoc", "contract"})


@nb.njit(**JIT)
def score(c_sq, g):
    """The float32 score |c|^2 - 2 x.c of a centroid from its squared norm and product."""
    return c_sq - (g + g)


@nb.njit(**JIT)
def _best_two(GT, c_sq, idx, s1, s2):
    """For every column r of GT: the lowest float32 score c_sq[c] - 2 GT[c, r] (s1), its c (idx,
    the lowest on ties) and the second lowest (s2). Vectorised over r."""
    # IN: GT (k, R) float32, c_sq (k,) float32. OUT: idx (R,) int64, s1, s2 (R,) float32.
    for r in range(GT.shape[1]):
        s1[r] = np.inf
        s2[r] = np.inf
        idx[r] = 0
    for c in range(GT.shape[0]):
        cs = c_sq[c]
        g = GT[c]
        for r in range(GT.shape[1]):
            s = score(cs, g[r])
            a = s1[r]
            lower = s < a
            b = s2[r]
            s2[r] = a if lower else (min(b, s))
            s1[r] = s if lower else a
            idx[r] = c if lower else idx[r]


# The bound of rounding.score_error, compiled: the NumPy evaluation uses the same function.
score_error = nb.njit(**JIT)(rounding.score_error)


@nb.njit(**JIT)
def decide(X, r, G, col, cents, cand, err, best, s1, s2):
    """THE exact nearest centroid of x = X[r] among the m candidates cents.C[cand], from their
    float32 products G[:, col] with x, the score error bound err (``score_error``) and the lowest
    two scores s1 <= s2 (best: where s1 is, the lowest such position). (Rows and columns go by
    index: a slice costs more than the common path.)

    A best score more than 2 err below the second is the exact nearest centroid; otherwise every
    candidate within 2 err of the best is rescored by ``sq_dist_exact`` and the smallest wins,
    the lowest position on ties."""
    # IN: X (n, d) float32; G (m, R) float32; cents (common.Centroids); cand (m,) rows of cents.C;
    # err float64; best int; s1, s2 float32.
    # OUT: (position in cand, its score, the lowest score of the other candidates), scores float64.
    label, mine, other = best, np.float64(s1), np.float64(s2)
    if other - mine > 2.0 * err:
        return label, mine, other
    nearest = np.inf
    for c in range(cand.shape[0]):
        if np.float64(score(cents.c_sq[cand[c]], G[c, col])) - mine <= 2.0 * err:
            dist = sq_dist_exact(X, r, cents.C, cand[c])
            if dist < nearest:
                nearest = dist
                label = c
    other = np.inf
    for c in range(cand.shape[0]):
        s = np.float64(score(cents.c_sq[cand[c]], G[c, col]))
        if c == label:
            mine = s
        elif s < other:
            other = s
    return label, mine, other


@nb.njit(**JIT)
def bounds_of(x_sq, mine, other, err):
    """From ``decide``'s scores: an upper bound on the distance to the chosen centroid and a
    lower bound on the distance to every other candidate (float64)."""
    return math.sqrt(max(x_sq + mine + err, 0.0)), math.sqrt(max(x_sq + other - err, 0.0))


@nb.njit(**JIT)
def nearest_block(Xr, x_sq, GT, cents, j, labels, upper, lower, with_bounds):
    """The exact nearest of the centroids of set j to each row of Xr (``decide``), from the
    float32 products GT of set j's centroids with the rows. Writes labels and, if ``with_bounds``,
    the distance bounds upper, lower."""
    # IN: Xr (R, d) float32; x_sq (R,) float64, its squared norms; GT (k, R) float32; cents
    # (common.Centroids); j, the set; with_bounds bool. OUT: labels (R,) (0..k-1), upper, lower (R,) float64.
    R, k = Xr.shape[0], cents.k
    idx = np.empty(R, np.int64)
    s1 = np.empty(R, np.float32)
    s2 = np.empty(R, np.float32)
    _best_two(GT, cents.c_sq[j * k:(j + 1) * k], idx, s1, s2)
    everyone = j * k + np.arange(k)
    for r in range(R):
        err = score_error(math.sqrt(x_sq[r]), cents.cmax[j], cents.gamma)
        mine, other = np.float64(s1[r]), np.float64(s2[r])
        labels[r] = idx[r]
        if other - mine <= 2.0 * err:  # a near-tie (rare): decided exactly
            labels[r], mine, other = decide(Xr, r, GT, r, cents, everyone, err, idx[r], s1[r], s2[r])
        if with_bounds:
            upper[r], lower[r] = bounds_of(x_sq[r], mine, other, err)


@nb.njit(**JIT)
def nearest_rows(Xr, x_sq, GT, cents, labels, upper, lower, with_bounds):
    """``nearest_block`` for each of the m centroid sets, from GT = cents.C @ Xr.T."""
    # IN: Xr (R, d) float32; x_sq (R,) float64; GT (m*k, R) float32; cents; with_bounds bool.
    # OUT: labels (m, R), and if ``with_bounds`` upper, lower (m, R) float64.
    k = cents.k
    for j in range(cents.cmax.shape[0]):
        nearest_block(Xr, x_sq, GT[j * k:(j + 1) * k], cents, j, labels[j], upper[j], lower[j], with_bounds)


@nb.njit(fastmath={"reassoc", "contract"}, **JIT)
def dot(A, i, B, j):
    """float32 product of rows A[i] and B[j], summed in any order (within gamma_d of exact)."""
    total = np.float32(0.0)
    for t in range(A.shape[1]):
        total += A[i, t] * B[j, t]
    return total


@nb.njit(**JIT)
def nearest_among(X, x_sq, cents, lists, list_cmax, owner, labels, upper, lower):
    """The exact nearest centroid of each row r of X among its candidate list lists[owner[r]]:
    ``decide`` on products computed here, row by row (a gather of the rows by list and small BLAS
    products per list both cost more than these products). Writes labels (centroid ids) and the
    bounds upper, lower: to the chosen centroid and to every other candidate of the row."""
    # IN: X (n, d) float32; x_sq (n,) float64; cents (one set); lists (L, m) centroid ids;
    # list_cmax (L,) float64, the largest norm in each list; owner (n,) list of each row.
    # OUT: labels (n,) int64, upper, lower (n,) float64.
    m = lists.shape[1]
    g = np.empty((m, 1), np.float32)
    for r in range(X.shape[0]):
        cand = lists[owner[r]]
        s1 = np.float32(np.inf)
        s2 = np.float32(np.inf)
        best = 0
        for c in range(m):
            g[c, 0] = dot(X, r, cents.C, cand[c])
            s = score(cents.c_sq[cand[c]], g[c, 0])
            if s < s1:
                s2, s1, best = s1, s, c
            elif s < s2:
                s2 = s
        err = score_error(math.sqrt(x_sq[r]), list_cmax[owner[r]], cents.gamma)
        mine, other, pos = np.float64(s1), np.float64(s2), best
        if other - mine <= 2.0 * err:  # a near-tie (rare): decided exactly
            pos, mine, other = decide(X, r, g, 0, cents, cand, err, best, s1, s2)
        labels[r] = cand[pos]
        upper[r], lower[r] = bounds_of(x_sq[r], mine, other, err)


@nb.njit(**JIT)
def apply_block(Xr, rows, found, j, jj, labels, bounds, hamerly, tally):
    """Store init j's new labels (and, with ``hamerly``, Hamerly's bounds) of the rows ``rows``
    (data Xr); a row whose label changed moves in the tally's sums of running init jj and sets
    its ``changed``."""
    # IN: Xr (R, d) float32; rows (R,) row ids; found = (labels (R,), upper (R,), lower (R,)) from
    # ``nearest_block``; j, jj the init and its place among the running ones; hamerly bool.
    # OUT (updated): labels (M, n); bounds.upper, bounds.lower (M, n); tally (common.Tally).
    new, up, low = found
    for r in range(rows.shape[0]):
        row = rows[r]
        if hamerly:
            bounds.upper[j, row] = up[r]
            bounds.lower[j, row] = low[r]
        old = labels[j, row]
        if old != new[r]:
            labels[j, row] = new[r]
            tally.changed[jj] = True
            move(Xr, r, old, new[r], tally.sums, tally.counts, jj)


@nb.njit(**JIT)
def assign_pass(Xr, rows, x_sq, GT, cents, act, labels, bounds, kind, tally):
    """A block of the multi-init exact pass by one matrix product: for each running init, the
    exact labels of the rows, and the distance bounds of ``kind``: Hamerly's upper / lower, or
    Elkan's upper and one lower bound per centroid (stored plus the centroid's travel so far, see
    ``elkan.elkan_pass``). A row whose label changed moves in the tally."""
    # IN: Xr (R, d) float32, the rows ``rows`` (R,) of X; x_sq (R,) their squared norms; GT =
    # cents.C @ Xr.T (m*k, R) float32; cents, the centres of the m running inits, whose ids are
    # ``act`` (m,); kind NO_BOUNDS, HAMERLY or ELKAN.
    # OUT (updated): labels (M, n) int32; bounds (common.Bounds); tally (common.Tally).
    R, k = Xr.shape[0], cents.k
    found = (np.empty(R, np.int64), np.empty(R), np.empty(R))
    for jj in range(act.shape[0]):
        GTj = GT[jj * k:(jj + 1) * k]
        nearest_block(Xr, x_sq, GTj, cents, jj, found[0], found[1], found[2], kind != NO_BOUNDS)
        apply_block(Xr, rows, found, act[jj], jj, labels, bounds, kind == HAMERLY, tally)
        if kind == ELKAN:
            for r in range(R):
                err = score_error(math.sqrt(x_sq[r]), cents.cmax[jj], cents.gamma)
                bounds.upper[act[jj], rows[r]] = found[1][r]
                for c in range(k):
                    s = np.float64(score(cents.c_sq[jj * k + c], GTj[c, r]))
                    bounds.lowers[act[jj], rows[r], c] = (math.sqrt(max(x_sq[r] + s - err, 0.0))
                                                          + bounds.travel[act[jj], c])


def nearest(X: np.ndarray, C: np.ndarray, threads: int = 1, x_sq: np.ndarray | None = None):
    """The exact nearest centroid of every row of X (n, d) among the rows of C (k, d), with the
    distance bounds of each row. Returns labels (n,) int64, upper (n,), lower (n,) float64."""
    X = as_float32(X)
    n = X.shape[0]
    cents = centroids(C, C.shape[0])
    x_sq = row_norms(X) if x_sq is None else x_sq
    labels = np.empty((1, n), dtype=np.int64)
    upper, lower = np.empty((1, n)), np.empty((1, n))

    def work(slices):
        for c in slices:
            nearest_rows(X[c], x_sq[c], cents.scores(X[c]), cents, labels[:, c], upper[:, c], lower[:, c], True)

    parallel_chunks(n, threads, work)
    return labels[0], upper[0], lower[0]


def exact_labels(X: np.ndarray, C: np.ndarray, threads: int = 1) -> np.ndarray:
    """The exact nearest centroid (n,) int64 of every row of X among the rows of C."""
    return nearest(X, C, threads)[0]


__all__ = ["ELKAN", "HAMERLY", "NO_BOUNDS", "assign_pass", "exact_labels", "nearest", "nearest_among"]
