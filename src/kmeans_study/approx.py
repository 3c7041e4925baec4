"""Assignment strategies for large k, plugged into the one Lloyd loop (``kmeans_study.lloyd``).

At large k the assignment (each point's nearest centroid) is nearly all of an iteration's cost.
The loop, the cluster sums, the centre update and the stopping rule are the core's; strategies
differ only in how they assign. Every exact decision goes through the core's one kernel
(``kmeans_study.lloyd.kernel``), so an exact strategy gives the labels of exact Lloyd.

- ``lloyd.engine.ExactStrategy``: every point against every centroid (with Hamerly's pruning).
- ``BoundedStrategy``: exact, scoring only the points whose distance bounds do not prove them settled.
- ``IVFStrategy``: the reference's approximate search, a faiss ``IndexIVFFlat`` built over the
  current centroids every iteration (``nlist`` lists, ``nprobe`` probed).
- ``HNSWStrategy``: a faiss ``IndexHNSWFlat`` graph over the current centroids (``M``, ``efSearch``).
- ``RestrictedStrategy``: each point is scored only against the ``candidates`` centroids nearest
  its current centroid, so the work per iteration is ``n * candidates * d`` instead of
  ``n * k * d``. Every ``refresh`` iterations, and whenever the loop would stop, the pass is a
  full exact one, so drift is bounded and a fit only stops on a state an exact pass confirms.
"""

from __future__ import annotations

import numpy as np

from kmeans_study.lloyd import kernel
from kmeans_study.lloyd.engine import LabelStrategy


