"""The one Lloyd loop, for one or several inits of one k, with a pluggable assignment strategy.

Every iteration the strategy assigns the points of every still-running init and keeps their
cluster sums (float64, updated only for the rows whose label changed); the loop then computes
each init's new centres (``core.new_centres``) and stops each init by ``core.stop_reason``. An
init that stops leaves the pass, so the pass shrinks as inits finish.

The strategies: ``exact_strategy.ExactStrategy`` (exact Lloyd for all inits at once, pruned by
distance bounds), ``bounded`` (exact, one init), ``restricted`` and ``faiss_index``
(approximate). A strategy whose pass may miss the nearest centroid (``verify_before_stop``) does
not stop on it: the next pass is a full exact one, and the fit stops only if that pass confirms.

scikit-learn centres a copy of X first; this does not (the study's data is z-scored, so centred
already, and X stays memory-mapped), which changes float32 rounding only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from kmeans_study.lloyd.common import as_float32, move_rows
from kmeans_study.lloyd.core import MAX_ITER, LloydFit, centre_shift, iteration_progress, new_centres, stop_reason
from kmeans_study.runtime import Progress


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
    def start(cls, X: np.ndarray, starts: list[np.ndarray]) -> LloydState:
        m, (k, d) = len(starts), starts[0].shape
        centres = np.stack([np.asarray(c, dtype=np.float32) for c in starts])
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
        moved = move_rows(state.X, old, new, state.sums, state.counts, 0)
        old[:] = new
        return np.array([moved > 0]), exact


def lloyd(X: np.ndarray, starts: list[np.ndarray], strategy: Strategy, max_iter: int, tol_abs: float,
          threads: int = 1) -> list[LloydFit]:
    """Lloyd's k-means from each start (k, d) of ``starts`` (one per init) with ``strategy``'s assignment step.

    X : (n, d) float32, memory-mapped is fine (read chunk by chunk, never copied). ``threads``:
    workers over the row chunks (keep the BLAS pool at one thread each). Returns one fit per init.
    """
    X = as_float32(X)
    if strategy.single_init and len(starts) != 1:
        raise ValueError(f"the {strategy.name} strategy fits one init at a time, got {len(starts)}")
    state = LloydState.start(X, starts)
    strategy.start(state, threads)
    m = len(starts)
    fits: list[LloydFit | None] = [None] * m
    relocated = np.zeros(m, dtype=np.int64)
    act = np.arange(m)
    force_full = False
    full_passes = 0
    assign_s = update_s = 0.0
    progress = Progress()
    for iteration in range(1, max_iter + 1):
        start = time.perf_counter()
        changed, exact = strategy.assign(state, act, iteration, force_full)
        middle = time.perf_counter()
        full_passes += exact
        still, force_full, largest_shift = [], False, 0.0
        for jj, j in enumerate(act):
            centres, n_empty = new_centres(X, state.labels[j], state.centres[j], state.sums[j], state.counts[j])
            relocated[j] += n_empty
            shift = centre_shift(centres, state.centres[j])
            largest_shift = max(largest_shift, shift)
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
        inits = f", {act.size} of {m} inits running" if m > 1 else ""
        progress(iteration_progress(iteration, largest_shift, tol_abs, max_iter) + inits)
    return fits  # type: ignore[return-value]


__all__ = ["LabelStrategy", "LloydState", "Strategy", "lloyd"]
