"""Restricted assignment (approximate): each point is scored only against the ``candidates``
centroids nearest its current centroid, so the work per iteration is ``n * candidates * d``
instead of ``n * k * d``. Every ``refresh`` iterations, and whenever the loop would stop, the pass
is a full exact one, so drift is bounded and a fit only stops on a state an exact pass confirms.
Each decision among the candidates is the exact kernel's (``candidates.nearest_in_lists``).
"""

from __future__ import annotations

import numpy as np

from kmeans_study.lloyd.candidates import knn, listing_itself, nearest_in_lists
from kmeans_study.lloyd.common import row_norms
from kmeans_study.lloyd.engine import LabelStrategy
from kmeans_study.lloyd.exact import nearest


def _lists_and_margin(D, I, rows, m, already):
    """Candidate lists (the first m of m + 1 neighbours, the centroid itself always in) and the
    drift budget left before a list may change, measured as drift from the reference centroids:
    half the gap between the m-th and (m+1)-th neighbour distances, minus ``already`` (the
    drifts from the reference to where the list was computed, which later drifts add to)."""
    dist = np.sqrt(np.maximum(D.astype(np.float64), 0.0))
    near = I[:, :m].astype(np.int64)
    lost = listing_itself(near, rows)
    margin = (dist[:, m] - dist[:, m - 1]) / 2 - already
    margin[lost] = 0.0  # no guarantee: recompute next time
    return near, margin


class RestrictedStrategy(LabelStrategy):
    """Each point against the ``candidates`` centroids nearest its current one (itself included),
    with a full exact pass at iteration 1, every ``refresh`` iterations and when forced (every
    pass is a full exact one when the candidates are all the centroids)."""

    name = "restricted"
    verify_before_stop = True  # a restricted pass may miss a nearer centroid: confirm a stop exactly

    def __init__(self, candidates: int, refresh: int, lists_every: int = 1):
        self.candidates, self.refresh = candidates, refresh
        self.lists_every = lists_every  # > 1: candidate lists kept that many passes, even if stale
        self._lists = None  # (centroids they were computed at, lists (k, m), margin (k,))
        self._lists_age = 0
        self.lists_recomputed = 0

    def start(self, state, threads):
        super().start(state, threads)
        self.x_sq = row_norms(state.X)

    def candidate_lists(self, C: np.ndarray, m: int) -> np.ndarray:
        """The m centroids nearest each centroid, recomputed only for centroids whose list may
        have changed. Lists computed at centroids C0 hold at C while no distance from centroid j
        changed by more than half the gap between its m-th and (m+1)-th neighbour distances; a
        distance changes by at most drift(j) + max drift (triangle inequality)."""
        k = C.shape[0]
        self._lists_age += 1
        current = self._lists is not None and self._lists[0].shape == C.shape
        if current and self._lists_age < self.lists_every:
            return self._lists[1]
        if current and self.lists_every == 1:
            C0, near, margin = self._lists
            drift = np.sqrt(((C.astype(np.float64) - C0) ** 2).sum(axis=1))
            stale = np.flatnonzero(drift + drift.max() >= margin)
            if stale.size < k // 2:
                if stale.size:
                    # Recomputed at C, a list stays measured by drifts from C0 (the margin keeps
                    # room for the drift already made: the triangle inequality adds them).
                    D, I = knn(C[stale], C, m + 1, self.threads)
                    near[stale], margin[stale] = _lists_and_margin(D, I, stale, m, drift[stale] + drift.max())
                    self.lists_recomputed += stale.size
                return near
        D, I = knn(C, C, m + 1, self.threads)
        near, margin = _lists_and_margin(D, I, np.arange(k), m, np.zeros(k))
        self._lists = (C.astype(np.float64), near, margin)
        self._lists_age = 0
        self.lists_recomputed += k
        return near

    def labels(self, X, C, labels, iteration, force_full=False):
        periodic = self.refresh and (iteration - 1) % self.refresh == 0
        if labels is None or force_full or periodic or self.candidates >= C.shape[0]:
            return nearest(X, C, self.threads, self.x_sq)[0], True
        near = np.ascontiguousarray(self.candidate_lists(C, self.candidates))
        return nearest_in_lists(X, C, near, labels, self.x_sq)[0], False

    def describe(self, j: int = 0) -> dict:
        return {
            "assignment": (
                f"restricted: each point scored against the {self.candidates} centroids nearest its "
                f"current centroid (lists of nearest centroids "
                + ("kept exact" if self.lists_every == 1 else f"recomputed every {self.lists_every} passes")
                + "); a full exact pass at iteration 1, "
                + (f"every {self.refresh} iterations " if self.refresh else "")
                + "and before stopping"
            ),
            "candidates": self.candidates,
            "refresh": self.refresh,
            "lists_every": self.lists_every,
            "candidate_lists_recomputed": int(self.lists_recomputed),
        }
