"""Shared initial centroids: greedy k-means++ computed once per (dataset, k, init_id).

Every backend starts a fit of (dataset, k, init_id) from the same centroids, so differences
between backends are their own. This is the algorithm of scikit-learn's ``kmeans_plusplus``
(Arthur & Vassilvitskii's seeding with 2 + log(k) local trials per step), written with numpy so an
init job does not pay for importing scikit-learn.
"""

from __future__ import annotations

import numpy as np

from kmeans_study.io import chunks as row_chunks
from kmeans_study.runtime import Progress

# Bumped when the seeding changes what it picks for a seed: a parameter of the init jobs and of
# every fit (which read the init files as ancient), so a change reruns both.
# 2: scikit-learn's random stream (RandomState draws, float32 distance sums).
# 3: above CANDIDATES_MB a step streams its candidates' distances (float64 sums in chunks); the
#    same picks as 2 below it (every start of the default study).
INIT_VERSION = 3
# A step's candidate distances are held whole up to this size (every study of up to a million
# points or so), else streamed in chunks (``streamed``): the same seeding, its sums in another order.
CANDIDATES_MB = 128


def _sq_dists(X: np.ndarray, x_sq: np.ndarray, C: np.ndarray) -> np.ndarray:
    """Squared distances (n, m) from the rows of X (n, d) to the rows of C (m, d), float64."""
    C = np.asarray(C, dtype=np.float64)
    d = x_sq[:, None] - 2.0 * (X @ C.T).astype(np.float64) + np.einsum("ij,ij->i", C, C)[None, :]
    return np.maximum(d, 0.0)


def kmeans_plusplus(X: np.ndarray, k: int, seed: int, n_local_trials: int | None = None) -> np.ndarray:
    """Greedy k-means++ seeding of one init: ``kmeans_plusplus_many`` with one seed."""
    return kmeans_plusplus_many(X, k, [seed], n_local_trials)[0]


def kmeans_plusplus_many(
    X: np.ndarray, k: int, seeds: list[int], n_local_trials: int | None = None
) -> list[np.ndarray]:
    """Greedy k-means++ seeding of several inits at once, one per seed.

    X : ndarray of shape (n, d), float32 (memory-mapped is fine). Returns one (k, d) float32 array
    per seed, whose rows are rows of X. Each init draws from its own random stream, so init i is
    the same whichever other seeds are computed with it (tested); what is shared is the work:
    every step scores the candidates of all inits in one pass over X, one matrix product per
    chunk of rows, instead of one pass per init.

    The random stream is scikit-learn's: a ``RandomState(seed)`` drawn from exactly as
    ``sklearn.cluster.kmeans_plusplus`` (and ``KMeans(init="k-means++", random_state=seed)``)
    draws from it, with the closest-distance sums kept in float32 as scikit-learn keeps them for
    float32 data. So init ``seed`` picks the same rows as scikit-learn's own seeding with
    ``random_state=seed`` except where float rounding tips a draw (tested on real digits).
    """
    n = X.shape[0]
    if not 1 <= k <= n:
        raise ValueError(f"k={k} must be between 1 and the number of points ({n})")
    m = len(seeds)
    rngs = [np.random.RandomState(seed) for seed in seeds]
    trials = n_local_trials or 2 + int(np.log(k))
    chunks = row_chunks(n)
    x_sq = np.concatenate([np.einsum("ij,ij->i", X[c], X[c], dtype=np.float64) for c in chunks])
    weight = np.ones(n, dtype=np.float32)
    chosen = [[int(rng.choice(n, p=weight / weight.sum()))] for rng in rngs]
    closest = _distances_to_rows(X, x_sq, chunks, [c[0] for c in chosen]).T  # (m, n) float32
    potential = closest @ weight
    progress = Progress()
    for step in range(1, k):
        progress("k-means++ starts: %d of %d centres chosen", step, k)
        candidates = np.empty((m, trials), dtype=np.int64)
        for j, rng in enumerate(rngs):
            draws = rng.uniform(size=trials) * potential[j]
            if potential[j] <= 0:
                # Every point coincides with a chosen centre: pick uniformly among unchosen rows.
                candidates[j] = rng.choice(np.setdiff1d(np.arange(n), chosen[j]), trials)
            else:
                candidates[j] = np.minimum(np.searchsorted(np.cumsum(closest[j]), draws), n - 1)
        if streamed(n, m * trials):
            best, potential = _step_in_chunks(X, x_sq, chunks, candidates, closest)
        else:
            dist = _distances_from_rows(X, x_sq, chunks, candidates.ravel()).reshape(m, trials, n)
            np.minimum(closest[:, None, :], dist, out=dist)
            sums = (dist @ weight[:, None])[:, :, 0]  # (m, trials)
            best = np.argmin(sums, axis=1)
            closest = dist[np.arange(m), best]
            potential = sums[np.arange(m), best]
        for j in range(m):
            chosen[j].append(int(candidates[j, best[j]]))
    return [np.ascontiguousarray(X[np.asarray(c)], dtype=np.float32) for c in chosen]


