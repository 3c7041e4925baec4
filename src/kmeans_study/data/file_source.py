"""A user's own data: a .npy array, or a .csv / .parquet table, with an optional label column.

Every problem is reported with the file and, where there is one, the column and row (rows are
numbered as in the file: a CSV counts lines, its header is line 1; a .npy or .parquet counts rows
from 1). What is read is what the file says, or an error: the loaders refuse the shapes pandas would
read "successfully" but wrongly (a CSV without a header line, an index column, repeated or missing
column names, another delimiter, non-UTF-8 text, booleans, dates or text as features, missing
values, structured or >2-D arrays). Values that overflow later steps are refused by
``data.finite`` for every source.
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import numpy as np

from kmeans_study.data.sources import DataError, Loaded
from kmeans_study.io import is_file
from kmeans_study.messages import shown, shown_name

SUFFIXES = (".npy", ".csv", ".parquet")
# What pandas reads as a missing value besides an empty cell (its default ``na_values``, lower case).
NA_WORDS = {"#n/a", "#n/a n/a", "#na", "-1.#ind", "-1.#qnan", "-nan", "1.#ind", "1.#qnan", "<na>", "n/a", "na",
            "nan", "null", "none"}
# Characters that, in a header name, mean the file is not comma-separated.
OTHER_DELIMITERS = {";": "';'", "\t": "a tab", "|": "'|'"}


def _column(name) -> str:
    """A column named by the user: a table's column name, or a .npy's 0-based column index."""
    return f"column {shown(name)}" if isinstance(name, str) else f"column index {name}"


def _labels(values, column, path: Path, row_number) -> tuple[np.ndarray, list[str]]:
    """Integer codes and names of a label column, refusing missing labels (which would
    otherwise become a class of their own, 'nan')."""
    import pandas as pd

    missing = np.flatnonzero(pd.isna(pd.Series(values)).to_numpy())
    if missing.size:
        raise DataError(
            f"{shown_name(str(path))}: row {row_number(int(missing[0]))}, {_column(column)} (the labels) "
            "has no label: every row needs one"
        )
    values = np.asarray(values)
    if values.dtype.kind not in "iuf":  # numeric labels keep their numeric order
        values = values.astype(str)
    names, codes = np.unique(values, return_inverse=True)
    return codes.astype(np.int64), [str(n) for n in names]


def _load_npy(path: Path, label_column, dataset: str) -> Loaded:
    try:
        X = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise DataError(
            f"{shown_name(str(path))}: not a .npy array of numbers readable without pickle ({shown_name(str(exc))})"
        ) from None
    if X.dtype.names:
        raise DataError(
            f"{shown_name(str(path))}: a structured array (fields {shown(list(X.dtype.names))}); "
            "save a plain 2-D array of numbers"
        )
    if X.ndim != 2:
        raise DataError(f"{shown_name(str(path))}: expected a 2-D array (rows x features), got shape {X.shape}")
    if X.dtype.kind not in "iuf":
        raise DataError(f"{shown_name(str(path))}: expected an array of real numbers, got dtype {X.dtype}")
    if label_column is None:
        return Loaded(X, None, {})
    if isinstance(label_column, str) or not -X.shape[1] <= label_column < X.shape[1]:
        raise DataError(
            f"config key 'datasets.{dataset}.label_column': {shown(label_column)} is not a column index "
            f"of {shown_name(str(path))} (it has {X.shape[1]} columns)"
        )
    labels, names = _labels(X[:, label_column], label_column, path, lambda i: i + 1)
    return Loaded(np.delete(X, label_column, axis=1), labels, {"label_names": names})


def _header(path: Path) -> list[str]:
    """The column names of a CSV file as written in its first non-blank line, refusing a header
    that pandas would read but mean something else by."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        line = next((line for line in fh if line.strip()), "")
    try:
        names = next(csv.reader([line]), [])
    except csv.Error as exc:
        raise DataError(f"{shown_name(str(path))}: the header line is not CSV text ({exc})") from None
    where = f"{shown_name(str(path))}: the header line {shown(line.rstrip())}"
    for char, said in OTHER_DELIMITERS.items():
        if any(char in name for name in names):
            raise DataError(f"{where} holds {said}: columns must be separated by commas")
    numbers = [name for name in names if _is_number(name)]
    if numbers:
        raise DataError(
            f"{where} names a column {shown(numbers[0])}, a number: the first line looks like data, not a header "
            "(numpy.savetxt writes none); add a first line naming the columns"
        )
    for i, name in enumerate(names):
        if not name.strip():
            raise DataError(
                f"{where} leaves column {i + 1} without a name (an index written by pandas' to_csv without "
                "index=False?): name it, or drop the column"
            )
        if name in names[:i]:
            raise DataError(f"{where} names two columns {shown(name)} (columns {names.index(name) + 1} and {i + 1})")
    return names


