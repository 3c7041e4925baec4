"""Exact assignment and inertia on ALL points, computed the same way for every backend."""

from __future__ import annotations

import numpy as np


def assign(X: np.ndarray, C: np.ndarray, threads: int = 1) -> tuple[np.ndarray, float]:
    """Nearest centroid of every row of X and the inertia.

    X : ndarray (n, d), float32 (may be memory-mapped); C : ndarray (k, d).
    The argmin uses float32 matrix products (BLAS); the inertia is the float64 sum of the exact
    squared distances of each point to its assigned centroid. This is ``fused.evaluate_many`` for
    one set of centroids, the evaluation every fit record uses.
    Returns (labels int64 of shape (n,), inertia float).
    """
    from kmeans_study.fused import evaluate_many

    labels, inertia, _ = evaluate_many(X, [C], threads)[0]
    return labels, inertia
