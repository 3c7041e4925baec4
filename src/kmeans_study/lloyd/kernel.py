"""The one exact assignment kernel, the incremental cluster sums and the evaluation (Numba).

**The exact nearest centroid** of a point x among centroids c_0..c_{k-1} (float32) is the c
with the smallest squared distance, ties to the lowest index. The kernel computes it as follows:

1. Scores s_c = |c|^2 - 2 x.c from a float32 matrix product (BLAS) and float64 norms. For any
   summation order, |fl32(x.c) - x.c| <= gamma_d |x| |c| with gamma_d = d u / (1 - d u),
   u = 2^-24 (Higham, *Accuracy and Stability of Numerical Algorithms*, eq. 3.5), so every score
   is within ``err = 2 gamma_d |x| max|c|`` (plus float64 rounding) of its exact value.
2. When the second-best score exceeds the best by more than ``2 err``, the best is the exact
   nearest centroid. Otherwise every centroid within ``2 err`` of the best is rescored by
   ``sq_dist_exact`` (float64, one fixed summation order) and the smallest wins, the lowest
   index on ties.

Every path uses this: the multi-init pass, its pruned variant (whose bounds only skip points
proven to keep their centroid, with margins above every rounding error), assignment among
candidate centroids, and the evaluation of every fit record. So they give identical labels by
construction. The same pass yields an upper bound on each point's distance to its centroid and
a lower bound on its distance to every other one (``upper``, ``lower``), which pruning keeps.
"""

from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor

import numba as nb
import numpy as np

from kmeans_study.lloyd.core import chunks

_JIT = {"cache": True, "nogil": True}
# Bound bookkeeping (sums of drifts, square roots) runs in float64: a point counts as settled only
# if its bounds are apart by this relative margin, far above float64 rounding over a fit.
BOUND_MARGIN = 1e-9
# Which distance bounds a pass keeps (``assign_pass``).
NO_BOUNDS, HAMERLY, ELKAN = 0, 1, 2


def gemm_error(d: int) -> float:
    """gamma_d for float32 dot products of length d: |fl(x.c) - x.c| <= gamma_d |x| |c|."""
    nu = d * 2.0**-24
    return nu / (1.0 - nu)


def float64_slack(d: int) -> float:
    """A relative bound (with a factor 4 to spare) on float64 rounding in a length-d squared
    distance, a norm or a score: 4 (d + 2) 2^-53."""
    return 4.0 * (d + 2) * 2.0**-53


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
    return nb.njit(fastmath=fastmath, **_JIT)(squared_distance)


# Summed in index order: the canonical value that decides near-ties, identical wherever called.
sq_dist_exact = _squared_distance("sq_dist_exact", False)
# Summed in any order (vectorised), within float64_slack(d) of it: for bounds and inertia, never
# to decide a label.
sq_dist_fast = _squared_distance("sq_dist_fast", {"reassoc", "contract"})


@nb.njit(fastmath={"reassoc", "contract"}, **_JIT)
def _row_norms(X, out):
    for r in range(X.shape[0]):
        total = 0.0
        for i in range(X.shape[1]):
            v = np.float64(X[r, i])
            total += v * v
        out[r] = total


@nb.njit(**_JIT)
def _score(c_sq, g):
    """The float32 score |c|^2 - 2 x.c of a centroid from its squared norm and product."""
    return c_sq - (g + g)


@nb.njit(**_JIT)
def _best_two(GT, c_sq, idx, s1, s2):
    """For every column r of GT (k, R): the lowest float32 score c_sq[c] - 2 GT[c, r] (s1), its
    c (idx, the lowest on ties) and the second lowest (s2). Vectorised over r."""
    for r in range(GT.shape[1]):
        s1[r] = np.inf
        s2[r] = np.inf
        idx[r] = 0
    for c in range(GT.shape[0]):
        cs = c_sq[c]
        g = GT[c]
        for r in range(GT.shape[1]):
            s = _score(cs, g[r])
            a = s1[r]
            lower = s < a
            b = s2[r]
            s2[r] = a if lower else (min(b, s))
            s1[r] = s if lower else a
            idx[r] = c if lower else idx[r]


