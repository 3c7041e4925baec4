"""The exact pass pruned by Elkan's bounds (Numba): per point and init an upper bound on the
distance to its centroid a and a lower bound on the distance to each centroid c.

The upper bound moves by a's drift; the lower bound to c is kept as ``lowers = bound + travel[c]``
where travel[c] is how far c has moved in total (``common.Bounds``), so the bound now is
``lowers - travel`` and a pass writes no bound it does not test. Centroid c is excluded when the
upper bound is below its lower bound or below half the distance between a and c. The upper bound
is tightened (one product) before any other centroid is scored; the centroids left, with a, go to
the exact decision (``exact.decide``), so the label is the exact one. The multi-init pass
(``exact.assign_pass``) sets the bounds of every centroid.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from kmeans_study.lloyd.common import BOUND_MARGIN, JIT, move
from kmeans_study.lloyd.exact import decide, dot, score, score_error


@nb.njit(**JIT)
def _excluded(bounds, j, row, c, u, half_gaps, margin):
    """Whether upper bound u proves centroid c no nearer to X[row] than its own centroid, whose
    half distances to the others are half_gaps (k,)."""
    return u * margin < max(bounds.lowers[j, row, c] - bounds.travel[j, c], half_gaps[c])


@nb.njit(**JIT)
def elkan_pass(X, lo, hi, x_sq, cents, act, labels, bounds, drift, tally):
    """Rows lo..hi of the pass pruned by Elkan's bounds, for every running init. Adds the products
    computed per init to tally.computed."""
    # IN: X (n, d) float32; x_sq (n,) float64; cents, the centres of the m running inits, whose
    # ids are ``act`` (m,); drift (common.Drift).
    # OUT (updated): labels (M, n); bounds.upper (M, n), bounds.lowers (M, n, k); tally (common.Tally).
    k = cents.k
    cand = np.empty(k, np.int64)
    g = np.empty((k, 1), np.float32)
    margin = 1.0 + BOUND_MARGIN
    for jj in range(act.shape[0]):
        j, base = act[jj], jj * k
        for row in range(lo, hi):
            a = labels[j, row]
            u = bounds.upper[j, row] + drift.drift[jj, a]
            bounds.upper[j, row] = u
            if u * margin < drift.half_gap[jj, a]:
                continue
            err = score_error(math.sqrt(x_sq[row]), cents.cmax[jj], cents.gamma)
            n_cand, tight = 1, False
            cand[0] = base + a
            for c in range(k):
                if c == a or _excluded(bounds, j, row, c, u, drift.half_gaps[jj, a], margin):
                    continue
                if not tight:
                    tight = True
                    g[0, 0] = dot(X, row, cents.C, base + a)
                    tally.computed[jj] += 1
                    u = math.sqrt(max(x_sq[row] + np.float64(score(cents.c_sq[base + a], g[0, 0])) + err, 0.0))
                    bounds.upper[j, row] = u
                    if _excluded(bounds, j, row, c, u, drift.half_gaps[jj, a], margin):
                        continue
                cand[n_cand] = base + c
                n_cand += 1
            if n_cand == 1:
                continue
            s1 = s2 = np.float32(np.inf)
            best = 0
            for i in range(n_cand):
                if i > 0:
                    g[i, 0] = dot(X, row, cents.C, cand[i])
                    tally.computed[jj] += 1
                s = score(cents.c_sq[cand[i]], g[i, 0])
                if s < s1:
                    s2, s1, best = s1, s, i
                elif s < s2:
                    s2 = s
            pos, mine, _ = decide(X, row, g, 0, cents, cand[:n_cand], err, best, s1, s2)
            bounds.upper[j, row] = math.sqrt(max(x_sq[row] + mine + err, 0.0))
            for i in range(n_cand):
                c = cand[i] - base
                s = np.float64(score(cents.c_sq[cand[i]], g[i, 0]))
                bounds.lowers[j, row, c] = math.sqrt(max(x_sq[row] + s - err, 0.0)) + bounds.travel[j, c]
            label = cand[pos] - base
            if label != a:
                labels[j, row] = label
                tally.changed[jj] = True
                move(X, row, a, label, tally.sums, tally.counts, jj)
