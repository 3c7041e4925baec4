"""What the data must satisfy for every later step to stay finite in float32, checked where the
data is prepared, before anything is written.

The study stores X as float32, and the kernels (scikit-learn, faiss, the fused engine) compute
squared norms, point-to-centroid distances and the inertia in float32. Two checks cover them:

- ``check_source``: every loaded value is finite and within float32's range (|x| <= 3.4e38). Then
  the z-score statistics, computed in float64, are finite too: a mean or standard deviation is at
  most the largest |x|, and no partial sum of n values or squares can reach float64's limit (n
  would have to exceed 1e231).
- ``check_prepared``: on the prepared float32 array (n rows), every squared row norm is at most
  float32's maximum / (4 n). Every centroid is a mean of rows, so its norm is at most the largest
  row norm; a squared distance between a row and a centroid is then at most 4 times the largest
  squared row norm, and a sum of n such distances (an inertia) stays finite. Z-scored data is
  never near this bound (its squared norms are at most n * d).
"""

from __future__ import annotations

import numpy as np

from kmeans_study.data.sources import DataError, Loaded
from kmeans_study.io import chunks
from kmeans_study.messages import shown, shown_name

FLOAT32_MAX = float(np.finfo(np.float32).max)


def _column_name(loaded: Loaded, column: int) -> str:
    names = loaded.info.get("feature_names")
    return f"column {shown(names[column])}" if names else f"column {column + 1}"


def _blocks(X: np.ndarray):
    """(first row, the chunk as float64) for each chunk of X: the checks never copy a large X whole."""
    for c in chunks(X.shape[0]):
        yield c.start, np.asarray(X[c], dtype=np.float64)


def check_source(dataset: str, loaded: Loaded) -> None:
    """Every value of ``loaded.X`` finite and within float32's range; else DataError naming the
    first bad value's row (as the source numbers it) and column."""
    if loaded.X.dtype.kind in "iu" and loaded.X.dtype.itemsize <= 8:
        return  # 64-bit integers stay below 1e20
    origin = f"dataset {dataset}"
    if "origin" in loaded.info:
        origin += f" ({shown_name(loaded.info['origin'])})"
    for start, block in _blocks(loaded.X):
        bad = ~(np.abs(block) <= FLOAT32_MAX)
        if bad.any():
            row, column = (int(i) for i in np.argwhere(bad)[0])
            value = block[row, column]
            why = "NaN cannot be clustered" if np.isnan(value) else (
                "an infinite value cannot be clustered" if np.isinf(value)
                else f"beyond float32's range (+-{FLOAT32_MAX:.3g}), which the study computes in"
            )
            raise DataError(
                f"{origin}: row {loaded.row_number(start + row)}, {_column_name(loaded, column)} holds "
                f"{value:.6g} ({why})"
            )


def source_row(row: int, steps: list[dict], n_source: int) -> int:
    """The index in the source of row ``row`` of the prepared data (the subsample is redrawn from
    its recorded size and seed)."""
    from kmeans_study.data.preprocess import subsample_rows

    for step in steps:
        if step["step"] == "subsample":
            return int(subsample_rows(n_source, step["rows"], step["seed"])[row])
    return row


def check_prepared(dataset: str, X: np.ndarray, steps: list[dict], loaded: Loaded) -> None:
    """Every squared row norm of the prepared ``X`` (n, d) float32 at most FLOAT32_MAX / (4 n);
    else DataError naming the row (as the source numbers it) and its largest column."""
    bound = FLOAT32_MAX / (4 * X.shape[0])
    for start, block in _blocks(X):
        squared = np.einsum("ij,ij->i", block, block)
        bad = np.flatnonzero(~(squared <= bound))
        if bad.size:
            row = int(bad[0])
            column = int(np.argmax(np.abs(block[row])))
            where = (
                f"row {loaded.row_number(source_row(start + row, steps, loaded.X.shape[0]))}"
                + (f" ({_column_name(loaded, column)} largest)" if not any(s["step"] == "pca" for s in steps) else "")
            )
            raise DataError(
                f"dataset {dataset}: after preprocessing, {where} has squared norm {squared[row]:.3g}; float32 "
                f"distances and inertias over {X.shape[0]} points stay finite only up to {bound:.3g}: "
                "z-score the data (zscore: true) or rescale it"
            )