@nb.njit(**_JIT)
def _score_error(xn, cmax, gamma):
    """How far a float32 score |c|^2 - 2 x.c can be from its exact value, for |x| = xn and
    |c| <= cmax: 2 gamma_d |x| cmax (the product, in any summation order) + 4 u (|x| + cmax)^2
    (the norms, the subtraction, and float64 rounding many times over), u = 2^-24."""
    span = xn + cmax
    return 2.0 * gamma * xn * cmax + 4.0 * 2.0**-24 * span * span


@nb.njit(**_JIT)
def _decide(X, r, G, col, C, c_sq, cand, err, best, s1, s2):
    """THE exact nearest centroid of x = X[r] among C[cand] (m candidates), given the float32
    products G[:, col] (m,) of x with them, their squared norms c_sq[cand] (float32), the score
    error bound err (``_score_error``) and the lowest two scores s1 <= s2 (best: where s1 is, the
    lowest such position). Returns (position in cand, its score, the lowest score of the other
    candidates), float64. (Rows and columns go by index: a slice costs more than the common path.)

    A best score more than 2 err below the second is the exact nearest centroid; otherwise every
    candidate within 2 err of the best is rescored by ``sq_dist_exact`` and the smallest wins,
    the lowest position on ties."""
    label, mine, other = best, np.float64(s1), np.float64(s2)
    if other - mine > 2.0 * err:
        return label, mine, other
    nearest = np.inf
    for c in range(cand.shape[0]):
        if np.float64(_score(c_sq[cand[c]], G[c, col])) - mine <= 2.0 * err:
            dist = sq_dist_exact(X, r, C, cand[c])
            if dist < nearest:
                nearest = dist
                label = c
    other = np.inf
    for c in range(cand.shape[0]):
        score = np.float64(_score(c_sq[cand[c]], G[c, col]))
        if c == label:
            mine = score
        elif score < other:
            other = score
    return label, mine, other


@nb.njit(**_JIT)
def _bounds(x_sq, mine, other, err):
    """From ``_decide``'s scores: an upper bound on the distance to the chosen centroid and a
    lower bound on the distance to every other candidate."""
    return math.sqrt(max(x_sq + mine + err, 0.0)), math.sqrt(max(x_sq + other - err, 0.0))


@nb.njit(**_JIT)
def nearest_block(Xr, x_sq, GT, C, c_sq, cmax, gamma, labels, upper, lower, bounds):
    """The exact nearest of the centroids C (k, d) float32 to each row of Xr (R, d) float32
    (``_decide``), from the float32 products GT = C @ Xr.T (k, R), the centroids' squared norms
    c_sq (k,) float32 and their largest norm cmax. x_sq (R,): the rows' squared norms (float64).
    Writes labels (R,) and, if ``bounds``, the distance bounds upper, lower (R,)."""
    R = Xr.shape[0]
    idx = np.empty(R, np.int64)
    s1 = np.empty(R, np.float32)
    s2 = np.empty(R, np.float32)
    _best_two(GT, c_sq, idx, s1, s2)
    everyone = np.arange(C.shape[0])
    for r in range(R):
        err = _score_error(math.sqrt(x_sq[r]), cmax, gamma)
        mine, other = np.float64(s1[r]), np.float64(s2[r])
        labels[r] = idx[r]
        if other - mine <= 2.0 * err:  # a near-tie (rare): decided exactly
            labels[r], mine, other = _decide(Xr, r, GT, r, C, c_sq, everyone, err, idx[r], s1[r], s2[r])
        if bounds:
            upper[r], lower[r] = _bounds(x_sq[r], mine, other, err)


@nb.njit(fastmath={"reassoc", "contract"}, **_JIT)
def _dot(A, i, B, j):
    """float32 product of rows A[i] and B[j], summed in any order (within gamma_d of exact)."""
    total = np.float32(0.0)
    for t in range(A.shape[1]):
        total += A[i, t] * B[j, t]
    return total


