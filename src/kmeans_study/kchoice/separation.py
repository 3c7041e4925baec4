"""Calinski-Harabasz and Davies-Bouldin of one labeling, in two passes over X in chunks.

X and the labels are read ``io.CHUNK_ROWS`` rows at a time (memory maps stay on disk); what is
kept is per cluster ((k, d) sums and means) and one float32 distance per point, Davies-Bouldin's.
The values are scikit-learn's ``calinski_harabasz_score`` and ``davies_bouldin_score`` (1.9) of
float32 X (tested):

- Calinski-Harabasz: scikit-learn converts X to float64. The overall and cluster means here are
  its float64 sums, row after row (numpy's axis-0 sum of a C-contiguous array adds the rows in
  order, so a running sum carried from chunk to chunk is the same), divided as it divides; the
  within-cluster sum of squares is added up in another order: equal to float rounding.
- Davies-Bouldin: scikit-learn keeps float32 X. Each cluster's mean is a float32 sum row after
  row (bit for bit here); each point's distance to it is computed in float64 from the float32
  values, as ``x.x - 2 x.c + c.c``, and rounded to float32; the cluster's spread is numpy's
  float32 average of those distances in row order (bit for bit here: the distances are kept in
  one float32 array sorted by cluster). The products x.c are BLAS calls over the rows of a
  cluster in a chunk, where scikit-learn calls BLAS over its own batches of the cluster's rows;
  the last rows of a call can round in another order in float64, which the float32 rounding
  hides except in about one row of 10^7 (none in the default study).

numpy sums a one-column array pairwise instead of row after row: for one-column X the sums are
taken that way from each cluster's values gathered in row order (``_one_column_sums``).
"""

from __future__ import annotations

import numpy as np

from kmeans_study import io


def _by_cluster(labels, k: int):
    """Each chunk's rows grouped by cluster: yields (rows, order, cluster, edges) with ``order``
    the chunk's positions sorted by cluster (stable: row order within a cluster), ``cluster`` the
    sorted cluster ids and cluster j at order[edges[j]:edges[j + 1]]."""
    for rows in io.chunks(len(labels)):
        cluster = np.asarray(labels[rows], dtype=np.intp)
        order = np.argsort(cluster, kind="stable")
        yield rows, order, cluster[order], np.searchsorted(cluster[order], np.arange(k + 1))


def _cluster_sums(X, labels, k: int) -> dict[str, np.ndarray]:
    """One pass: per cluster the float32 and float64 sums of its rows (k, d), in row order, its
    size (k,) int64, and the float64 sum of all rows (d,), in row order."""
    d = X.shape[1]
    sums = {"float32": np.zeros((k, d), np.float32), "float64": np.zeros((k, d))}
    counts, total = np.zeros(k, dtype=np.int64), np.zeros(d)
    for rows, order, _, edges in _by_cluster(labels, k):
        block = np.asarray(X[rows], dtype=np.float32)
        # each running sum as the first row: numpy's axis-0 sum of a C-contiguous array adds the
        # rows one after another, so chunk by chunk gives the whole array's sum bit for bit
        total = np.concatenate((total[None], block)).sum(axis=0)
        grouped = {"float32": block[order], "float64": block[order].astype(np.float64)}
        for j in np.flatnonzero(edges[1:] > edges[:-1]):
            for kind, target in sums.items():
                target[j] = np.concatenate((target[j][None], grouped[kind][edges[j]:edges[j + 1]])).sum(axis=0)
        counts += np.diff(edges)
    return {**sums, "counts": counts, "total": total}


def _place(target: np.ndarray, filled: np.ndarray, cluster: np.ndarray, edges: np.ndarray, values) -> None:
    """Append a chunk's ``values`` (sorted by ``cluster``, edges as ``_by_cluster``'s) to their
    clusters' runs in ``target`` (n,), whose cluster j fills from ``filled[j]`` on (advanced)."""
    target[filled[cluster] + np.arange(len(cluster)) - edges[cluster]] = values
    filled += np.diff(edges)


