"""Lloyd's k-means for several inits of one k at once: one pass over X per iteration.

Ten inits of one k read the same data ten times per iteration when fitted apart. Here every
iteration scores each chunk of rows against the centroids of all still-running inits in ONE matrix
product, then takes each init's argmin over its own k columns. Each init follows scikit-learn's
Lloyd exactly in what it computes and when it stops:

- labels from the current centres, then new centres as the means of those labels;
- an empty cluster takes the point farthest from its old centre (scikit-learn's relocation);
- stop when the labels did not change ("strict convergence"), or when the total squared centre
  shift is at most ``tol_abs`` (scikit-learn's ``tol`` times the mean feature variance), or after
  ``max_iter`` iterations. ``n_iter`` counts iterations as scikit-learn's ``n_iter_`` does.

An init that stops leaves the shared product, so the pass shrinks as inits finish. The cluster
sums are kept in float64 and updated only for the rows whose label changed. scikit-learn centres a
copy of X first; this does not (the study's data is z-scored, so centred already, and X stays
memory-mapped), which changes float32 rounding only.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix

CHUNK_ROWS = 4096


@dataclass
class FusedFit:
    centroids: np.ndarray  # (k, d) float32
    n_iter: int
    converged: bool
    stopped_by: str  # "labels unchanged", "tolerance" or "max_iter"
    n_relocated: int  # empty clusters refilled over the fit


def _chunks(n: int, rows: int = CHUNK_ROWS) -> list[slice]:
    return [slice(start, min(start + rows, n)) for start in range(0, n, rows)]


def _scores(chunk: np.ndarray, C: np.ndarray, c_sq: np.ndarray, m: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels (rows, m) of a chunk for m inits whose centroids are stacked in C (m*k, d), and each
    point's squared distance to its label's centre minus |x|^2 (rows, m)."""
    scores = (c_sq[None, :] - 2.0 * (chunk @ C.T)).reshape(len(chunk), m, k)
    labels = np.argmin(scores, axis=2)
    return labels, np.take_along_axis(scores, labels[:, :, None], axis=2)[:, :, 0]


