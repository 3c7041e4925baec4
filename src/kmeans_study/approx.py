"""Lloyd's k-means with a pluggable assignment step, for large k.

At large k the assignment (each point's nearest centroid) is nearly all of an iteration's cost.
This module runs one Lloyd loop, the same for every assignment strategy, so strategies differ
only in how they assign:

- ``ExactAssigner``: every point against every centroid (faiss ``IndexFlatL2``, BLAS products).
- ``BoundedAssigner``: exact, scoring only the points whose distance bounds do not prove them settled.
- ``IVFAssigner``: the reference's approximate search, a faiss ``IndexIVFFlat`` built over the
  current centroids every iteration (``nlist`` lists, ``nprobe`` probed).
- ``HNSWAssigner``: a faiss ``IndexHNSWFlat`` graph over the current centroids (``M``, ``efSearch``).
- ``RestrictedAssigner``: each point is scored only against the ``candidates`` centroids nearest
  its current centroid. The points of one cluster share their candidate list, so a cluster's
  scores are one small matrix product (still BLAS), and the work per iteration is
  ``n * candidates * d`` instead of ``n * k * d``. Every ``refresh`` iterations, and whenever
  the loop would stop, the pass is a full exact one, so drift is bounded and a fit only stops on
  a state an exact pass confirms.

The loop is scikit-learn's Lloyd (as ``kmeans_study.fused``): labels from the current centres,
new centres as the means, an empty cluster takes the point farthest from its old centre; stop
when the labels did not change, or when the squared centre shift is at most ``tol_abs``, or
after ``max_iter`` iterations.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix

from kmeans_study.fused import _centres, _chunks

CHUNK_ROWS = 8192


@dataclass
class ApproxFit:
    centroids: np.ndarray  # (k, d) float32
    labels: np.ndarray  # (n,) int64: the strategy's own last assignment (before the last update)
    n_iter: int
    converged: bool
    stopped_by: str  # "labels unchanged", "tolerance" or "max_iter"
    n_relocated: int
    n_full_passes: int  # assignment passes that scored every centroid
    assign_s: float  # seconds in the assignment step
    update_s: float  # seconds in the centre update
    details: dict = field(default_factory=dict)


def _knn(Q: np.ndarray, C: np.ndarray, m: int, threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """faiss's exact search: squared distances (q, m) and indices (q, m) of the m rows of C
    nearest each row of Q (``IndexFlatL2``: BLAS products in blocks, a heap per row)."""
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


def exact_labels(X: np.ndarray, C: np.ndarray, threads: int = 1) -> np.ndarray:
    """Nearest centroid of every row of X (n, d) among the rows of C (k, d): faiss's exact
    search, as the faiss backend."""
    return _knn(X, C, 1, threads)[1][:, 0].astype(np.int64)


class ExactAssigner:
    """Every point against every centroid."""

    name = "exact"

    def __init__(self, threads: int = 1):
        self.threads = threads

    def assign(self, X, C, labels, iteration, force_full=False):
        return exact_labels(X, C, self.threads), True

    def describe(self) -> dict:
        return {"assignment": "exact: faiss IndexFlatL2, every point against every centroid"}


def nearest_centroids(C: np.ndarray, m: int) -> np.ndarray:
    """The m centroids nearest each centroid (k, m), itself always among them: faiss's exact
    k-NN (a BLAS product and a heap per row; numpy's argpartition over k x k is 20x slower)."""
    near = _knn(C, C, m)[1].astype(np.int64)
    _listing_itself(near, np.arange(C.shape[0]))
    return near


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


class RestrictedAssigner:
    """Each point against the ``candidates`` centroids nearest its current one (itself included),
    with a full exact pass at iteration 1, every ``refresh`` iterations and when forced."""

    name = "restricted"
    verify_before_stop = True  # a restricted pass may miss a nearer centroid: confirm a stop exactly

    def __init__(self, candidates: int, refresh: int, threads: int = 1, lists_every: int = 1):
        self.candidates, self.refresh, self.threads = candidates, refresh, threads
        self.lists_every = lists_every  # > 1: candidate lists kept that many passes, even if stale
        self._lists = None  # (centroids they were computed at, lists (k, m), margin (k,))
        self._lists_age = 0
        self.lists_recomputed = 0

    def candidate_lists(self, C: np.ndarray, m: int) -> np.ndarray:
        """The m centroids nearest each centroid, recomputed only for centroids whose list may
        have changed. Lists computed at centroids C0 hold at C while no distance from centroid j
        changed by more than half the gap between its m-th and (m+1)-th neighbour distances; a
        distance changes by at most drift(j) + max drift (triangle inequality)."""
        k = C.shape[0]
        if m >= k:
            return np.broadcast_to(np.arange(k), (k, k))
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

    def assign(self, X, C, labels, iteration, force_full=False):
        k = C.shape[0]
        m = min(self.candidates, k)
        if labels is None or force_full or (self.refresh and (iteration - 1) % self.refresh == 0):
            return exact_labels(X, C, self.threads), True
        C = np.ascontiguousarray(C, dtype=np.float32)
        c_sq = np.einsum("ij,ij->i", C, C)
        near = self.candidate_lists(C, m)  # (k, m)
        minus_2c = -2.0 * C
        cand_sq = c_sq[near]  # (k, m)
        # Group the points by their current cluster (a radix sort: labels fit in 16 or 32 bits).
        small = labels.astype(np.uint16 if k <= 1 << 16 else np.uint32)
        order = np.argsort(small, kind="stable")
        sorted_labels = labels[order]
        bounds = np.searchsorted(sorted_labels, np.arange(k + 1))
        X_sorted = np.asarray(X)[order]
        local = np.empty(len(order), dtype=np.int64)  # index into the row's candidate list

        def clusters(js):
            for j in js:
                lo, hi = bounds[j], bounds[j + 1]
                if lo < hi:
                    scores = X_sorted[lo:hi] @ minus_2c[near[j]].T
                    scores += cand_sq[j]
                    local[lo:hi] = np.argmin(scores, axis=1)

        groups = np.array_split(np.arange(k), max(1, self.threads))
        with ThreadPoolExecutor(max_workers=max(1, self.threads)) as pool:
            list(pool.map(clusters, groups))
        new = np.empty_like(local)
        new[order] = near[sorted_labels, local]
        return new, False

    def describe(self) -> dict:
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


def _exact_top2(X: np.ndarray, C: np.ndarray, threads: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest centroid of every row of X (exact faiss search), an upper bound on its distance
    and a lower bound on the distance to every other centroid. faiss computes squared distances
    in float32 as |x|^2 + |c|^2 - 2 x.c, whose rounding error grows with the norms: the bounds
    are widened by a generous 1e-5 x (|x|^2 + max |c|^2)."""
    X = np.ascontiguousarray(X, dtype=np.float32)
    C = np.ascontiguousarray(C, dtype=np.float32)
    D, I = _knn(X, C, min(2, C.shape[0]), threads)
    D = D.astype(np.float64)
    error = 1e-5 * (np.einsum("ij,ij->i", X, X, dtype=np.float64) + float(np.einsum("ij,ij->i", C, C).max()))
    upper = np.sqrt(np.maximum(D[:, 0], 0.0) + error)
    lower = np.sqrt(np.maximum(D[:, 1] - error, 0.0)) if D.shape[1] > 1 else np.full(len(D), np.inf)
    return I[:, 0].astype(np.int64), upper, lower


class BoundedAssigner:
    """Exact assignment that scores few points: the restricted candidates made exact by
    triangle-inequality bounds (Hamerly's, with a neighbourhood bound for the centroids outside a
    point's candidates).

    Every point keeps an upper bound ``u`` on its distance to its centroid and a lower bound ``l``
    on its distance to every other centroid. After an update, ``u`` grows by its centroid's drift
    and ``l`` shrinks by the largest drift; a point with ``u <= l`` cannot change cluster and is
    skipped. Any other point is scored against the ``candidates`` centroids nearest its centroid
    ``a``; every centroid outside them is at least ``r(a)`` (the farthest candidate's distance)
    from ``a``, so at least ``r(a) - d(x, a)`` from the point. When the best candidate is closer
    than that, it is the exact nearest centroid; otherwise the point is scored against all
    centroids. Every pass is exact, so the fit is exact Lloyd (up to float rounding near ties)."""

    name = "bounded"
    verify_before_stop = False

    full_pass_share = 0.3  # more points than this share to score: one exact pass instead

    def __init__(self, candidates: int, threads: int = 1):
        self.candidates, self.threads = max(2, candidates), threads
        self.rows_scored = self.rows_skipped = self.rows_full = self.full_passes = 0
        self._for = None

    def assign(self, X, C, labels, iteration, force_full=False):
        C64 = np.asarray(C, dtype=np.float64)
        if labels is None or self._for is not X:
            found, self.u, self.l = _exact_top2(X, C, self.threads)
            self.previous, self._for = C64, X
            self.full_passes += 1
            return found, True
        drift = np.sqrt(((C64 - self.previous) ** 2).sum(axis=1))
        self.previous = C64
        u, l = self.u, self.l
        u += drift[labels]
        l -= drift.max()
        labels = labels.copy()
        slack = 1e-6  # relative: float32 distances round; a point this close to its bound is rescored
        rows = np.flatnonzero(u * (1 + slack) > l)
        self.rows_skipped += len(labels) - rows.size
        if rows.size:
            own = np.asarray(X[rows], dtype=np.float64)
            d_own = np.sqrt(((own - C64[labels[rows]]) ** 2).sum(axis=1))
            u[rows] = d_own
            keep = d_own * (1 + slack) > l[rows]
            rows, d_own = rows[keep], d_own[keep]
        if rows.size:
            self.rows_scored += rows.size
            self._rescore(X, C, C64, labels, rows, d_own)
        return labels, False

    def _rescore(self, X, C, C64, labels, rows, d_own):
        """New labels and bounds of ``rows``; ``d_own`` their distances to their centroids."""
        if rows.size > self.full_pass_share * len(labels):
            # Most points need scoring (early iterations): one exact pass is cheaper.
            self.full_passes += 1
            labels[:], self.u, self.l = _exact_top2(X, C, self.threads)
            return
        m = min(self.candidates, C.shape[0])
        C32 = np.ascontiguousarray(C, dtype=np.float32)
        D_near, near = _knn(C32, C32, m, self.threads)
        radius = np.sqrt(np.maximum(D_near[:, -1].astype(np.float64), 0.0))
        radius[_listing_itself(near, np.arange(C.shape[0]))] = 0.0  # duplicates displaced a centroid from its own list: no bound, score fully
        c_sq = np.einsum("ij,ij->i", C32, C32)
        error_c = float(c_sq.max())
        # The points grouped by cluster: the points of a cluster share their candidates, so each
        # group is one small float32 matrix product (BLAS).
        order = np.argsort(labels[rows], kind="stable")
        rows = rows[order]
        d_own = d_own[order]
        clusters, starts = np.unique(labels[rows], return_index=True)
        ends = np.append(starts[1:], rows.size)
        x = np.asarray(X[rows], dtype=np.float32)
        x_sq = np.einsum("ij,ij->i", x, x, dtype=np.float64)
        best_sq = np.empty(rows.size)
        second_sq = np.empty(rows.size)
        best = np.empty(rows.size, dtype=np.int64)
        for j, lo, hi in zip(clusters, starts, ends):
            cand = near[j]
            scores = x[lo:hi] @ (-2.0 * C32[cand]).T
            scores += c_sq[cand]
            two = np.argpartition(scores, 1, axis=1)[:, :2]
            pair = np.take_along_axis(scores, two, axis=1)
            flip = pair[:, 1] < pair[:, 0]
            first = np.where(flip, two[:, 1], two[:, 0])
            best[lo:hi] = cand[first]
            best_sq[lo:hi] = pair.min(axis=1)
            second_sq[lo:hi] = pair.max(axis=1)
        # float32 scores |c|^2 - 2 x.c: bounds widened by their rounding error (see _exact_top2).
        error = 1e-5 * (x_sq + error_c)
        upper = np.sqrt(np.maximum(best_sq + x_sq, 0.0) + error)
        second = np.sqrt(np.maximum(second_sq + x_sq - error, 0.0))
        outside = radius[labels[rows]] - d_own  # every non-candidate is at least this far
        proven = upper <= outside
        labels[rows[proven]] = best[proven]
        self.u[rows[proven]] = upper[proven]
        self.l[rows[proven]] = np.minimum(second, outside)[proven]
        unproven = rows[~proven]
        if unproven.size:
            self.rows_full += unproven.size
            found, self.u[unproven], self.l[unproven] = _exact_top2(np.asarray(X[unproven]), C, self.threads)
            labels[unproven] = found

    def describe(self) -> dict:
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


class _FaissIndexAssigner:
    """An approximate faiss index over the current centroids, rebuilt every iteration."""

    def __init__(self, threads: int = 1):
        import faiss

        faiss.omp_set_num_threads(max(1, threads))
        self.faiss = faiss

    def assign(self, X, C, labels, iteration, force_full=False):
        index = self.build(np.ascontiguousarray(C, dtype=np.float32))
        _, found = index.search(np.ascontiguousarray(X, dtype=np.float32), 1)
        found = found[:, 0].astype(np.int64)
        # faiss returns -1 for a point whose probed lists hold no centroid: score it exactly.
        missing = np.flatnonzero(found < 0)
        if missing.size:
            found[missing] = exact_labels(np.asarray(X)[missing], C)
        return found, False


class IVFAssigner(_FaissIndexAssigner):
    name = "ivf"

    def __init__(self, nlist: int, nprobe: int, threads: int = 1):
        super().__init__(threads)
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

    def describe(self) -> dict:
        return {
            "assignment": (
                f"faiss IndexIVFFlat over the current centroids, rebuilt every iteration "
                f"(nlist={self.nlist}, nprobe={self.nprobe})"
            ),
            "nlist": self.nlist,
            "nprobe": self.nprobe,
        }


class HNSWAssigner(_FaissIndexAssigner):
    name = "hnsw"

    def __init__(self, M: int, efSearch: int, efConstruction: int = 40, threads: int = 1):
        super().__init__(threads)
        self.M, self.efSearch, self.efConstruction = M, efSearch, efConstruction

    def build(self, C):
        index = self.faiss.IndexHNSWFlat(C.shape[1], self.M)
        index.hnsw.efConstruction = self.efConstruction
        index.add(C)
        index.hnsw.efSearch = self.efSearch
        return index

    def describe(self) -> dict:
        return {
            "assignment": (
                f"faiss IndexHNSWFlat over the current centroids, rebuilt every iteration "
                f"(M={self.M}, efSearch={self.efSearch}, efConstruction={self.efConstruction})"
            ),
            "M": self.M,
            "efSearch": self.efSearch,
            "efConstruction": self.efConstruction,
        }


def _label_sums(X: np.ndarray, rows: np.ndarray | None, labels: np.ndarray, k: int) -> np.ndarray:
    """Sum (k, d) float64 of the rows ``rows`` of X (all rows when None) into their labels."""
    sums = np.zeros((k, X.shape[1]))
    n = X.shape[0] if rows is None else rows.size
    for c in _chunks(n, CHUNK_ROWS):
        part = np.asarray(X[c] if rows is None else X[rows[c]], dtype=np.float64)
        lab = labels[c]
        onehot = csr_matrix((np.ones(len(lab)), (lab, np.arange(len(lab)))), shape=(k, len(lab)))
        sums += onehot @ part
    return sums


class _ClusterSums:
    """Cluster sums and counts kept across iterations, updated only for the points whose label
    changed (late iterations move few points, so the update costs little)."""

    def __init__(self, X: np.ndarray, labels: np.ndarray, k: int):
        self.X, self.k = X, k
        self.sums = _label_sums(X, None, labels, k)
        self.counts = np.bincount(labels, minlength=k)

    def move(self, old: np.ndarray, new: np.ndarray) -> int:
        moved = np.flatnonzero(old != new)
        if moved.size:
            self.sums += _label_sums(self.X, moved, new[moved], self.k)
            self.sums -= _label_sums(self.X, moved, old[moved], self.k)
            self.counts += np.bincount(new[moved], minlength=self.k) - np.bincount(old[moved], minlength=self.k)
        return int(moved.size)

    def centres(self, labels: np.ndarray, old: np.ndarray) -> tuple[np.ndarray, int]:
        """New centres (k, d) float32 as the means of the labelled points; an empty cluster
        takes the point farthest from its old centre, as scikit-learn does."""
        return _centres(self.X, _chunks(self.X.shape[0], CHUNK_ROWS), labels, old.astype(np.float64), self.sums, self.counts)


def lloyd(X: np.ndarray, init: np.ndarray, assigner, max_iter: int, tol_abs: float) -> ApproxFit:
    """Lloyd's k-means from ``init`` (k, d) with ``assigner``'s assignment step.

    A strategy whose pass was not exact (``RestrictedAssigner``) does not stop on it: the loop
    runs one more iteration with a full exact pass and stops only if that pass confirms.
    """
    C = np.array(init, dtype=np.float32)
    labels = sums = None
    relocated = full_passes = 0
    assign_s = update_s = 0.0
    force_full = False
    stop = "max_iter"
    iteration = 0
    for iteration in range(1, max_iter + 1):
        t0 = time.perf_counter()
        new, was_full = assigner.assign(X, C, labels, iteration, force_full)
        t1 = time.perf_counter()
        full_passes += was_full
        if labels is None:
            sums = _ClusterSums(X, new, C.shape[0])
            changed = True
        else:
            changed = sums.move(labels, new) > 0
        labels = new
        new_C, n_empty = sums.centres(labels, C)
        relocated += n_empty
        shift = float(((new_C.astype(np.float64) - C) ** 2).sum())
        C = new_C
        update_s += time.perf_counter() - t1
        assign_s += t1 - t0
        verified = was_full or not getattr(assigner, "verify_before_stop", False)
        wants_stop = "labels unchanged" if not changed else "tolerance" if shift <= tol_abs else None
        if wants_stop and verified:
            stop = wants_stop
            break
        force_full = wants_stop is not None
    return ApproxFit(
        centroids=C,
        labels=labels,
        n_iter=iteration,
        converged=stop != "max_iter",
        stopped_by=stop,
        n_relocated=relocated,
        n_full_passes=full_passes,
        assign_s=assign_s,
        update_s=update_s,
        details=assigner.describe(),
    )
