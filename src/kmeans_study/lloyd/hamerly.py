"""The exact pass pruned by Hamerly's bounds (Numba): one upper bound per point and init on the
distance to its centroid, one lower bound on the distance to every other centroid.

After an update the upper bound grows by the drift of the point's centroid and the lower bound
shrinks by the largest drift of the others. A point whose upper bound is below its lower bound,
or below half the distance from its centroid to the nearest other one, keeps its centroid
(``prune_rows``); so does one whose upper bound, tightened to the distance itself, passes the
test again. Whatever is left is decided by the exact kernel (``exact``): for few (point, init)
pairs one by one (``assign_pairs``), else by the multi-init pass (``exact.assign_pass``), which
also sets the bounds. Every comparison keeps a margin (``common.BOUND_MARGIN``) above the
rounding of the bounds, so the labels are those of the unpruned pass.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from kmeans_study.lloyd.common import BOUND_MARGIN, JIT
from kmeans_study.lloyd.exact import apply_block, dot, nearest_block, score, score_error


@nb.njit(fastmath={"reassoc", "contract"}, **JIT)
def _dots(Xr, C, GT):
    """GT = C @ Xr.T without BLAS, for few rows: four centroids per sweep of a row (each float32
    product within gamma_d of exact in any summation order)."""
    # IN: Xr (R, d) float32, C (k, d) float32. OUT: GT (k, R) float32.
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


@nb.njit(**JIT)
def prune_rows(X, lo, hi, x_sq, cents, act, labels, bounds, drift, need):
    """Hamerly's test for rows lo..hi of X and every running init; an upper bound that fails it is
    tightened to the distance (from one float32 product and its error bound, as the kernel
    scores) and tested again. Marks the (init, row) pairs left unsettled in need."""
    # IN: X (n, d) float32; x_sq (n,) float64; cents, the centres of the m running inits, whose
    # ids are ``act`` (m,); labels (M, n); drift (common.Drift).
    # OUT: bounds.upper, bounds.lower (M, n) moved by the drifts; need (m, hi - lo) bool.
    # Returns the offsets (from lo) of the rows with any unsettled pair, and the distances
    # computed to tighten per init (m,).
    k = cents.k
    unsettled = np.zeros(hi - lo, np.bool_)
    tightened = np.zeros(act.shape[0], np.int64)
    for jj in range(act.shape[0]):
        j = act[jj]
        for r in range(hi - lo):
            row = lo + r
            a = labels[j, row]
            u = bounds.upper[j, row] + drift.drift[jj, a]
            bounds.lower[j, row] = bounds.lower[j, row] - drift.drift_other[jj, a]
            low = max(bounds.lower[j, row], drift.half_gap[jj, a])
            need[jj, r] = False
            if u * (1.0 + BOUND_MARGIN) >= low:
                col = jj * k + a
                err = score_error(math.sqrt(x_sq[row]), cents.cmax[jj], cents.gamma)
                u = math.sqrt(max(x_sq[row] + np.float64(score(cents.c_sq[col], dot(X, row, cents.C, col))) + err,
                                  0.0))
                tightened[jj] += 1
                if u * (1.0 + BOUND_MARGIN) >= low:
                    need[jj, r] = True
                    unsettled[r] = True
            bounds.upper[j, row] = u
    return np.flatnonzero(unsettled), tightened


@nb.njit(**JIT)
def assign_pairs(X, lo, need, x_sq, cents, act, labels, bounds, tally):
    """A block of the pruned pass pair by pair: for each running init jj, only the rows lo + r
    with need[jj, r] are scored (against that init's k centroids, without BLAS), as
    ``exact.assign_pass`` scores them."""
    # IN: X (n, d) float32; need (m, R) bool; x_sq (n,) float64; cents, act, as ``prune_rows``.
    # OUT (updated): labels (M, n); bounds.upper, bounds.lower (M, n); tally (common.Tally).
    k = cents.k
    for jj in range(act.shape[0]):
        rows = lo + np.flatnonzero(need[jj])
        if rows.size == 0:
            continue
        Xr = X[rows]
        GT = np.empty((k, rows.size), np.float32)
        _dots(Xr, cents.C[jj * k:(jj + 1) * k], GT)
        found = (np.empty(rows.size, np.int64), np.empty(rows.size), np.empty(rows.size))
        nearest_block(Xr, x_sq[rows], GT, cents, jj, found[0], found[1], found[2], True)
        apply_block(Xr, rows, found, act[jj], jj, labels, bounds, True, tally)
