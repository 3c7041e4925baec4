"""Exact Lloyd for all inits of one k together, optionally pruned by distance bounds.

One pass over X per iteration scores each chunk of rows against the centres of all running inits
in ONE matrix product, and the compiled kernel (``exact.assign_pass``) takes each init's exact
argmin and moves the rows that changed. With ``prune``, distance bounds skip the work that
provably changes nothing: Elkan's (per point and init, an upper bound on the distance to its
centroid and a lower bound on the distance to each other centroid; ``elkan``) where they fit in
ELKAN_MEMORY, else Hamerly's (one lower bound for all the others; ``hamerly``). A bound is only
trusted with a margin above every rounding error, and whatever the bounds leave is decided by
the same kernel, so the labels, and the iterations, are those of the unpruned pass.
"""

from __future__ import annotations

import numpy as np

from kmeans_study.lloyd.common import (
    ELKAN,
    HAMERLY,
    NO_BOUNDS,
    Bounds,
    Drift,
    Tally,
    centroids,
    parallel_chunks,
    row_norms,
)
from kmeans_study.lloyd.elkan import elkan_pass
from kmeans_study.lloyd.engine import LloydState, Strategy
from kmeans_study.lloyd.exact import assign_pass
from kmeans_study.lloyd.hamerly import assign_pairs, prune_rows

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


class ExactStrategy(Strategy):
    """Exact Lloyd for all inits of one k in one pass over X per iteration, optionally pruned by
    distance bounds (see the module's docstring)."""

    single_init = False

    def __init__(self, prune: bool = True):
        self.prune = prune
        self.kind = NO_BOUNDS

    @property
    def name(self) -> str:
        family = {NO_BOUNDS: "", HAMERLY: ", pruned by Hamerly's bounds", ELKAN: ", pruned by Elkan's bounds"}
        return "exact" + family[self.kind]

    def start(self, state, threads):
        super().start(state, threads)
        m, n = state.labels.shape
        k = state.centres.shape[1]
        self.x_sq = row_norms(state.X)
        if self.prune:
            self.kind = ELKAN if m * n * k * 8 <= ELKAN_MEMORY else HAMERLY
        # Arrays the kernels never read for this kind of bounds are placeholders.
        self.bounds = Bounds(
            upper=np.zeros((m, n) if self.prune else (1, 1)),
            lower=np.zeros((m, n) if self.kind == HAMERLY else (1, 1)),
            lowers=np.zeros((m, n, k) if self.kind == ELKAN else (1, 1, 1)),
            travel=np.zeros((m, k)),
        )
        # Point-centroid distances per init: as many as an unpruned pass computes, and computed.
        self.distances, self.computed = np.zeros(m, dtype=np.int64), np.zeros(m, dtype=np.int64)
        self.backoff = self.wait = 0  # passes to run without bound tests (see PRUNING_PAYS)

    def assign(self, state, act, iteration, force_full):
        X = state.X
        m, k, d = len(act), state.centres.shape[1], X.shape[1]
        cents = centroids(state.centres[act].reshape(-1, d), k)
        pruning = self.prune and iteration > 1 and self.wait == 0
        self.wait = max(self.wait - 1, 0)
        drift = self._drift(state, act, cents.slack) if pruning else None
        changed = np.zeros(m, dtype=bool)
        cost = 0.0
        for tally, by_product in parallel_chunks(
                X.shape[0], self.threads, lambda slices: self._pass(state, act, cents, drift, slices)):
            state.sums[act] += tally.sums
            state.counts[act] += tally.counts
            changed |= tally.changed
            self.computed[act] += by_product + tally.computed
            cost += by_product.sum() + PAIR_COST * tally.computed.sum()
        self.distances[act] += X.shape[0] * k
        if pruning:
            pays = cost <= PRUNING_PAYS * X.shape[0] * k * m
            self.backoff = 0 if pays else min(2 * self.backoff or 1, 8)
            self.wait = self.backoff
        return changed, True

    def _drift(self, state: LloydState, act: np.ndarray, slack: float) -> Drift:
        """How the running inits' centroids moved since the last pass (Elkan's travel grows by it)."""
        drift = np.sqrt(((state.centres[act] - state.previous[act].astype(np.float64)) ** 2).sum(axis=2))
        drift *= 1.0 + slack
        if self.kind == ELKAN:
            self.bounds.travel[act] += drift
        half_gaps = _half_gaps(state.centres[act], slack)
        return Drift(drift, _largest_other(drift), half_gaps, half_gaps.min(axis=2))

    def _pass(self, state: LloydState, act: np.ndarray, cents, drift: Drift | None, slices: list[slice]):
        """One thread's share of a pass: the chunks ``slices`` of X. Returns its tally and the
        distances computed per init by matrix products (those one by one are in the tally)."""
        X, labels, bounds = state.X, state.labels, self.bounds
        m, k = len(act), cents.k
        tally = Tally.zeros(m, k, X.shape[1])
        by_product = np.zeros(m, dtype=np.int64)
        need = np.empty((m, max(c.stop - c.start for c in slices)), dtype=bool)
        for c in slices:
            if drift is not None and self.kind == ELKAN:
                elkan_pass(X, c.start, c.stop, self.x_sq, cents, act, labels, bounds, drift, tally)
                continue
            Xr, rows, x_sq = X[c], np.arange(c.start, c.stop), self.x_sq[c]
            if drift is not None:
                keep, tightened = prune_rows(X, c.start, c.stop, self.x_sq, cents, act, labels, bounds, drift, need)
                tally.computed[:] += tightened
                pairs = need[:, : len(rows)].sum(axis=1)
                if pairs.sum() * PAIR_COST < keep.size * m:
                    # Few (point, init) pairs left: score just those, init by init.
                    tally.computed[:] += pairs * k
                    assign_pairs(X, c.start, need[:, : len(rows)], self.x_sq, cents, act, labels, bounds, tally)
                    continue
                if keep.size < len(rows):
                    Xr, rows, x_sq = Xr[keep], rows[keep], x_sq[keep]
            by_product += len(rows) * k
            assign_pass(Xr, rows, x_sq, cents.scores(Xr), cents, act, labels, bounds, self.kind, tally)
        return tally, by_product

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
