"""Exact assignment and inertia on ALL points, computed the same way for every backend."""

from __future__ import annotations

import numpy as np

CHUNK_ROWS = 8192


def assign(X: np.ndarray, C: np.ndarray) -> tuple[np.ndarray, float]:
    """Nearest centroid of every row of X and the inertia.

    X : ndarray (n, d), float32 (may be memory-mapped); C : ndarray (k, d).
    The argmin uses float32 matrix products (BLAS); the inertia is the float64 sum of the exact
    squared distances of each point to its assigned centroid.
    Returns (labels int64 of shape (n,), inertia float).
    """
    C32 = np.ascontiguousarray(C, dtype=np.float32)
    C64 = C32.astype(np.float64)
    c_sq = np.einsum("ij,ij->i", C32, C32)
    labels = np.empty(X.shape[0], dtype=np.int64)
    inertia = 0.0
    for start in range(0, X.shape[0], CHUNK_ROWS):
        chunk = np.asarray(X[start : start + CHUNK_ROWS])
        scores = c_sq[None, :] - 2.0 * (chunk @ C32.T)
        lab = np.argmin(scores, axis=1)
        labels[start : start + len(chunk)] = lab
        diff = chunk.astype(np.float64) - C64[lab]
        inertia += float(np.einsum("ij,ij->", diff, diff))
    return labels, inertia