@nb.njit(**_JIT)
def nearest_among(X, x_sq, C, c_sq, lists, cmax, owner, gamma, labels, upper, lower):
    """The exact nearest centroid of each row r of X (n, d) among its candidate list
    lists[owner[r]] (lists (L, m) centroid ids, cmax (L,) the largest norm in each): ``_decide``
    on products computed here, row by row (a gather of the rows by list and small BLAS products
    per list both cost more than these products). Writes labels (n,) (centroid ids) and the
    bounds upper, lower (n,): to the chosen centroid and to every other candidate of the row."""
    m = lists.shape[1]
    g = np.empty((m, 1), np.float32)
    for r in range(X.shape[0]):
        cand = lists[owner[r]]
        s1 = np.float32(np.inf)
        s2 = np.float32(np.inf)
        best = 0
        for c in range(m):
            g[c, 0] = _dot(X, r, C, cand[c])
            s = _score(c_sq[cand[c]], g[c, 0])
            if s < s1:
                s2, s1, best = s1, s, c
            elif s < s2:
                s2 = s
        err = _score_error(math.sqrt(x_sq[r]), cmax[owner[r]], gamma)
        mine, other, pos = np.float64(s1), np.float64(s2), best
        if other - mine <= 2.0 * err:  # a near-tie (rare): decided exactly
            pos, mine, other = _decide(X, r, g, 0, C, c_sq, cand, err, best, s1, s2)
        labels[r] = cand[pos]
        upper[r], lower[r] = _bounds(x_sq[r], mine, other, err)


@nb.njit(fastmath={"reassoc", "contract"}, **_JIT)
def _dots(Xr, C, GT):
    """GT = C @ Xr.T (k, R) float32 without BLAS, for few rows: four centroids per sweep of a row
    (each float32 product within gamma_d of exact in any summation order)."""
    k, d = C.shape
    for r in range(Xr.shape[0]):
        x = Xr[r]
        c = 0
        while c + 4 <= k:
            a0 = a1 = a2 = a3 = np.float32(0.0)
            for i in range(d):
                v = x[i]
                a0 += v * C[c, i]
                a1 += v * C[c + 1, i]
                a2 += v * C[c + 2, i]
                a3 += v * C[c + 3, i]
            GT[c, r], GT[c + 1, r], GT[c + 2, r], GT[c + 3, r] = a0, a1, a2, a3
            c += 4
        while c < k:
            a0 = np.float32(0.0)
            for i in range(d):
                a0 += x[i] * C[c, i]
            GT[c, r] = a0
            c += 1


@nb.njit(**_JIT)
def _move(X, r, old, new, sums, counts, j):
    """Move row X[r] from cluster ``old`` (-1: from none) to ``new`` of init j in the cluster sums
    (m, k, d) float64 and counts (m, k)."""
    for i in range(X.shape[1]):
        sums[j, new, i] += np.float64(X[r, i])
    counts[j, new] += 1
    if old >= 0:
        for i in range(X.shape[1]):
            sums[j, old, i] -= np.float64(X[r, i])
        counts[j, old] -= 1


@nb.njit(**_JIT)
def move_rows(X, old, new, sums, counts, j):
    """Update init j's cluster sums (m, k, d) float64 and counts (m, k) for the rows of X whose
    label went from ``old`` to ``new`` (n,) (old -1: not yet counted). Returns how many moved."""
    moved = 0
    for r in range(X.shape[0]):
        if old[r] != new[r]:
            _move(X, r, old[r], new[r], sums, counts, j)
            moved += 1
    return moved


@nb.njit(**_JIT)
def nearest_rows(Xr, x_sq, GT, C, c_sq, cmax, gamma, k, labels, upper, lower, bounds):
    """``nearest_block`` for each of the m centroid sets stacked in C (m*k, d), with GT = C @ Xr.T
    (m*k, R): labels, and if ``bounds`` upper, lower (m, R)."""
    for j in range(cmax.shape[0]):
        cols = slice(j * k, (j + 1) * k)
        nearest_block(Xr, x_sq, GT[cols], C[cols], c_sq[cols], cmax[j], gamma, labels[j], upper[j], lower[j], bounds)


@nb.njit(**_JIT)
def _apply(Xr, rows, new, up, low, j, jj, labels, upper, lower, bounds, d_sums, d_counts, changed):
    """Store init j's new labels (and bounds) of the rows ``rows`` (data Xr); a row whose label
    changed moves in the cluster sums d_sums[jj] / d_counts[jj] and sets changed[jj]."""
    for r in range(rows.shape[0]):
        row = rows[r]
        if bounds:
            upper[j, row] = up[r]
            lower[j, row] = low[r]
        old = labels[j, row]
        if old != new[r]:
            labels[j, row] = new[r]
            changed[jj] = True
            _move(Xr, r, old, new[r], d_sums, d_counts, jj)


