"""What the data must satisfy for every later step to stay finite in float32, checked where the
data is prepared, a block at a time, before anything is written.

The study stores X as float32, and the kernels (scikit-learn, faiss, the fused engine) compute
squared norms, point-to-centroid distances and the inertia in float32. Two checks cover them:

- ``SourceCheck``: every value read is finite and within float32's range (|x| <= 3.4e38). Then
  the z-score statistics, computed in float64, are finite too: a mean or standard deviation is at
  most the largest |x|, and no partial sum of n values or squares can reach float64's limit (n
  would have to exceed 1e231).
- ``PreparedCheck``: on the prepared float32 rows (n of them), every squared row norm is at most
  float32's maximum / (4 n). Every centroid is a mean of rows, so its norm is at most the largest
  row norm; a squared distance between a row and a centroid is then at most 4 times the largest
  squared row norm, and a sum of n such distances (an inertia) stays finite. Z-scored data is
  never near this bound (its squared norms are at most n * d).

Each reports the first bad row (and column) as the source numbers it.
"""

from __future__ import annotations

import numpy as np

from kmeans_study.data.stream import PREPARED, VALUES, Problems, Stream
from kmeans_study.messages import shown, shown_name

FLOAT32_MAX = float(np.finfo(np.float32).max)


# The last block scanned for its extremes: a float32 source kept as it is (no z-score, no PCA) is its
# own prepared block, and both checks read its minimum and maximum from one scan.
_scanned: list = [None, 0.0, 0.0]


def _extremes(X: np.ndarray) -> tuple[float, float]:
    """(minimum, maximum) of a block (NaN if it holds one)."""
    if _scanned[0] is not X:
        _scanned[:] = [X, float(X.min()), float(X.max())]
    return _scanned[1], _scanned[2]


def _column_name(info: dict, column: int) -> str:
    names = info.get("feature_names")
    return f"column {shown(names[column])}" if names else f"column {column + 1}"


class SourceCheck:
    """Every value of a stream finite and within float32's range; else a problem naming the first
    bad value's row (as the source numbers it) and column."""

    def __init__(self, dataset: str, stream: Stream):
        self.dataset, self.stream = dataset, stream
        self.done = stream.dtype.kind in "iu" and stream.dtype.itemsize <= 8  # 64-bit integers stay below 1e20

    def feed(self, start: int, X: np.ndarray, problems: Problems) -> None:
        if self.done or X.size == 0:
            return
        if X.dtype.kind == "f" and X.dtype.itemsize <= 4:  # every finite float32 is within range
            if np.isfinite(_extremes(X)).all():  # NaN and inf reach the minimum or maximum
                return
        block = np.asarray(X, dtype=np.float64)
        bad = ~(np.abs(block) <= FLOAT32_MAX)
        if not bad.any():
            return
        row, column = (int(i) for i in np.argwhere(bad)[0])
        self.done = True
        problems.add((VALUES,), lambda: self._message(start + row, column, block[row, column]))

    def _message(self, row: int, column: int, value: float) -> str:
        origin = f"dataset {self.dataset}"
        if "origin" in self.stream.info:
            origin += f" ({shown_name(self.stream.info['origin'])})"
        why = "NaN cannot be clustered" if np.isnan(value) else (
            "an infinite value cannot be clustered" if np.isinf(value)
            else f"beyond float32's range (+-{FLOAT32_MAX:.3g}), which the study computes in"
        )
        return (
            f"{origin}: row {self.stream.row_number(row)}, {_column_name(self.stream.info, column)} holds "
            f"{value:.6g} ({why})"
        )


class PreparedCheck:
    """Every squared row norm of the prepared float32 rows (``n`` in all) at most FLOAT32_MAX / (4 n);
    else a problem naming the first bad row (as the source numbers it: ``rows`` are the subsample's
    source indices, or None) and, without a PCA, its largest column."""

    def __init__(self, dataset: str, stream: Stream, n: int, rows: np.ndarray | None, pca: bool):
        self.dataset, self.stream, self.n, self.rows, self.pca = dataset, stream, n, rows, pca
        self.bound = FLOAT32_MAX / (4 * n)
        # A block whose largest |x| keeps d x^2 this far under the bound has no row above it.
        self.safe = self.bound / (1 + 1e-9)
        self.done = False

    def feed(self, start: int, X: np.ndarray, problems: Problems) -> None:
        if self.done or X.size == 0:
            return
        largest = max(abs(value) for value in _extremes(X))
        if X.shape[1] * largest * largest <= self.safe:
            return
        block = np.asarray(X, dtype=np.float64)
        squared = np.einsum("ij,ij->i", block, block)
        bad = np.flatnonzero(~(squared <= self.bound))
        if not bad.size:
            return
        row = int(bad[0])
        self.done = True
        problems.add((PREPARED,), lambda: self._message(start + row, block[row], squared[row]))

    def _message(self, row: int, values: np.ndarray, squared: float) -> str:
        source = row if self.rows is None else int(self.rows[row])
        where = f"row {self.stream.row_number(source)}"
        if not self.pca:
            where += f" ({_column_name(self.stream.info, int(np.argmax(np.abs(values))))} largest)"
        return (
            f"dataset {self.dataset}: after preprocessing, {where} has squared norm {squared:.3g}; float32 "
            f"distances and inertias over {self.n} points stay finite only up to {self.bound:.3g}: "
            "z-score the data (zscore: true) or rescale it"
        )
