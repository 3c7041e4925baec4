"""Internal criteria of each k's best init, from result files only.

Per (dataset, backend, k): the inertia, the silhouette on a seeded sample of the points (the same
sample for every k and backend: silhouette needs all pairwise distances, which are computed once),
Calinski-Harabasz and Davies-Bouldin on all points (``separation``: two passes over X in chunks),
and the agreement (ARI) of the best inits (contingency tables built in chunks). X and the labels
are memory maps read a chunk at a time; the silhouette's sample is gathered from the map.

scikit-learn is imported for the silhouette alone: on a sample of at most ``silhouette_sample``
points its exact computation is small, and scikit-learn's is the reference every report quotes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kmeans_study.kchoice.separation import calinski_harabasz_davies_bouldin
from kmeans_study.kchoice.stability import pairwise_ari, top_inits
from kmeans_study.runtime import Progress

COLUMNS = [
    "k", "best_init_id", "inertia", "silhouette", "silhouette_sample_size", "calinski_harabasz", "davies_bouldin",
    "ari_top_median", "ari_top_min", "ari_top_inits",
]


def silhouette_sample(n: int, size: int, seed: int) -> np.ndarray:
    """Sorted row indices of the silhouette's sample: min(n, size) rows without replacement."""
    if size >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


class Silhouette:
    """scikit-learn's silhouette of labelings on the rows ``sample`` of X (n, d): their float64
    pairwise distances (m, m) are computed once, for every labeling."""

    def __init__(self, X, sample: np.ndarray):
        from sklearn.metrics import pairwise_distances

        self.sample = sample
        self.distances = pairwise_distances(np.asarray(X[sample], dtype=np.float64))

    def __call__(self, labels) -> float:
        """The silhouette of ``labels`` (n,) on the sample; NaN where the sample sees fewer than 2
        clusters or as many as points."""
        from sklearn.metrics import silhouette_score

        on_sample = np.asarray(labels[self.sample])
        if not 2 <= np.unique(on_sample).size < len(self.sample):
            return np.nan
        return float(silhouette_score(self.distances, on_sample, metric="precomputed"))


def criteria_table(X: np.ndarray, records: pd.DataFrame, labels, sample: np.ndarray,
                   top_fraction: float) -> pd.DataFrame:
    """One row per k (columns ``COLUMNS``). X : (n, d) float32; records : one row per fit (k,
    init_id, inertia) of one backend; labels : (k, init id) -> (n,) cluster ids, for every fit
    (memory maps: read in chunks); sample : row indices for the silhouette. A criterion that needs
    two clusters is NaN where the best init has (or the sample sees) fewer; the ARI columns are
    NaN with a single init."""
    silhouette = Silhouette(X, sample)
    progress = Progress()
    rows = []
    for step, (k, group) in enumerate(records.groupby("k", sort=True)):
        progress("criteria at k=%d (%d of %d k values)", k, step + 1, records["k"].nunique())
        inertia = dict(zip(group["init_id"].astype(int), group["inertia"].astype(float)))
        top = top_inits(inertia, top_fraction)
        best = labels[(int(k), top[0])]
        calinski, davies = calinski_harabasz_davies_bouldin(X, best, int(k))
        aris = pairwise_ari([labels[(int(k), i)] for i in top]) if len(inertia) > 1 else []
        rows.append(
            {
                "k": int(k),
                "best_init_id": top[0],
                "inertia": inertia[top[0]],
                "silhouette": silhouette(best),
                "silhouette_sample_size": len(sample),
                "calinski_harabasz": calinski,
                "davies_bouldin": davies,
                "ari_top_median": float(np.median(aris)) if aris else np.nan,
                "ari_top_min": float(np.min(aris)) if aris else np.nan,
                "ari_top_inits": len(top) if aris else 1,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)