@nb.njit(**_JIT)
def assign_pass(Xr, rows, x_sq, GT, C, c_sq, cmax, gamma, k, act, labels, upper, lower, lowers, travel, bounds,
                d_sums, d_counts, changed):
    """A block of the multi-init exact pass by one matrix product. Xr (R, d): the rows ``rows``
    (R,) of X, x_sq (R,) their squared norms; GT = C @ Xr.T with C (m*k, d) the centres of the m
    running inits, whose ids are ``act`` (m,). For each init: the exact labels into labels (M, n)
    int32; with ``bounds`` HAMERLY their distance bounds into upper / lower (M, n), with ELKAN
    into upper and lowers (M, n, k), one lower bound per centroid, stored plus the centroid's
    travel so far (travel (M, k), see ``elkan_pass``); a row whose label
    changed moves in this thread's d_sums (m, k, d) float64 and d_counts (m, k), and sets
    changed[jj]."""
    R = Xr.shape[0]
    new = np.empty(R, np.int64)
    up = np.empty(R)
    low = np.empty(R)
    for jj in range(act.shape[0]):
        cols = slice(jj * k, (jj + 1) * k)
        nearest_block(Xr, x_sq, GT[cols], C[cols], c_sq[cols], cmax[jj], gamma, new, up, low, bounds != NO_BOUNDS)
        _apply(Xr, rows, new, up, low, act[jj], jj, labels, upper, lower, bounds == HAMERLY, d_sums, d_counts, changed)
        if bounds == ELKAN:
            for r in range(R):
                err = _score_error(math.sqrt(x_sq[r]), cmax[jj], gamma)
                upper[act[jj], rows[r]] = up[r]
                for c in range(k):
                    score = np.float64(_score(c_sq[jj * k + c], GT[jj * k + c, r]))
                    lowers[act[jj], rows[r], c] = math.sqrt(max(x_sq[r] + score - err, 0.0)) + travel[act[jj], c]


@nb.njit(**_JIT)
def elkan_pass(X, lo, hi, x_sq, C, c_sq, cmax, gamma, k, act, labels, upper, lowers, travel, drift, half_gap,
               half_gaps, d_sums, d_counts, changed, computed):
    """Rows lo..hi of the pass pruned by Elkan's bounds: per point and init an upper bound on
    the distance to its centroid a (upper (M, n), moved by a's drift (drift (m, k))) and a lower
    bound on the distance to each centroid c, kept as lowers (M, n, k) = bound + travel[c] when
    set, where travel (M, k) is how far c has moved in total: the bound now is lowers - travel,
    so a pass writes no bound it does not test. Centroid c is excluded when the upper bound is
    below its lower bound or below half the distance between a and c (half_gaps (m, k, k);
    half_gap (m, k): to the nearest other). The upper bound is tightened (one product) before
    any other centroid is scored; the centroids left, with a, go to ``_decide``, so the label is
    the exact one. Adds the products computed per init to computed (m,)."""
    cand = np.empty(k, np.int64)
    g = np.empty((k, 1), np.float32)
    margin = 1.0 + BOUND_MARGIN
    for jj in range(act.shape[0]):
        j, base = act[jj], jj * k
        for row in range(lo, hi):
            a = labels[j, row]
            u = upper[j, row] + drift[jj, a]
            upper[j, row] = u
            if u * margin < half_gap[jj, a]:
                continue
            err = _score_error(math.sqrt(x_sq[row]), cmax[jj], gamma)
            n_cand, tight = 1, False
            cand[0] = base + a
            for c in range(k):
                if c == a or u * margin < max(lowers[j, row, c] - travel[j, c], half_gaps[jj, a, c]):
                    continue
                if not tight:
                    tight = True
                    g[0, 0] = _dot(X, row, C, base + a)
                    computed[jj] += 1
                    u = math.sqrt(max(x_sq[row] + np.float64(_score(c_sq[base + a], g[0, 0])) + err, 0.0))
                    upper[j, row] = u
                    if u * margin < max(lowers[j, row, c] - travel[j, c], half_gaps[jj, a, c]):
                        continue
                cand[n_cand] = base + c
                n_cand += 1
            if n_cand == 1:
                continue
            s1 = s2 = np.float32(np.inf)
            best = 0
            for i in range(n_cand):
                if i > 0:
                    g[i, 0] = _dot(X, row, C, cand[i])
                    computed[jj] += 1
                s = _score(c_sq[cand[i]], g[i, 0])
                if s < s1:
                    s2, s1, best = s1, s, i
                elif s < s2:
                    s2 = s
            pos, mine, _ = _decide(X, row, g, 0, C, c_sq, cand[:n_cand], err, best, s1, s2)
            upper[j, row] = math.sqrt(max(x_sq[row] + mine + err, 0.0))
            for i in range(n_cand):
                c = cand[i] - base
                score = np.float64(_score(c_sq[cand[i]], g[i, 0]))
                lowers[j, row, c] = math.sqrt(max(x_sq[row] + score - err, 0.0)) + travel[j, c]
            label = cand[pos] - base
            if label != a:
                labels[j, row] = label
                changed[jj] = True
                _move(X, row, a, label, d_sums, d_counts, jj)


