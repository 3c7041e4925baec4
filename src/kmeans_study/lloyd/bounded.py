"""Bounded assignment: exact, scoring only the points whose distance bounds do not prove them
settled, against the centroids nearest their own where a neighbourhood bound proves that enough
(``BoundedStrategy``). Every decision is the exact kernel's, so every pass is exact.
"""

from __future__ import annotations

import numpy as np

from kmeans_study.lloyd.candidates import knn, listing_itself, nearest_in_lists
from kmeans_study.lloyd.common import BOUND_MARGIN, centroids, row_norms
from kmeans_study.lloyd.engine import LabelStrategy
from kmeans_study.lloyd.exact import nearest
from kmeans_study.lloyd.rounding import float64_slack


class BoundedStrategy(LabelStrategy):
    """Exact assignment that scores few points: the restricted candidates made exact by
    triangle-inequality bounds (Hamerly's, with a neighbourhood bound for the centroids outside a
    point's candidates).

    Every point keeps an upper bound ``u`` on its distance to its centroid and a lower bound ``l``
    on its distance to every other centroid (both from the exact kernel, rigorous). After an
    update, ``u`` grows by its centroid's drift and ``l`` shrinks by the largest drift; a point
    with ``u < l`` cannot change cluster and is skipped. Any other point is scored against the
    ``candidates`` centroids nearest its centroid ``a``; every centroid outside them is at least
    ``r(a)`` (the farthest candidate's distance) from ``a``, so at least ``r(a) - d(x, a)`` from
    the point. When the best candidate is closer than that, it is the exact nearest centroid;
    otherwise the point is scored against all centroids. Every pass is exact."""

    name = "bounded"
    full_pass_share = 0.3  # more points than this share to score: one exact pass instead

    def __init__(self, candidates: int):
        self.candidates = max(2, candidates)
        self.rows_scored = self.rows_skipped = self.rows_full = self.full_passes = 0

    def start(self, state, threads):
        super().start(state, threads)
        self.x_sq = row_norms(state.X)
        self.previous = None

    def _exact(self, X, C, rows=None):
        """Exact labels and bounds of all rows (or of ``rows``)."""
        if rows is None:
            return nearest(X, C, self.threads, self.x_sq)
        return nearest(X[rows], C, self.threads, self.x_sq[rows])

    def labels(self, X, C, labels, iteration, force_full=False):
        C64 = np.asarray(C, dtype=np.float64)
        if labels is None:
            found, self.u, self.l = self._exact(X, C)
            self.previous = C64
            self.full_passes += 1
            return found, True
        slack = 1.0 + float64_slack(X.shape[1])
        drift = np.sqrt(((C64 - self.previous) ** 2).sum(axis=1)) * slack
        self.previous = C64
        u, l = self.u, self.l
        u += drift[labels]
        l -= drift.max()
        labels = labels.copy()
        margin = 1.0 + BOUND_MARGIN
        rows = np.flatnonzero(u * margin >= l)
        self.rows_skipped += len(labels) - rows.size
        if rows.size:
            own = np.asarray(X[rows], dtype=np.float64)
            d_own = np.sqrt(((own - C64[labels[rows]]) ** 2).sum(axis=1)) * slack
            u[rows] = d_own
            keep = d_own * margin >= l[rows]
            rows, d_own = rows[keep], d_own[keep]
        if rows.size:
            self.rows_scored += rows.size
            self._rescore(X, C, labels, rows, d_own)
        return labels, True

    def _rescore(self, X, C, labels, rows, d_own):
        """New labels and bounds of ``rows``; ``d_own`` their distances to their centroids."""
        if rows.size > self.full_pass_share * len(labels):
            # Most points need scoring (early iterations): one exact pass is cheaper.
            self.full_passes += 1
            labels[:], self.u, self.l = self._exact(X, C)
            return
        m = min(self.candidates, C.shape[0])
        cents = centroids(C, C.shape[0])
        D_near, near = knn(cents.C, cents.C, m, self.threads)
        # Every centroid outside a list had a faiss distance >= the list's last, and faiss's float32
        # distances |a|^2 + |c|^2 - 2 a.c err by at most (4 gamma_d + 16 u) max|c|^2: so each is
        # at least ``radius`` away from the list's owner.
        error = (4.0 * cents.gamma + 16.0 * 2.0**-24) * float(cents.c_sq.max())
        radius = np.sqrt(np.maximum(D_near[:, -1].astype(np.float64) - error, 0.0))
        # Duplicates displaced a centroid from its own list: no neighbourhood bound, score fully.
        radius[listing_itself(near, np.arange(C.shape[0]))] = 0.0
        best, upper, second = nearest_in_lists(X[rows], C, near.astype(np.int64), labels[rows], self.x_sq[rows])
        outside = radius[labels[rows]] - d_own  # every non-candidate is at least this far
        proven = upper * (1.0 + BOUND_MARGIN) < outside
        labels[rows[proven]] = best[proven]
        self.u[rows[proven]] = upper[proven]
        self.l[rows[proven]] = np.minimum(second, outside)[proven]
        unproven = rows[~proven]
        if unproven.size:
            self.rows_full += unproven.size
            labels[unproven], self.u[unproven], self.l[unproven] = self._exact(X, C, unproven)

    def describe(self, j: int = 0) -> dict:
        return {
            "assignment": (
                f"bounded: exact; points whose distance bounds prove their cluster unchanged are skipped, "
                f"the others scored against the {self.candidates} centroids nearest their own, and against "
                "all centroids when the neighbourhood bound cannot prove the nearest among those"
            ),
            "candidates": self.candidates,
            "points_skipped_by_bounds": int(self.rows_skipped),
            "points_scored_against_candidates": int(self.rows_scored),
            "points_scored_against_all": int(self.rows_full),
            "full_passes": int(self.full_passes),
        }