def _one_column_sums(X, labels, k: int, counts: np.ndarray) -> dict[str, np.ndarray]:
    """``_cluster_sums``'s float32 and float64 sums and total for one-column X, where numpy sums
    a (m, 1) array as one contiguous run, pairwise, not row after row: each cluster's values,
    gathered in row order (one float32 per point), and the whole column (one float64 per point)
    are summed that way."""
    values, filled = np.empty(int(counts.sum()), dtype=np.float32), np.cumsum(counts) - counts
    for rows, order, cluster, edges in _by_cluster(labels, k):
        _place(values, filled, cluster, edges, np.asarray(X[rows, 0], dtype=np.float32)[order])
    runs = [values[end - size:end] for size, end in zip(counts, np.cumsum(counts))]
    return {
        "float32": np.array([[np.sum(run)] for run in runs], dtype=np.float32),
        "float64": np.array([[np.sum(run.astype(np.float64))] for run in runs]),
        "total": np.array([np.sum(np.asarray(X[:, 0], dtype=np.float64))]),
    }


def _pairwise_distances(points: np.ndarray) -> np.ndarray:
    """scikit-learn's ``pairwise_distances(points)`` of float64 points (m, d): (m, m) Euclidean
    distances, step for step (the squared norms' expansion, clipped at 0, a zero diagonal)."""
    squared = np.einsum("ij,ij->i", points, points)[:, None]
    distances = -2 * (points @ points.T)
    distances += squared
    distances += squared.T
    np.maximum(distances, 0, out=distances)
    np.fill_diagonal(distances, 0)
    return np.sqrt(distances, out=distances)


def _spread_and_within(X, labels, k: int, sums: dict[str, np.ndarray]) -> tuple[np.ndarray, float]:
    """The second pass: every cluster's mean float32 distance to its float32 mean (k,) float64
    (Davies-Bouldin's spread, NaN for an empty cluster) and the float64 within-cluster sum of
    squares about the float64 means (Calinski-Harabasz's)."""
    counts = sums["counts"]
    with np.errstate(invalid="ignore", divide="ignore"):
        means64 = sums["float64"] / counts[:, None]
        # numpy's float32 mean: the float32 sum divided by the count in float64, rounded to float32
        means32 = (sums["float32"].astype(np.float64) / counts[:, None]).astype(np.float32).astype(np.float64)
    squared_means = np.einsum("ij,ij->i", means32, means32)
    distances, filled = np.empty(int(counts.sum()), dtype=np.float32), np.cumsum(counts) - counts
    within = 0.0
    for rows, order, cluster, edges in _by_cluster(labels, k):
        block = np.asarray(X[rows], dtype=np.float32).astype(np.float64)[order]
        diff = block - means64[cluster]
        within += float(np.einsum("ij,ij->", diff, diff))
        chunk = np.empty(len(block), dtype=np.float32)
        for j in np.flatnonzero(edges[1:] > edges[:-1]):
            part = block[edges[j]:edges[j + 1]]
            squared = -2 * (part @ means32[j:j + 1].T)
            squared += np.einsum("ij,ij->i", part, part)[:, None]
            squared += squared_means[j]
            chunk[edges[j]:edges[j + 1]] = np.sqrt(np.maximum(squared.astype(np.float32), 0))[:, 0]
        _place(distances, filled, cluster, edges, chunk)
    ends = np.cumsum(counts)
    spread = np.array([np.average(distances[end - size:end][:, None]) if size else np.nan
                       for size, end in zip(counts, ends)], dtype=np.float64)
    return spread, within


def calinski_harabasz_davies_bouldin(X, labels, k: int) -> tuple[float, float]:
    """(Calinski-Harabasz, Davies-Bouldin) of ``labels`` (n,) int in [0, k) on X (n, d) float32,
    over the clusters that have points; (NaN, NaN) outside scikit-learn's range of 2 to n - 1
    clusters."""
    sums = _cluster_sums(X, labels, k)
    counts = sums["counts"]
    if X.shape[1] == 1:
        sums.update(_one_column_sums(X, labels, k, counts))
    n, present = int(counts.sum()), np.flatnonzero(counts)
    if not 2 <= present.size < n:
        return np.nan, np.nan
    spread, within = _spread_and_within(X, labels, k, sums)
    mean = sums["total"] / n
    between = 0.0
    for j in present:
        between += counts[j] * np.sum((sums["float64"][j] / counts[j] - mean) ** 2)
    clusters = present.size
    calinski = 1.0 if within == 0.0 else between * (n - clusters) / (within * (clusters - 1.0))
    means32 = (sums["float32"][present].astype(np.float64) / counts[present, None]).astype(np.float32)
    centre_distances = _pairwise_distances(means32.astype(np.float64))
    spread = spread[present]
    if np.allclose(spread, 0) or np.allclose(centre_distances, 0):
        return float(calinski), 0.0
    centre_distances[centre_distances == 0] = np.inf
    return float(calinski), float(np.average(np.max((spread[:, None] + spread) / centre_distances, axis=1)))