@nb.njit(**_JIT)
def assign_pairs(X, lo, need, x_sq, C, c_sq, cmax, gamma, k, act, labels, upper, lower, d_sums, d_counts, changed):
    """A block of the pruned pass pair by pair: for each running init jj, only the rows lo + r
    with need[jj, r] are scored (against that init's k centroids, without BLAS), as
    ``assign_pass`` scores them."""
    for jj in range(act.shape[0]):
        rows = lo + np.flatnonzero(need[jj])
        if rows.size == 0:
            continue
        cols = slice(jj * k, (jj + 1) * k)
        Xr = X[rows]
        GT = np.empty((k, rows.size), np.float32)
        _dots(Xr, C[cols], GT)
        new = np.empty(rows.size, np.int64)
        up = np.empty(rows.size)
        low = np.empty(rows.size)
        nearest_block(Xr, x_sq[rows], GT, C[cols], c_sq[cols], cmax[jj], gamma, new, up, low, True)
        _apply(Xr, rows, new, up, low, act[jj], jj, labels, upper, lower, True, d_sums, d_counts, changed)


@nb.njit(**_JIT)
def prune_rows(X, lo, hi, x_sq, C, c_sq, cmax, gamma, k, act, labels, upper, lower, drift, drift_other, half_gap,
               need):
    """Hamerly's test for rows lo..hi of X and every running init: the upper bound grows by the
    drift of the row's centroid, the lower bound shrinks by the largest drift of the others
    (drift, drift_other (m, k) float64). A pair whose upper bound is below its lower bound, or
    below half the distance from its centroid to the nearest other one (half_gap (m, k)), keeps
    its centroid; otherwise the upper bound is tightened to the distance (from one float32
    product and its error bound, as the kernel scores) and tested again. Marks the pairs left
    unsettled in need (m, hi - lo). Returns the offsets (from lo) of the rows with any such pair,
    and the distances computed to tighten per init (m,)."""
    unsettled = np.zeros(hi - lo, np.bool_)
    tightened = np.zeros(act.shape[0], np.int64)
    for jj in range(act.shape[0]):
        j = act[jj]
        for r in range(hi - lo):
            row = lo + r
            a = labels[j, row]
            u = upper[j, row] + drift[jj, a]
            lower[j, row] = lower[j, row] - drift_other[jj, a]
            low = max(lower[j, row], half_gap[jj, a])
            need[jj, r] = False
            if u * (1.0 + BOUND_MARGIN) >= low:
                col = jj * k + a
                err = _score_error(math.sqrt(x_sq[row]), cmax[jj], gamma)
                u = math.sqrt(max(x_sq[row] + np.float64(_score(c_sq[col], _dot(X, row, C, col))) + err, 0.0))
                tightened[jj] += 1
                if u * (1.0 + BOUND_MARGIN) >= low:
                    need[jj, r] = True
                    unsettled[r] = True
            upper[j, row] = u
    return np.flatnonzero(unsettled), tightened


@nb.njit(fastmath={"reassoc", "contract"}, **_JIT)
def _accumulate(Xr, labels, C, k, inertia, sums, counts):
    """Evaluation of one chunk: for each centroid set j, add each row's squared distance to its
    label's centroid (labels (m, R)) to inertia[j], and the row to sums[j, label] (float64) and
    counts[j, label]."""
    for j in range(inertia.shape[0]):
        for r in range(Xr.shape[0]):
            label = labels[j, r]
            inertia[j] += sq_dist_fast(Xr, r, C, j * k + label)
            counts[j, label] += 1
            for i in range(Xr.shape[1]):
                sums[j, label, i] += np.float64(Xr[r, i])


# Python side --------------------------------------------------------------------------------


