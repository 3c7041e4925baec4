"""Comparing labelings: confusion pivots, cluster quality against labels, agreement between fits.

Cluster ids are arbitrary: two labelings agree when they split the points the same way, whatever
the ids. Agreement is therefore measured after optimal matching of ids (Hungarian algorithm on the
contingency table) or by the adjusted Rand index, never by ``mean(a == b)`` alone.

Every measure here is a function of the contingency table of two labelings, which one pass over
them builds a chunk of ``io.CHUNK_ROWS`` points at a time (a memory-mapped labels file is never
read whole): its size is labels x clusters, whatever the number of points. The values are
scikit-learn's on the labelings themselves, bit for bit (tested): the ARI is
``adjusted_rand_score``'s pair counts in integers; NMI, homogeneity and completeness are
scikit-learn's mutual information of the table (``mutual_info_score`` takes a contingency
matrix) over the entropies of its margins, with scikit-learn's formulas.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from kmeans_study import io


def contingency(a, b, n_a: int | None = None, n_b: int | None = None) -> np.ndarray:
    """Counts (n_a, n_b) int64: entry [i, j] is how many points have a == i and b == j.

    a, b : integer arrays of shape (n,) with values in [0, n_a) and [0, n_b) (n_a, n_b default to
    the largest value + 1), read a chunk at a time, so memory maps stay on disk.
    """
    if len(a) != len(b):
        raise ValueError(f"labelings of {len(a)} and {len(b)} points cannot be compared")
    table = np.zeros((n_a or 0, n_b or 0), dtype=np.int64)
    for rows in io.chunks(len(a)):
        x, y = np.asarray(a[rows], dtype=np.int64), np.asarray(b[rows], dtype=np.int64)
        shape = (n_a or max(table.shape[0], int(x.max()) + 1), n_b or max(table.shape[1], int(y.max()) + 1))
        if shape != table.shape:
            table = np.pad(table, ((0, shape[0] - table.shape[0]), (0, shape[1] - table.shape[1])))
        # add.at on the flat view: an entry hit by several points of the chunk counts each of them
        np.add.at(table.reshape(-1), x * shape[1] + y, 1)
    return table


def confusion_pivot(table: np.ndarray, label_names: list[str] | None = None) -> pd.DataFrame:
    """The label x cluster counts ``table`` (n_labels, k) as a DataFrame: one row per true label
    (named by ``label_names``, else numbered), one column per cluster id."""
    n_labels, k = table.shape
    index = pd.Index(label_names if label_names else range(n_labels), name="label")
    return pd.DataFrame(table, index=index, columns=pd.Index([f"cluster_{j}" for j in range(k)], name="cluster"))


def _occupied(table: np.ndarray) -> np.ndarray:
    """The table without its empty rows and columns: labels and clusters that no point has, which
    scikit-learn never sees (it counts the values present)."""
    return table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]


def purity(table: np.ndarray) -> float:
    """Fraction of points whose label is the majority label of their cluster (table : labels x
    clusters)."""
    return float(table.max(axis=0).sum() / table.sum())


def adjusted_rand(table: np.ndarray) -> float:
    """The adjusted Rand index of the two labelings behind ``table``: scikit-learn's
    ``adjusted_rand_score`` (its pair confusion matrix from the table, in Python integers)."""
    n = int(table.sum())
    sum_squares = int((table * table).sum())
    fp = int((table @ table.sum(axis=0)).sum()) - sum_squares
    fn = int((table.T @ table.sum(axis=1)).sum()) - sum_squares
    tp = sum_squares - n
    tn = n * n - fp - fn - sum_squares
    if fn == 0 and fp == 0:
        return 1.0
    return 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn))


def _entropy(counts: np.ndarray) -> float:
    """scikit-learn's entropy of a labeling from its (nonzero) counts per value, in order."""
    pi = counts.astype(np.float64)
    if pi.size == 1:
        return 0.0
    pi_sum = np.sum(pi)
    return float(-np.sum((pi / pi_sum) * (np.log(pi) - math.log(pi_sum))))


def quality(table: np.ndarray) -> dict[str, float]:
    """Clusters against true labels from their contingency ``table`` (labels x clusters): purity,
    ARI, NMI (arithmetic mean of the entropies), homogeneity, completeness, as scikit-learn's
    functions give them for the labelings."""
    from sklearn.metrics import mutual_info_score

    occupied = _occupied(table)
    mi = float(mutual_info_score(None, None, contingency=occupied))
    h_labels, h_clusters = _entropy(occupied.sum(axis=1)), _entropy(occupied.sum(axis=0))
    if occupied.shape == (1, 1):
        nmi = 1.0
    else:
        nmi = 0.0 if mi == 0 else float(mi / np.mean([h_labels, h_clusters]))
    return {
        "purity": purity(table),
        "ari": adjusted_rand(table),
        "nmi": nmi,
        "homogeneity": float(mi / h_labels) if h_labels else 1.0,
        "completeness": float(mi / h_clusters) if h_clusters else 1.0,
    }


def matched_agreement(table: np.ndarray) -> float:
    """Fraction of points with the same cluster after the best one-to-one matching of the ids of
    one labeling to those of the other (Hungarian algorithm on their contingency ``table``)."""
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(table, maximize=True)
    return float(table[rows, cols].sum() / table.sum())


def naive_agreement(table: np.ndarray) -> float:
    """``mean(a == b)`` of the labelings behind ``table`` (its diagonal), what the reference
    slides print. Meaningless: it depends on the arbitrary ids and can be near 0 for identical
    partitions. Reported only to show that."""
    return float(np.trace(table) / table.sum())


def agreement(a, b) -> dict[str, float]:
    """ARI, matched and naive agreement of two labelings (n,) int, from one pass over them."""
    table = contingency(a, b)
    return {
        "ari": adjusted_rand(table),
        "matched_agreement": matched_agreement(table),
        "naive_agreement_unmatched": naive_agreement(table),
    }