def _label_sums(chunk64: np.ndarray, labels: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    """Sum over rows of weights[r] * chunk64[r] into row labels[r] of a (k, d) array."""
    onehot = csr_matrix((weights, (labels, np.arange(len(labels)))), shape=(k, len(labels)))
    return onehot @ chunk64


def fused_lloyd(
    X: np.ndarray, inits: list[np.ndarray], max_iter: int, tol_abs: float, threads: int = 1
) -> list[FusedFit]:
    """Fit one k-means per init. X : (n, d) float32, memory-mapped is fine; inits : (k, d) each.

    The row chunks are split over ``threads`` Python threads (BLAS and numpy release the GIL);
    keep the BLAS pool at one thread per Python thread (the runner does).
    """
    n, d = X.shape
    m_all, k = len(inits), inits[0].shape[0]
    centers = np.stack([np.asarray(c, dtype=np.float32) for c in inits])  # (m, k, d)
    labels = np.full((n, m_all), -1, dtype=np.int64)
    sums = np.zeros((m_all, k, d))
    counts = np.zeros((m_all, k), dtype=np.int64)
    results: list[FusedFit | None] = [None] * m_all
    relocated = np.zeros(m_all, dtype=np.int64)
    active = np.arange(m_all)
    chunks = _chunks(n)
    pool = ThreadPoolExecutor(max_workers=max(1, threads))

    def one_chunk(c: slice, act: np.ndarray, C: np.ndarray, c_sq: np.ndarray):
        chunk = np.asarray(X[c])
        new, _ = _scores(chunk, C, c_sq, len(act), k)
        old = labels[c][:, act]
        delta = np.zeros((len(act), k, d))
        dcount = np.zeros((len(act), k), dtype=np.int64)
        changed_any = np.zeros(len(act), dtype=bool)
        for j in range(len(act)):
            moved = np.flatnonzero(new[:, j] != old[:, j])
            if moved.size == 0:
                continue
            changed_any[j] = True
            rows64 = chunk[moved].astype(np.float64)
            delta[j] += _label_sums(rows64, new[moved, j], np.ones(moved.size), k)
            dcount[j] += np.bincount(new[moved, j], minlength=k)
            was = old[moved, j]
            had = was >= 0
            if had.any():
                delta[j] -= _label_sums(rows64[had], was[had], np.ones(int(had.sum())), k)
                dcount[j] -= np.bincount(was[had], minlength=k)
        return c, new, delta, dcount, changed_any

    try:
        for iteration in range(1, max_iter + 1):
            C = centers[active].reshape(-1, d)
            c_sq = np.einsum("ij,ij->i", C, C)
            changed = np.zeros(len(active), dtype=bool)
            for c, new, delta, dcount, changed_any in pool.map(lambda c: one_chunk(c, active, C, c_sq), chunks):
                sums[active] += delta
                counts[active] += dcount
                changed |= changed_any
                block = labels[c]
                block[:, active] = new
                labels[c] = block
            still = []
            for j, init in enumerate(active):
                new_centers = _centres(X, chunks, labels[:, init], centers[init], sums[init], counts[init])
                relocated[init] += new_centers[1]
                shift = float(((new_centers[0].astype(np.float64) - centers[init]) ** 2).sum())
                centers[init] = new_centers[0]
                if not changed[j]:
                    stop = "labels unchanged"
                elif shift <= tol_abs:
                    stop = "tolerance"
                elif iteration == max_iter:
                    stop = "max_iter"
                else:
                    still.append(init)
                    continue
                results[init] = FusedFit(
                    centers[init].copy(), iteration, stop != "max_iter", stop, int(relocated[init])
                )
            active = np.asarray(still, dtype=np.int64)
            if active.size == 0:
                break
    finally:
        pool.shutdown()
    return results  # type: ignore[return-value]


def _centres(X, chunks, labels, old_centers, sums, counts) -> tuple[np.ndarray, int]:
    """New centres (k, d) float32 from the cluster sums; empty clusters are refilled as
    scikit-learn does: each takes the point farthest from its old centre (that point stays in its
    own cluster's labels, its coordinates move from that cluster's sum to the empty one)."""
    sums, counts = sums.copy(), counts.astype(np.float64).copy()
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        far = np.concatenate([
            ((np.asarray(X[c], dtype=np.float64) - old_centers[labels[c]]) ** 2).sum(axis=1) for c in chunks
        ])
        farthest = np.argpartition(far, -empty.size)[: -empty.size - 1 : -1]
        for cluster, row in zip(empty, farthest):
            x = np.asarray(X[row], dtype=np.float64)
            sums[labels[row]] -= x
            counts[labels[row]] -= 1
            sums[cluster] = x
            counts[cluster] = 1
    # A cluster whose only point was taken to refill another is empty now: it keeps its old centre.
    still_empty = counts == 0
    counts[still_empty] = 1
    sums[still_empty] = old_centers[still_empty]
    return (sums / counts[:, None]).astype(np.float32), int(empty.size)


def evaluate_many(X: np.ndarray, centroid_sets: list[np.ndarray], threads: int = 1):
    """For each set of centroids (k, d): exact labels (n,), inertia on ALL points (float64 sum of
    the squared distances to the assigned centre) and the means of the labelled points (k, d)
    float64 (an empty cluster keeps its centroid), all in one pass over X."""
    n, d = X.shape
    m, k = len(centroid_sets), centroid_sets[0].shape[0]
    C = np.concatenate([np.asarray(c, dtype=np.float32) for c in centroid_sets])
    C64 = C.astype(np.float64).reshape(m, k, d)
    c_sq = np.einsum("ij,ij->i", C, C)
    labels = np.empty((m, n), dtype=np.int64)

    def one_chunk(c: slice):
        chunk = np.asarray(X[c])
        lab, _ = _scores(chunk, C, c_sq, m, k)
        chunk64 = chunk.astype(np.float64)
        inertia = np.empty(m)
        sums = np.empty((m, k, d))
        for j in range(m):
            diff = chunk64 - C64[j][lab[:, j]]
            inertia[j] = np.einsum("ij,ij->", diff, diff)
            sums[j] = _label_sums(chunk64, lab[:, j], np.ones(len(lab)), k)
        return c, lab, inertia, sums

    inertia, sums = np.zeros(m), np.zeros((m, k, d))
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        for c, lab, part_inertia, part_sums in pool.map(one_chunk, _chunks(n)):
            labels[:, c] = lab.T
            inertia += part_inertia
            sums += part_sums
    out = []
    for j in range(m):
        counts = np.bincount(labels[j], minlength=k)
        means = C64[j].copy()
        filled = counts > 0
        means[filled] = sums[j][filled] / counts[filled, None]
        out.append((labels[j], float(inertia[j]), means))
    return out
