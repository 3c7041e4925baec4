"""Candidate centroids for the strategies that score a point against a few centroids only: each
centroid's nearest centroids (faiss's exact k-NN over the centroids), and the exact nearest
centroid of each point among its candidates (the exact kernel, ``exact.nearest_among``)."""

from __future__ import annotations

import numpy as np

from kmeans_study.lloyd.common import centroids
from kmeans_study.lloyd.exact import nearest_among


def knn(Q: np.ndarray, C: np.ndarray, m: int, threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """faiss's exact search: squared distances (q, m) and indices (q, m) of the m rows of C
    nearest each row of Q (``IndexFlatL2``: BLAS products in blocks, a heap per row; numpy's
    argpartition over k x k is 20x slower). Used for the candidate lists of centroids, never to
    assign points."""
    import faiss

    faiss.omp_set_num_threads(max(1, threads))
    index = faiss.IndexFlatL2(C.shape[1])
    index.add(np.ascontiguousarray(C, dtype=np.float32))
    return index.search(np.ascontiguousarray(Q, dtype=np.float32), m)


def listing_itself(near: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Make centroid ``rows[i]`` the last entry of its list ``near[i]`` where a duplicate
    centroid displaced it (in place); returns where that happened."""
    lost = ~(near == rows[:, None]).any(axis=1)
    near[lost, -1] = rows[lost]
    return lost


def nearest_in_lists(X: np.ndarray, C: np.ndarray, lists: np.ndarray, owner: np.ndarray, x_sq: np.ndarray):
    """The exact nearest centroid of each row of X (n, d) float32 among the centroids
    ``lists[owner[row]]`` (lists (L, m) ids of rows of C (k, d)), with the distance bounds to it
    and to every other listed centroid. Returns labels (n,) int64, upper, lower (n,) float64."""
    cents = centroids(C, C.shape[0])
    norms = np.sqrt(cents.c_sq.astype(np.float64))
    n = X.shape[0]
    labels, upper, lower = np.empty(n, dtype=np.int64), np.empty(n), np.empty(n)
    nearest_among(X, x_sq, cents, lists, norms[lists].max(axis=1), owner, labels, upper, lower)
    return labels, upper, lower
