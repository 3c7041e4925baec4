"""Internal criteria of each k's best init (scikit-learn's metrics), from result files only.

Per (dataset, backend, k): the inertia, the silhouette on a seeded sample of the points (the same
sample for every k and backend: silhouette needs all pairwise distances, which are computed once),
Calinski-Harabasz and Davies-Bouldin on all points, and the agreement (ARI) of the best inits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kmeans_study.kchoice.stability import pairwise_ari, top_inits

COLUMNS = [
    "k", "best_init_id", "inertia", "silhouette", "silhouette_sample_size", "calinski_harabasz", "davies_bouldin",
    "ari_top_median", "ari_top_min", "ari_top_inits",
]


def silhouette_sample(n: int, size: int, seed: int) -> np.ndarray:
    """Sorted row indices of the silhouette's sample: min(n, size) rows without replacement."""
    if size >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


def criteria_table(X: np.ndarray, records: pd.DataFrame, labels: dict[tuple[int, int], np.ndarray],
                   sample: np.ndarray, top_fraction: float) -> pd.DataFrame:
    """One row per k (columns ``COLUMNS``). X : (n, d) float32; records : one row per fit (k,
    init_id, inertia) of one backend; labels : (k, init id) -> (n,) cluster ids, for every fit;
    sample : row indices for the silhouette. A criterion that needs two clusters is NaN where the
    best init has (or the sample sees) fewer; the ARI columns are NaN with a single init."""
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, pairwise_distances, silhouette_score

    distances = pairwise_distances(np.asarray(X[sample], dtype=np.float64))
    rows = []
    for k, group in records.groupby("k", sort=True):
        inertia = dict(zip(group["init_id"].astype(int), group["inertia"].astype(float)))
        top = top_inits(inertia, top_fraction)
        best = labels[(int(k), top[0])]
        clusters, in_sample = np.unique(best).size, np.unique(best[sample]).size
        aris = pairwise_ari([labels[(int(k), i)] for i in top]) if len(inertia) > 1 else []
        rows.append(
            {
                "k": int(k),
                "best_init_id": top[0],
                "inertia": inertia[top[0]],
                "silhouette": (
                    float(silhouette_score(distances, best[sample], metric="precomputed"))
                    if 2 <= in_sample < len(sample) else np.nan
                ),
                "silhouette_sample_size": len(sample),
                "calinski_harabasz": float(calinski_harabasz_score(X, best)) if clusters >= 2 else np.nan,
                "davies_bouldin": float(davies_bouldin_score(X, best)) if clusters >= 2 else np.nan,
                "ari_top_median": float(np.median(aris)) if aris else np.nan,
                "ari_top_min": float(np.min(aris)) if aris else np.nan,
                "ari_top_inits": len(top) if aris else 1,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)
