"""The rules of Lloyd's algorithm that every engine shares (numpy only).

scikit-learn's Lloyd (``sklearn.cluster._kmeans._kmeans_single_lloyd``) is the reference:

- labels from the current centres, then new centres as the means of those labels;
- an empty cluster takes the point farthest from its old centre (``new_centres``);
- stop when the labels did not change ("labels unchanged", scikit-learn's "strict convergence"),
  else when the total squared centre shift is at most ``tol_abs`` ("tolerance"), else after
  ``max_iter`` iterations; ``n_iter`` is the number of iterations run (``stop_reason``);
- ``tol_abs`` is scikit-learn's: ``tol`` times the mean per-feature variance of X (``absolute_tol``).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

import numpy as np

from kmeans_study.io import chunks

LABELS_UNCHANGED, TOLERANCE, MAX_ITER = "labels unchanged", "tolerance", "max_iter"


def stop_reason(labels_changed: bool, shift: float, tol_abs: float, iteration: int, max_iter: int) -> str | None:
    """Why Lloyd stops after ``iteration`` (1-based), or None to go on.

    ``labels_changed``: whether this iteration's labels differ from the previous iteration's (at
    iteration 1 they always do). ``shift``: total squared distance between the centres before and
    after this iteration's update. ``tol_abs``: scikit-learn's absolute tolerance (``tol`` times the
    mean feature variance). The order of the tests is scikit-learn's."""
    if not labels_changed:
        return LABELS_UNCHANGED
    if shift <= tol_abs:
        return TOLERANCE
    if iteration >= max_iter:
        return MAX_ITER
    return None


def absolute_tol(X: np.ndarray, tol: float) -> float:
    """scikit-learn's tolerance: ``tol`` times the mean per-feature variance of X (n, d).

    Two chunked passes in float64 (the mean, then the squared deviations as one BLAS dot per
    chunk), so a memory-mapped X is never copied whole; remembered per array for the job's life.
    """
    if tol == 0:
        return 0.0
    cached = _VARIANCE.get(id(X))
    if cached is None or cached[0]() is not X:
        cached = (weakref.ref(X), _mean_feature_variance(X))
        _VARIANCE[id(X)] = cached
    return float(cached[1] * tol)


_VARIANCE: dict[int, tuple] = {}


def _mean_feature_variance(X: np.ndarray) -> float:
    n, d = X.shape
    parts = chunks(n)
    mean = sum(np.asarray(X[c]).sum(axis=0, dtype=np.float64) for c in parts) / n
    total = 0.0
    for c in parts:
        dev = np.asarray(X[c], dtype=np.float64)
        dev -= mean
        dev = dev.ravel()
        total += float(dev @ dev)
    return total / (n * d)



def iteration_progress(iteration: int, shift: float, tol_abs: float, max_iter: int) -> str:
    """How far a Lloyd loop has got, as its progress line says it (``runtime.Progress``): the
    iteration of at most ``max_iter`` and the centre shift beside the tolerance it stops at (at
    tolerance 0 only unchanged labels stop it)."""
    stops = f" (stops at {tol_abs:.3g})" if tol_abs > 0 else ""
    return f"iteration {iteration} (at most {max_iter}), centre shift {shift:.3g}{stops}"

def centre_shift(new: np.ndarray, old: np.ndarray) -> float:
    """Total squared distance (float64) between two sets of centres (k, d)."""
    diff = np.asarray(new, dtype=np.float64) - old
    return float(np.einsum("ij,ij->", diff, diff))


def new_centres(X: np.ndarray, labels: np.ndarray, old: np.ndarray, sums: np.ndarray, counts: np.ndarray
                ) -> tuple[np.ndarray, int]:
    """New centres (k, d) float32 from the cluster sums (k, d) float64 and counts (k,) of the
    points labelled ``labels`` (n,), with scikit-learn's relocation of empty clusters.

    Each empty cluster takes the point farthest from its old centre (``old`` (k, d)); that point
    keeps its label, but for this update its coordinates move from its cluster's sum to the empty
    one's (so the caller's ``sums`` and ``counts`` are not modified). A cluster emptied by giving
    away its only point keeps its old centre. Returns the centres and the number of empty clusters.
    """
    empty = np.flatnonzero(counts == 0)
    if empty.size == 0:
        return (sums / counts[:, None]).astype(np.float32), 0
    sums, counts = sums.copy(), counts.astype(np.float64)
    old64 = np.asarray(old, dtype=np.float64)
    far = np.concatenate([
        ((np.asarray(X[c], dtype=np.float64) - old64[labels[c]]) ** 2).sum(axis=1) for c in chunks(X.shape[0])
    ])
    farthest = np.argpartition(far, -empty.size)[: -empty.size - 1 : -1]
    for cluster, row in zip(empty, farthest):
        x = np.asarray(X[row], dtype=np.float64)
        sums[labels[row]] -= x
        counts[labels[row]] -= 1
        sums[cluster] = x
        counts[cluster] = 1
    still_empty = counts == 0
    counts[still_empty] = 1
    sums[still_empty] = old64[still_empty]
    return (sums / counts[:, None]).astype(np.float32), int(empty.size)


@dataclass
class LloydFit:
    """One init's fit. ``labels``: the strategy's own last assignment (from the centres before the
    last update); ``n_full_passes``: assignment passes that scored every point exactly."""

    centroids: np.ndarray  # (k, d) float32
    labels: np.ndarray  # (n,) int64
    n_iter: int
    stopped_by: str  # LABELS_UNCHANGED, TOLERANCE or MAX_ITER
    n_relocated: int  # empty clusters refilled over the fit
    n_full_passes: int
    assign_s: float = 0.0  # seconds in the assignment step (shared by the inits fitted together)
    update_s: float = 0.0  # seconds in the centre update
    details: dict = field(default_factory=dict)

    @property
    def converged(self) -> bool:
        return self.stopped_by != MAX_ITER
