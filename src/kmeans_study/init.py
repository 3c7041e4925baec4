"""Shared initial centroids: greedy k-means++ computed once per (dataset, k, init_id).

Every backend starts a fit of (dataset, k, init_id) from the same centroids, so differences
between backends are their own. This is the algorithm of scikit-learn's ``kmeans_plusplus``
(Arthur & Vassilvitskii's seeding with 2 + log(k) local trials per step), written with numpy so an
init job does not pay for importing scikit-learn.
"""

from __future__ import annotations

import numpy as np


def _sq_dists(X: np.ndarray, x_sq: np.ndarray, C: np.ndarray) -> np.ndarray:
    """Squared distances (n, m) from the rows of X (n, d) to the rows of C (m, d), float64."""
    C = np.asarray(C, dtype=np.float64)
    d = x_sq[:, None] - 2.0 * (X @ C.T).astype(np.float64) + np.einsum("ij,ij->i", C, C)[None, :]
    return np.maximum(d, 0.0)


def kmeans_plusplus(X: np.ndarray, k: int, seed: int, n_local_trials: int | None = None) -> np.ndarray:
    """Greedy k-means++ seeding.

    X : ndarray of shape (n, d), float32. Returns the initial centroids (k, d), float32, which
    are rows of X. Deterministic for a given (X, k, seed).
    """
    n = X.shape[0]
    if not 1 <= k <= n:
        raise ValueError(f"k={k} must be between 1 and the number of points ({n})")
    rng = np.random.default_rng(seed)
    trials = n_local_trials or 2 + int(np.log(k))
    x_sq = np.einsum("ij,ij->i", X, X, dtype=np.float64)
    Xc = np.asarray(X)
    chosen = [int(rng.integers(n))]
    closest = _sq_dists(Xc, x_sq, Xc[chosen])[:, 0]
    for _ in range(1, k):
        potential = closest.sum()
        if potential <= 0:
            # Every point coincides with a chosen centre: pick uniformly among unchosen rows.
            remaining = np.setdiff1d(np.arange(n), chosen)
            chosen.append(int(rng.choice(remaining)))
            continue
        candidates = np.searchsorted(np.cumsum(closest), rng.random(trials) * potential)
        candidates = np.minimum(candidates, n - 1)
        cand_closest = np.minimum(closest[:, None], _sq_dists(Xc, x_sq, Xc[candidates]))
        best = int(np.argmin(cand_closest.sum(axis=0)))
        chosen.append(int(candidates[best]))
        closest = cand_closest[:, best]
    return np.ascontiguousarray(Xc[chosen], dtype=np.float32)
