"""Lloyd's k-means with a pluggable assignment step, for large k.

At large k the assignment (each point's nearest centroid) is nearly all of an iteration's cost.
This module runs one Lloyd loop, the same for every assignment strategy, so strategies differ
only in how they assign:

- ``ExactAssigner``: every point against every centroid, chunked matrix products (BLAS).
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


def _chunks(n: int, rows: int = CHUNK_ROWS) -> list[slice]:
    return [slice(start, min(start + rows, n)) for start in range(0, n, rows)]


def exact_labels(X: np.ndarray, C: np.ndarray, threads: int = 1) -> np.ndarray:
    """Nearest centroid of every row of X (n, d) among the rows of C (k, d): faiss's exact
    search (``IndexFlatL2``: BLAS products in blocks, a fused argmin), as the faiss backend."""
    import faiss

    faiss.omp_set_num_threads(max(1, threads))
    index = faiss.IndexFlatL2(C.shape[1])
    index.add(np.ascontiguousarray(C, dtype=np.float32))
    _, found = index.search(np.ascontiguousarray(X, dtype=np.float32), 1)
    return found[:, 0].astype(np.int64)


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
    import faiss

    _, near = faiss.knn(C, C, m)
    itself = np.arange(C.shape[0])
    lost = ~(near == itself[:, None]).any(axis=1)  # a duplicate centroid can displace itself
    near[lost, -1] = itself[lost]
    return near.astype(np.int64)


class RestrictedAssigner:
    """Each point against the ``candidates`` centroids nearest its current one (itself included),
    with a full exact pass at iteration 1, every ``refresh`` iterations and when forced."""

    name = "restricted"
    verify_before_stop = True  # a restricted pass may miss a nearer centroid: confirm a stop exactly

    def __init__(self, candidates: int, refresh: int, threads: int = 1):
        self.candidates, self.refresh, self.threads = candidates, refresh, threads

    def assign(self, X, C, labels, iteration, force_full=False):
        k = C.shape[0]
        m = min(self.candidates, k)
        if labels is None or force_full or (self.refresh and (iteration - 1) % self.refresh == 0):
            return exact_labels(X, C, self.threads), True
        C = np.ascontiguousarray(C, dtype=np.float32)
        c_sq = np.einsum("ij,ij->i", C, C)
        near = nearest_centroids(C, m)  # (k, m)
        minus_2cand = -2.0 * C[near].transpose(0, 2, 1)  # (k, d, m)
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
                    scores = X_sorted[lo:hi] @ minus_2cand[j]
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
                f"current centroid; a full exact pass at iteration 1, "
                + (f"every {self.refresh} iterations " if self.refresh else "")
                + "and before stopping"
            ),
            "candidates": self.candidates,
            "refresh": self.refresh,
        }


def _exact_top2(X: np.ndarray, C: np.ndarray, threads: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest centroid of every row of X (exact faiss search), an upper bound on its distance
    and a lower bound on the distance to every other centroid. faiss computes squared distances
    in float32 as |x|^2 + |c|^2 - 2 x.c, whose rounding error grows with the norms: the bounds
    are widened by a generous 1e-5 x (|x|^2 + max |c|^2)."""
    import faiss

    faiss.omp_set_num_threads(max(1, threads))
    X = np.ascontiguousarray(X, dtype=np.float32)
    C = np.ascontiguousarray(C, dtype=np.float32)
    index = faiss.IndexFlatL2(C.shape[1])
    index.add(C)
    D, I = index.search(X, min(2, C.shape[0]))
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

    def _rescore(self, X, C, C64, labels, rows, d_own, chunk=2048):
        import faiss

        m = min(self.candidates, C.shape[0])
        D_near, near = faiss.knn(np.ascontiguousarray(C, dtype=np.float32), np.ascontiguousarray(C, dtype=np.float32), m)
        radius = np.sqrt(np.maximum(D_near[:, -1].astype(np.float64), 0.0))
        itself = np.arange(C.shape[0])
        lost = ~(near == itself[:, None]).any(axis=1)
        near[lost, -1] = itself[lost]
        radius[lost] = 0.0  # duplicates displaced a centroid from its own list: no bound, score fully
        c_sq = np.einsum("ij,ij->i", C64, C64)
        unproven = []
        for start in range(0, rows.size, chunk):
            r = rows[start:start + chunk]
            x = np.asarray(X[r], dtype=np.float64)
            cand = near[labels[r]]  # (c, m)
            sq = np.einsum("cd,cd->c", x, x)[:, None] + c_sq[cand] - 2.0 * np.einsum("cd,cmd->cm", x, C64[cand])
            np.maximum(sq, 0.0, out=sq)
            two = np.argpartition(sq, 1, axis=1)[:, :2]
            first = np.take_along_axis(sq, two, axis=1)
            swap = first[:, 1] < first[:, 0]
            two[swap] = two[swap][:, ::-1]
            first[swap] = first[swap][:, ::-1]
            best, second = np.sqrt(first[:, 0]), np.sqrt(first[:, 1])
            outside = radius[labels[r]] - d_own[start:start + chunk]  # bound on non-candidates
            proven = best * (1 + 1e-6) <= outside
            labels[r[proven]] = cand[np.arange(len(r)), two[:, 0]][proven]
            self.u[r[proven]] = best[proven]
            self.l[r[proven]] = np.minimum(second, outside)[proven]
            unproven.append(r[~proven])
        unproven = np.concatenate(unproven)
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


def _update(X: np.ndarray, labels: np.ndarray, old: np.ndarray) -> tuple[np.ndarray, int]:
    """New centres (k, d) float32 as the means of the labelled points (float64 sums); an empty
    cluster takes the point farthest from its old centre, as scikit-learn does."""
    from kmeans_study.fused import _centres

    k = old.shape[0]
    n = X.shape[0]
    chunks = _chunks(n)
    sums = np.zeros((k, X.shape[1]))
    for c in chunks:
        rows = labels[c]
        onehot = csr_matrix((np.ones(len(rows)), (rows, np.arange(len(rows)))), shape=(k, len(rows)))
        sums += onehot @ np.asarray(X[c], dtype=np.float64)
    counts = np.bincount(labels, minlength=k)
    return _centres(X, chunks, labels, old.astype(np.float64), sums, counts)


def lloyd(X: np.ndarray, init: np.ndarray, assigner, max_iter: int, tol_abs: float) -> ApproxFit:
    """Lloyd's k-means from ``init`` (k, d) with ``assigner``'s assignment step.

    A strategy whose pass was not exact (``RestrictedAssigner``) does not stop on it: the loop
    runs one more iteration with a full exact pass and stops only if that pass confirms.
    """
    C = np.array(init, dtype=np.float32)
    labels = None
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
        changed = labels is None or bool(np.any(new != labels))
        labels = new
        new_C, n_empty = _update(X, labels, C)
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