def as_float32(X: np.ndarray) -> np.ndarray:
    """X as a C-contiguous float32 ndarray (a float32 memory map is viewed, not copied)."""
    return np.ascontiguousarray(X, dtype=np.float32)


def row_norms(X: np.ndarray) -> np.ndarray:
    """Squared norms (n,) float64 of the rows of X (n, d) float32, chunk by chunk."""
    out = np.empty(X.shape[0])
    for c in chunks(X.shape[0]):
        _row_norms(X[c], out[c])
    return out


class Centroids:
    """m centroid sets of k rows stacked for the kernel: C (m*k, d) float32, c_sq (m*k,) float32
    (squared norms), cmax (m,) float64 (each set's largest norm)."""

    def __init__(self, C: np.ndarray, k: int):
        self.C = as_float32(C)
        self.k = k
        self.m = self.C.shape[0] // k
        norms = row_norms(self.C)
        self.c_sq = norms.astype(np.float32)
        self.cmax = np.sqrt(norms.reshape(self.m, k).max(axis=1))
        d = self.C.shape[1]
        self.gamma, self.slack = gemm_error(d), float64_slack(d)

    def scores(self, Xr: np.ndarray) -> np.ndarray:
        """GT = C @ Xr.T (m*k, R) float32, one BLAS product, into a buffer reused per thread
        (valid until the next call from the same thread)."""
        size = self.C.shape[0] * Xr.shape[0]
        local = _buffers.__dict__
        if local.get("size", 0) < size:
            local["buffer"], local["size"] = np.empty(size, dtype=np.float32), size
        return np.matmul(self.C, Xr.T, out=local["buffer"][:size].reshape(self.C.shape[0], Xr.shape[0]))


_buffers = threading.local()


def parallel_chunks(n: int, threads: int, work) -> list:
    """``work(slices)`` for ``threads`` workers, each given every threads-th chunk of range(n);
    the kernels and BLAS release the GIL. Returns the workers' results in order."""
    parts = chunks(n)
    if threads <= 1 or len(parts) == 1:
        return [work(parts)]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(work, [parts[w::threads] for w in range(threads)]))


def nearest(X: np.ndarray, C: np.ndarray, threads: int = 1, x_sq: np.ndarray | None = None):
    """The exact nearest centroid of every row of X (n, d) among the rows of C (k, d), with the
    distance bounds of each row. Returns labels (n,) int64, upper (n,), lower (n,) float64."""
    X = as_float32(X)
    n = X.shape[0]
    cents = Centroids(C, C.shape[0])
    x_sq = row_norms(X) if x_sq is None else x_sq
    labels = np.empty((1, n), dtype=np.int64)
    upper, lower = np.empty((1, n)), np.empty((1, n))

    def work(slices):
        for c in slices:
            nearest_rows(X[c], x_sq[c], cents.scores(X[c]), cents.C, cents.c_sq, cents.cmax, cents.gamma, cents.k,
                         labels[:, c], upper[:, c], lower[:, c], True)

    parallel_chunks(n, threads, work)
    return labels[0], upper[0], lower[0]


def exact_labels(X: np.ndarray, C: np.ndarray, threads: int = 1) -> np.ndarray:
    """The exact nearest centroid (n,) int64 of every row of X among the rows of C."""
    return nearest(X, C, threads)[0]


def evaluate_many(X: np.ndarray, centroid_sets: list[np.ndarray], threads: int = 1):
    """For each set of centroids (k, d): exact labels (n,) int64, inertia on ALL points (float64
    sum of the squared distances to the assigned centroid) and the means (k, d) float64 of the
    labelled points (an empty cluster keeps its centroid), all in one pass over X."""
    X = as_float32(X)
    n, d = X.shape
    k = centroid_sets[0].shape[0]
    cents = Centroids(np.concatenate(centroid_sets), k)
    m = cents.m
    labels = np.empty((m, n), dtype=np.int64)

    def work(slices):
        inertia, sums, counts = np.zeros(m), np.zeros((m, k, d)), np.zeros((m, k), dtype=np.int64)
        for c in slices:
            Xr = X[c]
            unused = np.empty((m, 1))
            nearest_rows(Xr, row_norms(Xr), cents.scores(Xr), cents.C, cents.c_sq, cents.cmax, cents.gamma, k,
                         labels[:, c], unused, unused, False)
            _accumulate(Xr, labels[:, c], cents.C, k, inertia, sums, counts)
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