def streamed(n: int, candidates: int) -> bool:
    """Whether a step's candidate distances (``candidates`` x n float32) are too large to hold
    (above CANDIDATES_MB): then each step reads X twice in chunks instead (``_step_in_chunks``)
    and keeps only the closest distances per point and init."""
    return candidates * n * 4 > CANDIDATES_MB * 1e6


def _step_in_chunks(X: np.ndarray, x_sq: np.ndarray, chunks: list[slice], candidates: np.ndarray,
                    closest: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One greedy k-means++ step of every init, in memory independent of n: a first pass over X
    sums, per init and candidate, the closest distances the candidate would leave (float64 sums
    of the float32 distances, chunk by chunk); a second pass lowers each init's closest distances
    (``closest``, (m, n) float32, in place) to its best candidate's. Returns the best candidate
    of each init (m,) and the potential it leaves (m,)."""
    m, trials = candidates.shape
    distinct = np.unique(candidates)
    C = np.asarray(X[distinct], dtype=np.float32)
    index = np.searchsorted(distinct, candidates)  # (m, trials) columns of C
    sums = np.zeros((m, trials))
    for c in chunks:
        dist = _sq_dists(np.asarray(X[c]), x_sq[c], C).astype(np.float32)  # (R, distinct)
        for j in range(m):
            sums[j] += np.minimum(dist[:, index[j]], closest[j, c][:, None]).sum(axis=0, dtype=np.float64)
    best = np.argmin(sums, axis=1)
    rows = candidates[np.arange(m), best]
    C = np.asarray(X[rows], dtype=np.float32)
    for c in chunks:
        dist = _sq_dists(np.asarray(X[c]), x_sq[c], C).astype(np.float32)  # (R, m)
        np.minimum(closest[:, c], dist.T, out=closest[:, c])
    return best, sums[np.arange(m), best].astype(np.float32)


def _distances_to_rows(X: np.ndarray, x_sq: np.ndarray, chunks: list[slice], rows) -> np.ndarray:
    """Squared distances (n, len(rows)) from every row of X to the rows ``rows`` of X, computed
    in float64 and stored as float32 (as scikit-learn does for float32 data), chunk by chunk so a
    memory-mapped X is read once and never copied whole."""
    distinct = np.unique(rows)  # sorted
    C = np.asarray(X[distinct], dtype=np.float32)
    index = np.searchsorted(distinct, rows)
    out = np.empty((X.shape[0], C.shape[0]), dtype=np.float32)
    for c in chunks:
        out[c] = _sq_dists(np.asarray(X[c]), x_sq[c], C)
    return out[:, index]


def _distances_from_rows(X: np.ndarray, x_sq: np.ndarray, chunks: list[slice], rows) -> np.ndarray:
    """``_distances_to_rows(...).T``, C-contiguous (len(rows), n), the same numbers, written in
    place chunk by chunk: one array of the candidates' distances, where the transpose of the
    other would hold two more (for 8 million points and 12 candidates, 384 MB each)."""
    distinct = np.unique(rows)  # sorted
    C = np.asarray(X[distinct], dtype=np.float32)
    index = np.searchsorted(distinct, rows)
    out = np.empty((len(rows), X.shape[0]), dtype=np.float32)
    for c in chunks:
        out[:, c] = _sq_dists(np.asarray(X[c]), x_sq[c], C)[:, index].T
    return out
