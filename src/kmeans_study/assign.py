"""Exact assignment and inertia on ALL points, computed the same way for every backend."""

from __future__ import annotations

import numpy as np


def assign(X: np.ndarray, C: np.ndarray, threads: int = 1) -> tuple[np.ndarray, float]:
    """Nearest centroid of every row of X and the inertia.

    X : ndarray (n, d), float32 (may be memory-mapped); C : ndarray (k, d).
    The labels are the core's exact nearest centroids (``kmeans_study.lloyd.kernel``), the
    inertia the float64 sum of each point's squared distance to its centroid: the core's
    ``evaluate_many`` for one set of centroids, the evaluation every fit record uses.
    Returns (labels int64 of shape (n,), inertia float).
    """
    from kmeans_study.lloyd.kernel import evaluate_many

    labels, inertia, _ = evaluate_many(X, [C], threads)[0]
    return labels, inertia