def _knn(Q: np.ndarray, C: np.ndarray, m: int, threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """faiss's exact search: squared distances (q, m) and indices (q, m) of the m rows of C
    nearest each row of Q (``IndexFlatL2``: BLAS products in blocks, a heap per row). Used for
    the candidate lists of centroids, never to assign points."""
    import faiss

    faiss.omp_set_num_threads(max(1, threads))
    index = faiss.IndexFlatL2(C.shape[1])
    index.add(np.ascontiguousarray(C, dtype=np.float32))
    return index.search(np.ascontiguousarray(Q, dtype=np.float32), m)


def _listing_itself(near: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Make centroid ``rows[i]`` the last entry of its list ``near[i]`` where a duplicate
    centroid displaced it (in place); returns where that happened."""
    lost = ~(near == rows[:, None]).any(axis=1)
    near[lost, -1] = rows[lost]
    return lost


def nearest_centroids(C: np.ndarray, m: int) -> np.ndarray:
    """The m centroids nearest each centroid (k, m), itself always among them: faiss's exact
    k-NN (a BLAS product and a heap per row; numpy's argpartition over k x k is 20x slower)."""
    near = _knn(C, C, m)[1].astype(np.int64)
    _listing_itself(near, np.arange(C.shape[0]))
    return near


def nearest_in_lists(X: np.ndarray, C: np.ndarray, lists: np.ndarray, owner: np.ndarray, x_sq: np.ndarray):
    """The exact nearest centroid of each row of X among the centroids ``lists[owner[row]]``
    (the core's kernel), with the distance bounds to it and to every other listed centroid."""
    cents = kernel.Centroids(C, C.shape[0])
    norms = np.sqrt(cents.c_sq.astype(np.float64))
    n = X.shape[0]
    labels, upper, lower = np.empty(n, dtype=np.int64), np.empty(n), np.empty(n)
    kernel.nearest_among(X, x_sq, cents.C, cents.c_sq, lists, norms[lists].max(axis=1), owner, cents.gamma,
                         labels, upper, lower)
    return labels, upper, lower


def _lists_and_margin(D, I, rows, m, already):
    """Candidate lists (the first m of m + 1 neighbours, the centroid itself always in) and the
    drift budget left before a list may change, measured as drift from the reference centroids:
    half the gap between the m-th and (m+1)-th neighbour distances, minus ``already`` (the
    drifts from the reference to where the list was computed, which later drifts add to)."""
    dist = np.sqrt(np.maximum(D.astype(np.float64), 0.0))
    near = I[:, :m].astype(np.int64)
    lost = _listing_itself(near, rows)
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
        self.x_sq = kernel.row_norms(state.X)

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
                    D, I = _knn(C[stale], C, m + 1, self.threads)
                    near[stale], margin[stale] = _lists_and_margin(D, I, stale, m, drift[stale] + drift.max())
                    self.lists_recomputed += stale.size
                return near
        D, I = _knn(C, C, m + 1, self.threads)
        near, margin = _lists_and_margin(D, I, np.arange(k), m, np.zeros(k))
        self._lists = (C.astype(np.float64), near, margin)
        self._lists_age = 0
        self.lists_recomputed += k
        return near

    def labels(self, X, C, labels, iteration, force_full=False):
        periodic = self.refresh and (iteration - 1) % self.refresh == 0
        if labels is None or force_full or periodic or self.candidates >= C.shape[0]:
            return kernel.nearest(X, C, self.threads, self.x_sq)[0], True
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


class BoundedStrategy(LabelStrategy):
    """Exact assignment that scores few points: the restricted candidates made exact by
    triangle-inequality bounds (Hamerly's, with a neighbourhood bound for the centroids outside a
    point's candidates).

    Every point keeps an upper bound ``u`` on its distance to its centroid and a lower bound ``l``
    on its distance to every other centroid (both from the core's kernel, rigorous). After an
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
        self.x_sq = kernel.row_norms(state.X)
        self.previous = None

    def _exact(self, X, C, rows=None):
        """Exact labels and bounds of all rows (or of ``rows``)."""
        if rows is None:
            return kernel.nearest(X, C, self.threads, self.x_sq)
        return kernel.nearest(X[rows], C, self.threads, self.x_sq[rows])

    def labels(self, X, C, labels, iteration, force_full=False):
        C64 = np.asarray(C, dtype=np.float64)
        if labels is None:
            found, self.u, self.l = self._exact(X, C)
            self.previous = C64
            self.full_passes += 1
            return found, True
        slack = 1.0 + kernel.float64_slack(X.shape[1])
        drift = np.sqrt(((C64 - self.previous) ** 2).sum(axis=1)) * slack
        self.previous = C64
        u, l = self.u, self.l
        u += drift[labels]
        l -= drift.max()
        labels = labels.copy()
        margin = 1.0 + kernel.BOUND_MARGIN
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
        cents = kernel.Centroids(C, C.shape[0])
        D_near, near = _knn(cents.C, cents.C, m, self.threads)
        # Every centroid outside a list had a faiss distance >= the list's last, and faiss's float32
        # distances |a|^2 + |c|^2 - 2 a.c err by at most (4 gamma_d + 16 u) max|c|^2: so each is
        # at least ``radius`` away from the list's owner.
        error = (4.0 * cents.gamma + 16.0 * 2.0**-24) * float(cents.c_sq.max())
        radius = np.sqrt(np.maximum(D_near[:, -1].astype(np.float64) - error, 0.0))
        # Duplicates displaced a centroid from its own list: no neighbourhood bound, score fully.
        radius[_listing_itself(near, np.arange(C.shape[0]))] = 0.0
        best, upper, second = nearest_in_lists(X[rows], C, near.astype(np.int64), labels[rows], self.x_sq[rows])
        outside = radius[labels[rows]] - d_own  # every non-candidate is at least this far
        proven = upper * (1.0 + kernel.BOUND_MARGIN) < outside
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


class _FaissIndexStrategy(LabelStrategy):
    """An approximate faiss index over the current centroids, rebuilt every iteration."""

    def start(self, state, threads):
        import faiss

        super().start(state, threads)
        faiss.omp_set_num_threads(max(1, threads))
        self.faiss = faiss

    def labels(self, X, C, labels, iteration, force_full=False):
        index = self.build(np.ascontiguousarray(C, dtype=np.float32))
        _, found = index.search(X, 1)
        found = found[:, 0].astype(np.int64)
        # faiss returns -1 for a point whose probed lists hold no centroid: score it exactly.
        missing = np.flatnonzero(found < 0)
        if missing.size:
            found[missing] = kernel.exact_labels(X[missing], C)
        return found, False


class IVFStrategy(_FaissIndexStrategy):
    name = "ivf"

    def __init__(self, nlist: int, nprobe: int):
        self.nlist, self.nprobe = nlist, nprobe

    def build(self, C):
        faiss = self.faiss
        nlist = min(self.nlist, C.shape[0])
        quantizer = faiss.IndexFlatL2(C.shape[1])
        index = faiss.IndexIVFFlat(quantizer, C.shape[1], nlist)
        index.cp.min_points_per_centroid = 1  # k centroids train nlist lists; no warning
        index.train(C)
        index.add(C)
        index.nprobe = min(self.nprobe, nlist)
        self._quantizer = quantizer  # the index does not own it
        return index

    def describe(self, j: int = 0) -> dict:
        return {
            "assignment": (
                f"faiss IndexIVFFlat over the current centroids, rebuilt every iteration "
                f"(nlist={self.nlist}, nprobe={self.nprobe})"
            ),
            "nlist": self.nlist,
            "nprobe": self.nprobe,
        }


class HNSWStrategy(_FaissIndexStrategy):
    name = "hnsw"

    def __init__(self, M: int, efSearch: int, efConstruction: int = 40):
        self.M, self.efSearch, self.efConstruction = M, efSearch, efConstruction

    def build(self, C):
        index = self.faiss.IndexHNSWFlat(C.shape[1], self.M)
        index.hnsw.efConstruction = self.efConstruction
        index.add(C)
        index.hnsw.efSearch = self.efSearch
        return index

    def describe(self, j: int = 0) -> dict:
        return {
            "assignment": (
                f"faiss IndexHNSWFlat over the current centroids, rebuilt every iteration "
                f"(M={self.M}, efSearch={self.efSearch}, efConstruction={self.efConstruction})"
            ),
            "M": self.M,
            "efSearch": self.efSearch,
            "efConstruction": self.efConstruction,
        }