def _is_number(text: str) -> bool:
    """Whether a header name reads as a number, nan and inf included (a first line of data may
    well start with them)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _csv_line(path: Path, row: int) -> int:
    """The line of the file holding data row ``row`` (0-based), skipping blank lines as pandas
    does. Only called to report a problem."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        lines = (number for number, line in enumerate(fh, 1) if line.strip())
        next(lines, None)  # the header line
        for i, number in enumerate(lines):
            if i == row:
                return number
    return row + 2


def _read_csv(path: Path):
    import pandas as pd

    _header(path)
    try:
        with warnings.catch_warnings():
            # rows longer than the header would otherwise silently become the index or be cut
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(path, index_col=False, encoding="utf-8")
    except pd.errors.EmptyDataError:
        raise DataError(f"{shown_name(str(path))}: the file is empty") from None
    except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        raise DataError(f"{shown_name(str(path))}: not a rectangular table ({shown_name(str(exc))})") from None


def _read_parquet(path: Path):
    import pandas as pd

    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 (pyarrow's errors for a file that is not parquet have no common base)
        raise DataError(f"{shown_name(str(path))}: not a readable parquet file ({shown_name(str(exc))})") from None
    repeated = frame.columns[frame.columns.duplicated()]
    if len(repeated):
        raise DataError(f"{shown_name(str(path))}: two columns are named {shown(repeated[0])}")
    return frame


def _cell_number(cell) -> float | None:
    """A text or Python number cell as a float; None when it is not a number a float can hold."""
    if isinstance(cell, bool):
        return None
    try:
        return float(cell)
    except (TypeError, ValueError, OverflowError):
        return None


def _feature_column(frame, column, path: Path, row_number) -> np.ndarray:
    """One feature column as float64, or the first cell that is not a number named."""
    import pandas as pd

    values = frame[column]

    def where(row):
        return f"{shown_name(str(path))}: row {row_number(row)}, {_column(column)}"
    if values.dtype.kind in "iuf":
        numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)
    elif values.dtype.kind == "O" and not isinstance(values.dtype, pd.CategoricalDtype):
        cells = [np.nan if pd.isna(cell) else _cell_number(cell) for cell in values]
        not_number = next((row for row, number in enumerate(cells) if number is None), None)
        if not_number is not None:
            cell = values.iloc[not_number]
            why = "too large for a float" if isinstance(cell, int) and not isinstance(cell, bool) else "not a number"
            raise DataError(f"{where(not_number)} holds {shown(cell)}, which is {why}")
        numbers = np.array(cells, dtype=np.float64)
    else:
        raise DataError(
            f"{where(0)} holds {shown(values.iloc[0])}: the column holds {values.dtype} values, not numbers"
            + (" (write them as 0 and 1 if they are meant as a feature)" if values.dtype.kind == "b" else "")
        )
    missing = np.flatnonzero(np.isnan(numbers))
    if missing.size:
        raise DataError(f"{where(int(missing[0]))} has a missing value (an empty cell, NA or nan)")
    return numbers


def _load_table(path: Path, label_column, dataset: str) -> Loaded:
    if path.suffix == ".csv":
        frame = _read_csv(path)

        def row_number(row):
            return _csv_line(path, row)
    else:
        frame = _read_parquet(path)

        def row_number(row):
            return row + 1
    if frame.shape[0] == 0:
        raise DataError(f"{shown_name(str(path))}: the table has a header but no data rows")
    info = {}
    labels = None
    if label_column is not None:
        if label_column not in frame.columns:
            raise DataError(
                f"config key 'datasets.{dataset}.label_column': {_column(label_column)} not found in "
                f"{shown_name(str(path))} (columns: {shown(list(map(str, frame.columns)))})"
            )
        labels, info["label_names"] = _labels(frame.pop(label_column), label_column, path, row_number)
    if frame.shape[1] == 0:
        raise DataError(f"{shown_name(str(path))}: no feature columns left besides the label column")
    X = np.column_stack([_feature_column(frame, column, path, row_number) for column in frame.columns])
    info["feature_names"] = [str(c) for c in frame.columns]
    return Loaded(X, labels, info, row_number)


def load(dataset: str, spec: dict, cache_dir: Path | None = None) -> Loaded:
    path = Path(spec["path"])
    if path.suffix not in SUFFIXES:
        raise DataError(
            f"{shown_name(str(path))}: unsupported file type {shown(path.suffix)} "
            f"(expected one of {', '.join(SUFFIXES)})"
        )
    if not is_file(path):
        raise DataError(f"config key 'datasets.{dataset}.path': file not found: {shown_name(str(path))}")
    if path.stat().st_size == 0:
        raise DataError(f"{shown_name(str(path))}: the file is empty")
    try:
        loaded = _load_npy(path, spec.get("label_column"), dataset) if path.suffix == ".npy" else _load_table(
            path, spec.get("label_column"), dataset
        )
    except UnicodeDecodeError as exc:
        raise DataError(f"{shown_name(str(path))}: not UTF-8 text ({exc.reason}); save it as UTF-8") from None
    if loaded.X.shape[0] == 0 or loaded.X.shape[1] == 0:
        raise DataError(f"{shown_name(str(path))}: no data (shape {loaded.X.shape})")
    loaded.info["origin"] = str(path)
    return loaded
