"""Comparing labelings: confusion pivots, cluster quality against labels, agreement between fits.

Cluster ids are arbitrary: two labelings agree when they split the points the same way, whatever
the ids. Agreement is therefore measured after optimal matching of ids (Hungarian algorithm on the
contingency table) or by the adjusted Rand index, never by ``mean(a == b)`` alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def contingency(a: np.ndarray, b: np.ndarray, n_a: int | None = None, n_b: int | None = None) -> np.ndarray:
    """Counts (n_a, n_b): entry [i, j] is how many points have a == i and b == j.

    a, b : integer arrays of shape (n,) with values in [0, n_a) and [0, n_b).
    """
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    n_a = int(a.max()) + 1 if n_a is None else n_a
    n_b = int(b.max()) + 1 if n_b is None else n_b
    return np.bincount(a * n_b + b, minlength=n_a * n_b).reshape(n_a, n_b)


def confusion_pivot(
    labels: np.ndarray, clusters: np.ndarray, k: int, label_names: list[str] | None = None
) -> pd.DataFrame:
    """Label x cluster counts as a table: one row per true label, one column per cluster id."""
    n_labels = int(labels.max()) + 1
    table = contingency(labels, clusters, n_labels, k)
    index = pd.Index(label_names if label_names else range(n_labels), name="label")
    return pd.DataFrame(table, index=index, columns=pd.Index([f"cluster_{j}" for j in range(k)], name="cluster"))


def purity(labels: np.ndarray, clusters: np.ndarray) -> float:
    """Fraction of points whose label is the majority label of their cluster."""
    table = contingency(clusters, labels)
    return float(table.max(axis=1).sum() / len(labels))


def quality(labels: np.ndarray, clusters: np.ndarray) -> dict[str, float]:
    """Clusters against true labels: purity, ARI, NMI, homogeneity, completeness."""
    from sklearn import metrics

    return {
        "purity": purity(labels, clusters),
        "ari": float(metrics.adjusted_rand_score(labels, clusters)),
        "nmi": float(metrics.normalized_mutual_info_score(labels, clusters)),
        "homogeneity": float(metrics.homogeneity_score(labels, clusters)),
        "completeness": float(metrics.completeness_score(labels, clusters)),
    }


def matched_agreement(a: np.ndarray, b: np.ndarray) -> float:
    """Fraction of points with the same cluster after the best one-to-one matching of the ids of b
    to those of a (Hungarian algorithm on the contingency table)."""
    from scipy.optimize import linear_sum_assignment

    table = contingency(a, b)
    rows, cols = linear_sum_assignment(table, maximize=True)
    return float(table[rows, cols].sum() / len(a))


def naive_agreement(a: np.ndarray, b: np.ndarray) -> float:
    """``mean(a == b)``, what the reference slides print. Meaningless: it depends on the arbitrary
    ids and can be near 0 for identical partitions. Reported only to show that."""
    return float(np.mean(np.asarray(a) == np.asarray(b)))


def agreement(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score

    return {
        "ari": float(adjusted_rand_score(a, b)),
        "matched_agreement": matched_agreement(a, b),
        "naive_agreement_unmatched": naive_agreement(a, b),
    }
