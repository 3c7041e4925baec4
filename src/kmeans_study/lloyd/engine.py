"""The one Lloyd loop, for one or several inits of one k, with a pluggable assignment strategy.

Every iteration the strategy assigns the points of every still-running init and keeps their
cluster sums (float64, updated only for the rows whose label changed); the loop then computes
each init's new centres (``core.new_centres``) and stops each init by ``core.stop_reason``. An
init that stops leaves the pass, so the pass shrinks as inits finish.

``ExactStrategy`` is exact Lloyd for any number of inits: one pass over X per iteration scores
each chunk of rows against the centres of all running inits in ONE matrix product, and the
compiled kernel takes each init's exact argmin and moves the rows that changed. With ``prune``,
distance bounds skip the work that provably changes nothing: Elkan's (per point and init, an
upper bound on the distance to its centroid and a lower bound on the distance to each other
centroid) where they fit in ELKAN_MEMORY, else Hamerly's (one lower bound for all the others).
A bound is only trusted with a margin above every rounding error, and whatever the bounds leave
is decided by the same kernel, so the labels, and the iterations, are those of the unpruned pass.

A strategy whose pass may miss the nearest centroid (``verify_before_stop``) does not stop on
it: the next pass is a full exact one, and the fit stops only if that pass confirms.

scikit-learn centres a copy of X first; this does not (the study's data is z-scored, so centred
already, and X stays memory-mapped), which changes float32 rounding only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from kmeans_study.lloyd import kernel
from kmeans_study.lloyd.core import MAX_ITER, LloydFit, centre_shift, chunks, new_centres, stop_reason

# Seconds per distance of the pair-by-pair path (compiled dot products) over the matrix-product
# path, measured on the study's shapes (docs/performance.md): the pruned pass takes the cheaper.
PAIR_COST = 3.0
# A pruned pass whose distances cost more than this share of an unpruned pass's did not pay for
# its bound tests: the next passes skip them (1, 2, 4, then 8 passes while that lasts).
PRUNING_PAYS = 0.7
# Elkan's bounds (8 bytes per point, init and centroid) where they take at most this much memory:
# on the study's shapes they leave 3-5x fewer distances to compute than Hamerly's (measured:
# docs/performance.md); at large k they would not fit, and Hamerly's are kept.
ELKAN_MEMORY = 256 * 2**20


@dataclass
class LloydState:
    """What the loop and its strategy share. X (n, d) float32; centres (m, k, d) float32, the
    current ones, and previous, those the last pass used; labels (m, n) int32 (-1 before the
    first pass); sums (m, k, d) float64 and counts (m, k) of the points labelled in each cluster."""

    X: np.ndarray
    centres: np.ndarray
    previous: np.ndarray
    labels: np.ndarray
    sums: np.ndarray
    counts: np.ndarray

    @classmethod
    def start(cls, X: np.ndarray, inits: list[np.ndarray]) -> LloydState:
        m, (k, d) = len(inits), inits[0].shape
        centres = np.stack([np.asarray(c, dtype=np.float32) for c in inits])
        return cls(X, centres, centres.copy(), np.full((m, X.shape[0]), -1, dtype=np.int32),
                   np.zeros((m, k, d)), np.zeros((m, k), dtype=np.int64))


class Strategy:
    """How a pass assigns the points. ``assign`` labels the points for the running inits ``act``
    (into ``state.labels``, keeping ``state.sums`` / ``state.counts``) and returns which of them
    changed any label, and whether the pass was exact for every point."""

    name = "strategy"
    verify_before_stop = False  # a pass may miss a nearer centroid: confirm a stop exactly
    single_init = True  # fits one init at a time

    def start(self, state: LloydState, threads: int) -> None:
        self.threads = threads

    def assign(self, state: LloydState, act: np.ndarray, iteration: int, force_full: bool) -> tuple[np.ndarray, bool]:
        raise NotImplementedError

    def describe(self, j: int = 0) -> dict:
        """What the strategy did for init j."""
        return {"assignment": self.name}


class LabelStrategy(Strategy):
    """A strategy that produces a whole label array for one init (``labels``); the rows whose
    label changed are moved in the cluster sums here."""

    def labels(self, X: np.ndarray, C: np.ndarray, labels: np.ndarray | None, iteration: int,
               force_full: bool) -> tuple[np.ndarray, bool]:
        """Labels (n,) int64 of X from centroids C (k, d), given the previous labels (None at the
        first pass), and whether the pass was exact."""
        raise NotImplementedError

    def assign(self, state, act, iteration, force_full):
        old = state.labels[0]
        new, exact = self.labels(state.X, state.centres[0], None if iteration == 1 else old.astype(np.int64),
                                 iteration, force_full)
        moved = kernel.move_rows(state.X, old, new, state.sums, state.counts, 0)
        old[:] = new
        return np.array([moved > 0]), exact


class ExactStrategy(Strategy):
    """Exact Lloyd for all inits of one k in one pass over X per iteration, optionally pruned by
    distance bounds (see the module's docstring): Elkan's (a lower bound per point, init and
    centroid) where they fit in ELKAN_MEMORY, else Hamerly's (one per point and init)."""

    single_init = False

    def __init__(self, prune: bool = True):
        self.prune = prune
        self.bounds = kernel.NO_BOUNDS

    @property
    def name(self) -> str:
        family = {kernel.NO_BOUNDS: "", kernel.HAMERLY: ", pruned by Hamerly's bounds",
                  kernel.ELKAN: ", pruned by Elkan's bounds"}
        return "exact" + family[self.bounds]

    def start(self, state, threads):
        super().start(state, threads)
        m, n = state.labels.shape
        k = state.centres.shape[1]
        self.x_sq = kernel.row_norms(state.X)
        if self.prune:
            self.bounds = kernel.ELKAN if m * n * k * 8 <= ELKAN_MEMORY else kernel.HAMERLY
        # Bounds in float64: upper (m, n), and lower (m, n) for Hamerly or lowers (m, n, k) for
        # Elkan; placeholders the kernel never reads otherwise.
        self.upper = np.zeros((m, n) if self.prune else (1, 1))
        self.lower = np.zeros((m, n) if self.bounds == kernel.HAMERLY else (1, 1))
        self.lowers = np.zeros((m, n, k) if self.bounds == kernel.ELKAN else (1, 1, 1))
        self.travel = np.zeros((m, k))  # how far each centroid has moved since the start (Elkan)
        # Point-centroid distances per init: as many as an unpruned pass computes, and computed.
        self.distances, self.computed = np.zeros(m, dtype=np.int64), np.zeros(m, dtype=np.int64)
        self.backoff = self.wait = 0  # passes to run without bound tests (see PRUNING_PAYS)

    def assign(self, state, act, iteration, force_full):
        X = state.X
        m, k, d = len(act), state.centres.shape[1], X.shape[1]
        cents = kernel.Centroids(state.centres[act].reshape(-1, d), k)
        pruning = self.prune and iteration > 1 and self.wait == 0
        self.wait = max(self.wait - 1, 0)
        if pruning:
            drift = np.sqrt(((state.centres[act] - state.previous[act].astype(np.float64)) ** 2).sum(axis=2))
            drift *= 1.0 + cents.slack
            if self.bounds == kernel.ELKAN:
                self.travel[act] += drift
            half_gaps = _half_gaps(state.centres[act], cents.slack)
            half_gap = half_gaps.min(axis=2)
            drift_other = _largest_other(drift)

        def work(slices):
            d_sums, d_counts = np.zeros((m, k, d)), np.zeros((m, k), dtype=np.int64)
            changed = np.zeros(m, dtype=bool)
            # Distances computed per init: by matrix products, and one by one (PAIR_COST each).
            by_product, one_by_one = np.zeros(m, dtype=np.int64), np.zeros(m, dtype=np.int64)
            need = np.empty((m, max(c.stop - c.start for c in slices)), dtype=bool)
            for c in slices:
                Xr, rows, x_sq = X[c], np.arange(c.start, c.stop), self.x_sq[c]
                if pruning and self.bounds == kernel.ELKAN:
                    kernel.elkan_pass(X, c.start, c.stop, self.x_sq, cents.C, cents.c_sq, cents.cmax, cents.gamma, k,
                                      act, state.labels, self.upper, self.lowers, self.travel, drift, half_gap,
                                      half_gaps, d_sums, d_counts, changed, one_by_one)
                    continue
                if pruning:
                    keep, tightened = kernel.prune_rows(X, c.start, c.stop, self.x_sq, cents.C, cents.c_sq, cents.cmax,
                                                        cents.gamma, k, act, state.labels, self.upper, self.lower,
                                                        drift, drift_other, half_gap, need)
                    one_by_one += tightened
                    pairs = need[:, : len(rows)].sum(axis=1)
                    if pairs.sum() * PAIR_COST < keep.size * m:
                        # Few (point, init) pairs left: score just those, init by init.
                        one_by_one += pairs * k
                        kernel.assign_pairs(X, c.start, need[:, : len(rows)], self.x_sq, cents.C, cents.c_sq,
                                            cents.cmax, cents.gamma, k, act, state.labels, self.upper, self.lower,
                                            d_sums, d_counts, changed)
                        continue
                    if keep.size < len(rows):
                        Xr, rows, x_sq = Xr[keep], rows[keep], x_sq[keep]
                by_product += len(rows) * k
                kernel.assign_pass(Xr, rows, x_sq, cents.scores(Xr), cents.C, cents.c_sq, cents.cmax, cents.gamma, k,
                                   act, state.labels, self.upper, self.lower, self.lowers, self.travel, self.bounds,
                                   d_sums, d_counts, changed)
            return d_sums, d_counts, changed, by_product, one_by_one

        changed = np.zeros(m, dtype=bool)
        cost = 0.0
        for d_sums, d_counts, part_changed, by_product, one_by_one in kernel.parallel_chunks(
                X.shape[0], self.threads, work):
            state.sums[act] += d_sums
            state.counts[act] += d_counts
            changed |= part_changed
            self.computed[act] += by_product + one_by_one
            cost += by_product.sum() + PAIR_COST * one_by_one.sum()
        self.distances[act] += X.shape[0] * k
        if pruning:
            pays = cost <= PRUNING_PAYS * X.shape[0] * k * m
            self.backoff = 0 if pays else min(2 * self.backoff or 1, 8)
            self.wait = self.backoff
        return changed, True

    def describe(self, j: int = 0) -> dict:
        out = {"assignment": self.name}
        if self.prune:
            out["distances_skipped_share"] = float(1.0 - self.computed[j] / self.distances[j])
            out["distances_note"] = (
                "share of this init's point-centroid distances that the bounds spared (with Hamerly's "
                "bounds a row may be scored against every running init's centroids by one matrix product)"
            )
        return out


def _half_gaps(centres: np.ndarray, slack: float) -> np.ndarray:
    """Half the distance (m, k, k) between every two centroids of each init (centres (m, k, d)),
    a little below (float64 rounding), infinite on the diagonal: a point nearer its centroid a
    than half_gaps[a, c] is nearer a than c."""
    C = centres.astype(np.float64)
    sq = np.einsum("mkd,mkd->mk", C, C)
    dist = sq[:, :, None] + sq[:, None, :] - 2.0 * np.einsum("mkd,mld->mkl", C, C)
    # |a|^2 + |b|^2 - 2 a.b cancels: bound its float64 error by slack (|a| + |b|)^2.
    norms = np.sqrt(sq)
    dist -= slack * (norms[:, :, None] + norms[:, None, :]) ** 2
    k = centres.shape[1]
    dist[:, np.arange(k), np.arange(k)] = np.inf
    return np.sqrt(np.maximum(dist, 0.0)) / 2


def _largest_other(drift: np.ndarray) -> np.ndarray:
    """For drifts (m, k): the largest drift of the centroids other than each one (m, k)."""
    if drift.shape[1] == 1:
        return np.zeros_like(drift)
    order = np.argsort(drift, axis=1)
    top, second = order[:, -1], order[:, -2]
    rows = np.arange(drift.shape[0])
    out = np.repeat(drift[rows, top][:, None], drift.shape[1], axis=1)
    out[rows, top] = drift[rows, second]
    return out


def lloyd(X: np.ndarray, inits: list[np.ndarray], strategy: Strategy, max_iter: int, tol_abs: float,
          threads: int = 1) -> list[LloydFit]:
    """Lloyd's k-means from each init (k, d) of ``inits`` with ``strategy``'s assignment step.

    X : (n, d) float32, memory-mapped is fine (read chunk by chunk, never copied). ``threads``:
    workers over the row chunks (keep the BLAS pool at one thread each). Returns one fit per init.
    """
    X = kernel.as_float32(X)
    if strategy.single_init and len(inits) != 1:
        raise ValueError(f"the {strategy.name} strategy fits one init at a time, got {len(inits)}")
    state = LloydState.start(X, inits)
    strategy.start(state, threads)
    m = len(inits)
    fits: list[LloydFit | None] = [None] * m
    relocated = np.zeros(m, dtype=np.int64)
    act = np.arange(m)
    force_full = False
    full_passes = 0
    assign_s = update_s = 0.0
    for iteration in range(1, max_iter + 1):
        start = time.perf_counter()
        changed, exact = strategy.assign(state, act, iteration, force_full)
        middle = time.perf_counter()
        full_passes += exact
        still, force_full = [], False
        for jj, j in enumerate(act):
            centres, n_empty = new_centres(X, state.labels[j], state.centres[j], state.sums[j], state.counts[j])
            relocated[j] += n_empty
            shift = centre_shift(centres, state.centres[j])
            state.previous[j], state.centres[j] = state.centres[j], centres
            stop = stop_reason(bool(changed[jj]), shift, tol_abs, iteration, max_iter)
            if stop == MAX_ITER or (stop and (exact or not strategy.verify_before_stop)):
                fits[j] = LloydFit(centres.copy(), state.labels[j].astype(np.int64), iteration, stop,
                                   int(relocated[j]), full_passes)
            else:
                still.append(j)
                force_full = force_full or stop is not None
        assign_s += middle - start
        update_s += time.perf_counter() - middle
        for j in act:
            if fits[j] is not None and not fits[j].details:
                fits[j].assign_s, fits[j].update_s = assign_s, update_s
                fits[j].details = strategy.describe(j)
        act = np.asarray(still, dtype=np.int64)
        if act.size == 0:
            break
    return fits  # type: ignore[return-value]


__all__ = ["ExactStrategy", "LabelStrategy", "LloydState", "Strategy", "chunks", "lloyd"]
