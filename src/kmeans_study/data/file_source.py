"""A user's own data: a .npy array, or a .csv / .parquet table, with an optional label column.

Every problem is reported with the file and, where there is one, the column and row (rows are
numbered as in the file: the first data row of a CSV is row 2, after its header line).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from kmeans_study.data.sources import DataError, Loaded

SUFFIXES = (".npy", ".csv", ".parquet")


def _encode_labels(values) -> tuple[np.ndarray, list[str]]:
    values = np.asarray(values)
    if not np.issubdtype(values.dtype, np.number):  # numeric labels keep their numeric order
        values = values.astype(str)
    names, codes = np.unique(values, return_inverse=True)
    return codes.astype(np.int64), [str(n) for n in names]


def _load_npy(path: Path, label_column, dataset: str) -> tuple[np.ndarray, np.ndarray | None, list | None]:
    try:
        X = np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise DataError(f"{path}: cannot read as a numeric .npy array without pickle ({exc})") from None
    if X.ndim != 2:
        raise DataError(f"{path}: expected a 2-D array (rows x features), got shape {X.shape}")
    if not np.issubdtype(X.dtype, np.number) or np.issubdtype(X.dtype, np.complexfloating):
        raise DataError(f"{path}: expected a real numeric array, got dtype {X.dtype}")
    if label_column is None:
        return X, None, None
    if isinstance(label_column, str) or not -X.shape[1] <= label_column < X.shape[1]:
        raise DataError(
            f"config key 'datasets.{dataset}.label_column': {label_column!r} is not a column index "
            f"of {path} (it has {X.shape[1]} columns)"
        )
    y = X[:, label_column]
    X = np.delete(X, label_column, axis=1)
    codes, names = _encode_labels(y)
    return X, codes, names


def _load_table(path: Path, label_column, dataset: str):
    import pandas as pd

    header_rows = 1
    if path.suffix == ".csv":
        try:
            with warnings.catch_warnings():
                # rows longer than the header would otherwise silently become the index or be cut
                warnings.simplefilter("error", pd.errors.ParserWarning)
                frame = pd.read_csv(path, index_col=False)
        except pd.errors.EmptyDataError:
            raise DataError(f"{path}: the file is empty") from None
        except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
            raise DataError(f"{path}: not a rectangular table ({exc})") from None
    else:
        frame = pd.read_parquet(path)
        header_rows = 0
    if frame.shape[0] == 0:
        raise DataError(f"{path}: the table has a header but no data rows")
    labels = names = None
    if label_column is not None:
        if label_column not in frame.columns:
            raise DataError(
                f"config key 'datasets.{dataset}.label_column': column {label_column!r} not found in "
                f"{path} (columns: {', '.join(map(str, frame.columns))})"
            )
        labels, names = _encode_labels(frame.pop(label_column))
    for column in frame.columns:
        numeric = pd.to_numeric(frame[column], errors="coerce")
        bad = numeric.isna() & frame[column].notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                f"{path}: column {column!r} row {row + 1 + header_rows} holds "
                f"{frame[column].iloc[row]!r}, which is not a number"
            )
        frame[column] = numeric
    if frame.shape[1] == 0:
        raise DataError(f"{path}: no feature columns left besides the label column")
    return frame.to_numpy(dtype=np.float64), labels, names, header_rows, [str(c) for c in frame.columns]


def load(dataset: str, spec: dict, cache_dir: Path | None = None) -> Loaded:
    path = Path(spec["path"])
    if path.suffix not in SUFFIXES:
        raise DataError(f"{path}: unsupported file type {path.suffix!r} (expected one of {', '.join(SUFFIXES)})")
    if not path.is_file():
        raise DataError(f"config key 'datasets.{dataset}.path': file not found: {path}")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty")
    header_rows, features = 0, None
    if path.suffix == ".npy":
        X, labels, names = _load_npy(path, spec.get("label_column"), dataset)
    else:
        X, labels, names, header_rows, features = _load_table(path, spec.get("label_column"), dataset)
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise DataError(f"{path}: no data (shape {X.shape})")
    finite = np.isfinite(X)
    if not finite.all():
        row, col = np.argwhere(~finite)[0]
        raise DataError(
            f"{path}: row {row + 1 + header_rows}, column {col + 1} holds {X[row, col]} "
            "(NaN or infinite values cannot be clustered)"
        )
    info = {"origin": str(path)}
    if features is not None:
        info["feature_names"] = features
    if names is not None:
        info["label_names"] = names
    return Loaded(X, labels, info)
