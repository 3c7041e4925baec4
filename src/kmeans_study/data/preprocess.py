"""Preprocessing of one dataset: subsample rows, z-score features, project with PCA.

The order is fixed and recorded: the subsample decides which points are studied, then features
are standardised on those points (as the reference notebook does), then PCA.
"""

from __future__ import annotations

import numpy as np

from kmeans_study.data.sources import DataError


def subsample_rows(n: int, size: int, seed: int) -> np.ndarray:
    """Sorted indices of ``size`` rows out of ``n``, drawn without replacement."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=size, replace=False))


def zscore(X: np.ndarray, with_stats: bool = False):
    """Standardise columns of X (n, d) to mean 0 and variance 1, in float64.

    A zero-variance column becomes all zeros instead of NaN. Returns (Z, number of such columns),
    plus (mean, std) with ``with_stats`` (original = Z * std + mean).
    """
    X = np.asarray(X, dtype=np.float64)
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    constant = std == 0
    std[constant] = 1.0
    if with_stats:
        return (X - mean) / std, int(constant.sum()), mean, std
    return (X - mean) / std, int(constant.sum())


def to_original_units(Z: np.ndarray, steps: list[dict]) -> np.ndarray | None:
    """Rows of prepared data back in the units of the source (None after a PCA, which is not
    inverted exactly): undoes the z-score recorded in ``steps`` (the meta's preprocessing)."""
    Z = np.asarray(Z, dtype=np.float64)
    for step in steps:
        if step["step"] == "pca":
            return None
    for step in steps:
        if step["step"] == "zscore":
            return Z * np.asarray(step["std"]) + np.asarray(step["mean"])
    return Z


def pca(X: np.ndarray, n_components: int, dataset: str) -> tuple[np.ndarray, float]:
    """Project X (n, d) on its first ``n_components`` principal components.

    Returns (projected, explained variance ratio in total).
    """
    from sklearn.decomposition import PCA

    n, d = X.shape
    if n_components > min(n, d):
        raise DataError(
            f"config key 'datasets.{dataset}.pca': {n_components} components requested but the data "
            f"has {d} features and {n} rows (at most {min(n, d)})"
        )
    model = PCA(n_components=n_components, svd_solver="full")
    Z = model.fit_transform(X)
    return Z, float(model.explained_variance_ratio_.sum())


def preprocess(X, labels, spec: dict, dataset: str):
    """Apply the dataset's preprocessing. Returns (X float32 C-contiguous, labels, steps)."""
    steps: list[dict] = []
    n = X.shape[0]
    if spec.get("subsample") is not None:
        size = spec["subsample"]
        if size > n:
            raise DataError(
                f"config key 'datasets.{dataset}.subsample': {size} rows requested but the data has {n}"
            )
        rows = subsample_rows(n, size, spec["subsample_seed"])
        X = X[rows]
        labels = None if labels is None else labels[rows]
        steps.append({"step": "subsample", "rows": size, "seed": spec["subsample_seed"]})
    if spec.get("zscore", True):
        X, n_constant, mean, std = zscore(X, with_stats=True)
        steps.append(
            {"step": "zscore", "constant_features": n_constant, "mean": mean.tolist(), "std": std.tolist()}
        )
    if spec.get("pca") is not None:
        X, explained = pca(X, spec["pca"], dataset)
        steps.append({"step": "pca", "components": spec["pca"], "explained_variance_ratio": explained})
    return np.ascontiguousarray(X, dtype=np.float32), labels, steps
