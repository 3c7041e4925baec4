"""Preprocessing of one dataset: subsample rows, z-score features, project with PCA, fitted in
passes over the rows a block at a time and applied a block at a time.

The order is fixed and recorded: the subsample decides which points are studied, then features
are standardised on those points (as the reference notebook does), then PCA. The statistics equal
those of the old whole-array code: the z-score's mean and standard deviation bit for bit
(``stats.ColumnSum``), the PCA's axes and explained variance to float rounding (scikit-learn's
full SVD there, the scatter matrix here, with scikit-learn's signs).
"""

from __future__ import annotations

import numpy as np

from kmeans_study.data.stats import ColumnSum, Scatter
from kmeans_study.data.stream import ArrayStream, DataError, Loaded, Problems, selected


def subsample_rows(n: int, size: int, seed: int) -> np.ndarray:
    """Sorted indices of ``size`` rows out of ``n``, drawn without replacement."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=size, replace=False))


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


class Preprocessing:
    """The preprocessing a dataset's config entry ``spec`` asks for, fitted pass by pass:
    ``start`` (the source's shape known), then each of ``next_pass()``'s consumers fed the
    selected rows (``rows``) in order and finished, then ``transform`` block by block."""

    def __init__(self, spec: dict, dataset: str):
        self.spec, self.dataset = spec, dataset
        self.rows: np.ndarray | None = None
        self.mean = self.std = self.pca_mean = self.axes = None
        self.steps: list[dict] = []
        self.n = self.d = 0
        self.pairwise = False
        self._work = np.zeros((0, 0))

    def problem(self, n: int, d: int) -> str | None:
        """Why this preprocessing cannot apply to n rows of d features, or None."""
        size = self.spec.get("subsample")
        if size is not None and size > n:
            return f"config key 'datasets.{self.dataset}.subsample': {size} rows requested but the data has {n}"
        rows = n if size is None else size
        components = self.spec.get("pca")
        if components is not None and components > min(rows, d):
            return (
                f"config key 'datasets.{self.dataset}.pca': {components} components requested but the data "
                f"has {d} features and {rows} rows (at most {min(rows, d)})"
            )
        return None

    def start(self, n: int, d: int, column_major: bool) -> None:
        """Fix the rows studied, for a source of n rows of d features (DataError if it cannot
        apply); ``column_major``: numpy would sum the source's columns pairwise."""
        if problem := self.problem(n, d):
            raise DataError(problem)
        self.n, self.d = n, d
        if self.spec.get("subsample") is not None:
            self.n = self.spec["subsample"]
            self.rows = subsample_rows(n, self.n, self.spec["subsample_seed"])
            self.steps.append({"step": "subsample", "rows": self.n, "seed": self.spec["subsample_seed"]})
        # A subsample is a C-ordered copy: numpy sums its columns pairwise only if there is one.
        self.pairwise = d == 1 or (self.rows is None and column_major)

    @property
    def d_out(self) -> int:
        return self.spec.get("pca") or self.d

    def next_pass(self):
        """A consumer of the selected rows for the next statistic still unknown, or None."""
        if self.spec.get("zscore", True) and self.mean is None:
            return _Mean(self)
        if self.spec.get("zscore", True) and self.std is None:
            return _Variance(self)
        if self.spec.get("pca") is not None and self.axes is None:
            return _Axes(self)
        return None

    def standardised(self, X: np.ndarray) -> np.ndarray:
        """Rows (m, d) in the source's dtype, z-scored in float64 when asked (in a buffer kept
        from block to block, overwritten by the next call)."""
        if self.std is None:
            return X
        Z = self._buffer(X.shape[0])
        np.copyto(Z, X, casting="unsafe")  # as np.asarray(X, float64)
        Z -= self.mean
        Z /= self.std
        return Z

    def _buffer(self, m: int) -> np.ndarray:
        """A float64 (m, d) array kept from block to block: fresh memory for every block costs a
        page fault per 4 KB, more than the arithmetic."""
        if self._work.shape[0] < m:
            self._work = np.empty((m, self.d))
        return self._work[:m]

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Rows (m, d) of the source, preprocessed: float32 (m, d_out), C-contiguous."""
        Z = self.standardised(X)
        if self.axes is not None:
            centred = self._buffer(X.shape[0])  # Z itself when z-scored
            np.subtract(Z, self.pca_mean, out=centred, casting="unsafe")
            Z = centred @ self.axes.T
        return np.ascontiguousarray(Z, dtype=np.float32)


class _Mean:
    def __init__(self, pre: Preprocessing):
        self.pre, self.sums = pre, ColumnSum(pre.n, pre.d, pre.pairwise)

    def feed(self, X: np.ndarray) -> None:
        np.copyto(self.sums.space(X.shape[0]), X, casting="unsafe")  # as np.asarray(X, float64)
        self.sums.add(X.shape[0])

    def finish(self) -> None:
        self.pre.mean = self.sums.total() / self.pre.n


class _Variance(_Mean):
    def feed(self, X: np.ndarray) -> None:
        centred = self.sums.space(X.shape[0])
        np.copyto(centred, X, casting="unsafe")
        centred -= self.pre.mean
        centred *= centred
        self.sums.add(X.shape[0])

    def finish(self) -> None:
        std = np.sqrt(self.sums.total() / self.pre.n)
        constant = std == 0
        std[constant] = 1.0  # a constant column becomes zeros, not NaN
        self.pre.std = std
        self.pre.steps.append({"step": "zscore", "constant_features": int(constant.sum()),
                               "mean": self.pre.mean.tolist(), "std": std.tolist()})


class _Axes:
    def __init__(self, pre: Preprocessing):
        self.pre, self.scatter = pre, Scatter(pre.d)

    def feed(self, X: np.ndarray) -> None:
        self.scatter.add(self.pre.standardised(X))

    def finish(self) -> None:
        components = self.pre.spec["pca"]
        self.pre.pca_mean, self.pre.axes, explained = self.scatter.components(components)
        self.pre.steps.append({"step": "pca", "components": components, "explained_variance_ratio": explained})


def preprocess(X, labels, spec: dict, dataset: str):
    """Apply the dataset's preprocessing to arrays in memory, by the same passes as the prepare
    step. Returns (X float32 C-contiguous, labels, steps)."""
    stream = ArrayStream(Loaded(np.asarray(X), None))
    pre = Preprocessing(spec, dataset)
    pre.start(stream.n, stream.d, stream.column_major)
    while (consumer := pre.next_pass()) is not None:
        for block in selected(stream.blocks(Problems()), pre.rows):
            consumer.feed(block.X)
        consumer.finish()
    Z = np.concatenate([pre.transform(block.X) for block in selected(stream.blocks(Problems()), pre.rows)])
    if labels is not None and pre.rows is not None:
        labels = np.asarray(labels)[pre.rows]
    return Z, labels, pre.steps
