"""A user's .csv or .parquet table, read a chunk of rows at a time (pandas' CSV reader in chunks,
pyarrow's record batches), with the old whole-table reader's checks and messages.

A feature column is judged as a whole once every chunk has been read: its chunks' dtypes are
joined by pandas' own rule (the rule pandas applies to the chunks it reads a large CSV in), so a
column of numbers with one word in a later chunk is a column of text whose first non-number is
named, a column of booleans is refused at its first row, and a missing value is named only when
the column holds nothing worse. The first reading spools the float64 features to disk; later
readings read the spool.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from kmeans_study import io
from kmeans_study.data.csv_text import cell_text, header, line_of_row
from kmeans_study.data.labels import user_column
from kmeans_study.data.stream import (
    FEATURES,
    LABEL_COLUMN,
    NO_ROWS,
    Block,
    DataError,
    Problems,
    Stream,
    mapped_blocks,
)
from kmeans_study.messages import shown, shown_name


def _cell_number(cell) -> float | None:
    """A text or Python number cell as a float; None when it is not a number a float can hold."""
    if isinstance(cell, bool):
        return None
    try:
        return float(cell)
    except (TypeError, ValueError, OverflowError):
        return None


class _Column:
    """What the chunks of one feature column held: one cell of each dtype seen (to join the dtypes
    as pandas would), its first cell, its first cell that is not a number, its first missing row."""

    def __init__(self, name):
        self.name, self.samples, self.first_cell, self.not_number, self.missing = name, {}, None, None, None

    def note_dtype(self, start: int, values) -> None:
        if values.dtype not in self.samples:
            self.samples[values.dtype] = values.iloc[:1]
        if start == 0:
            self.first_cell = values.iloc[0]

    def add(self, start: int, values) -> np.ndarray:
        """The chunk's cells (a pandas column, rows ``start`` ..) as float64, NaN where missing or
        not a number."""
        import pandas as pd

        self.note_dtype(start, values)
        if values.dtype.kind in "iuf":
            numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)
        elif values.dtype.kind == "O" and not isinstance(values.dtype, pd.CategoricalDtype):
            cells = [np.nan if pd.isna(cell) else _cell_number(cell) for cell in values]
            bad = next((row for row, number in enumerate(cells) if number is None), None)
            if bad is not None and self.not_number is None:
                self.not_number = (start + bad, values.iloc[bad], False)
            numbers = np.array([np.nan if number is None else number for number in cells], dtype=np.float64)
        else:  # booleans, dates, categories: the column holds no numbers
            if values.dtype.kind == "b" and self.not_number is None:
                self.not_number = (start, values.iloc[0], True)
            return np.full(len(values), np.nan)
        self.note_missing(start, numbers)
        return numbers

    def note_missing(self, start: int, numbers: np.ndarray) -> None:
        if self.missing is None:
            missing = np.flatnonzero(np.isnan(numbers))
            if missing.size:
                self.missing = start + int(missing[0])

    def judge(self, rank: tuple, where, text, problems: Problems) -> None:
        """Add this column's problem, if any, as the whole column would have had it: ``where(row)``
        names a row of this column; ``text(row)`` is a CSV cell as the file writes it (None for a
        parquet file): a boolean among other values is quoted as written, as pandas reads a CSV
        column of booleans and words as text."""
        import pandas as pd

        dtype = pd.concat(list(self.samples.values()), ignore_index=True).dtype
        if dtype.kind in "iuf":
            pass
        elif dtype.kind == "O" and not isinstance(dtype, pd.CategoricalDtype):
            if self.not_number is not None:
                row, cell, boolean = self.not_number
                big = isinstance(cell, int) and not isinstance(cell, bool)
                problems.add(rank + (0,), lambda: (
                    f"{where(row)} holds {shown(text(row) if boolean and text else cell)}, which is "
                    f"{'too large for a float' if big else 'not a number'}"
                ))
                return
        else:
            problems.add(rank + (0,), lambda: (
                f"{where(0)} holds {shown(self.first_cell)}: the column holds {dtype} values, not numbers"
                + (" (write them as 0 and 1 if they are meant as a feature)" if dtype.kind == "b" else "")
            ))
            return
        if self.missing is not None:
            problems.add(rank + (1,), lambda: f"{where(self.missing)} has a missing value (an empty cell, NA or nan)")


def _csv_frames(path: Path) -> Iterator:
    """The CSV file in frames of CHUNK_ROWS rows."""
    import pandas as pd

    def read(step):
        try:
            with warnings.catch_warnings():
                # rows longer than the header would otherwise silently become the index or be cut
                warnings.simplefilter("error", pd.errors.ParserWarning)
                return step()
        except pd.errors.EmptyDataError:
            raise DataError(f"{shown_name(str(path))}: the file is empty") from None
        except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
            raise DataError(f"{shown_name(str(path))}: not a rectangular table ({shown_name(str(exc))})") from None
        except UnicodeDecodeError as exc:
            raise DataError(f"{shown_name(str(path))}: not UTF-8 text ({exc.reason}); save it as UTF-8") from None

    reader = read(lambda: pd.read_csv(path, index_col=False, encoding="utf-8", chunksize=io.CHUNK_ROWS))
    with reader:
        while (frame := read(lambda: next(reader, None))) is not None:
            yield frame


def _parquet_frames(path: Path) -> Iterator:
    """The parquet file in frames of CHUNK_ROWS rows, each as ``pandas.read_parquet`` gives it
    (the pandas metadata applied: index columns, categories, nullable integers)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        try:
            parquet = pq.ParquetFile(path)
        except pa.ArrowException as exc:  # worded as pandas.read_parquet words it
            raise pa.ArrowInvalid(f"Could not open Parquet input source '{path}': {exc}") from None
        schema = parquet.schema_arrow
        for batch in parquet.iter_batches(batch_size=io.CHUNK_ROWS):
            yield pa.Table.from_batches([batch], schema=schema).to_pandas()
        if parquet.metadata.num_rows == 0:
            yield schema.empty_table().to_pandas()
    except Exception as exc:  # noqa: BLE001 (pyarrow's errors for a file that is not parquet have no common base)
        raise DataError(f"{shown_name(str(path))}: not a readable parquet file ({shown_name(str(exc))})") from None


class TableStream(Stream):
    """The rows of a .csv or .parquet table: float64 features, the label column's cells as labels."""

    def __init__(self, path: Path, label_column, dataset: str):
        csv = path.suffix == ".csv"
        names = header(path) if csv else None
        super().__init__(n=None, d=0, dtype=np.dtype(np.float64), labels="none" if label_column is None else "values",
                         row_number=(lambda row: line_of_row(path, row)) if csv else (lambda row: row + 1),
                         label_column=label_column)
        self.path, self.dataset = path, dataset
        self.frames = (lambda: _csv_frames(path)) if csv else (lambda: _parquet_frames(path))
        if names is None:
            self.n, names = self._parquet_shape()
        self.d = len(names) - (label_column in names)
        self.spool: Path | None = None  # where the first reading writes the features
        self.spooled: np.ndarray | None = None

    def use_scratch(self, directory) -> None:
        self.spool = Path(directory) / "features.float64"

    def _parquet_shape(self) -> tuple[int | None, list]:
        """The rows and columns a parquet file's metadata gives (None, [] for a file the first
        reading will report)."""
        import pyarrow.parquet as pq

        try:
            parquet = pq.ParquetFile(self.path)
            return parquet.metadata.num_rows, list(parquet.schema_arrow.empty_table().to_pandas().columns)
        except Exception:  # noqa: BLE001 (reported by the first reading, with its message)
            return None, []

    def blocks(self, problems: Problems) -> Iterator[Block]:
        if self.spooled is not None:
            for rows, block in mapped_blocks(self.spooled):
                yield Block(rows.start, block)
            return
        yield from self._read(problems)

    def _read(self, problems: Problems) -> Iterator[Block]:
        frames = self.frames()
        first = next(frames)
        features = self._columns(first, problems)
        columns = [_Column(name) for name in features or ()]
        spool = self.spool.open("wb") if self.spool is not None and features else None
        start = 0
        try:
            for frame in _chain(first, frames):
                if features is not None and len(frame):  # else read on: only an unreadable file outranks the problem
                    X = _features(frame, features, columns, start)
                    if spool is not None:
                        spool.write(X.view(np.uint8))
                    labels = None if self.label_column is None else np.asarray(frame[self.label_column])
                    yield Block(start, X, labels)
                start += len(frame)
        finally:
            if spool is not None:
                spool.close()
        self.n = start
        if start == 0:
            problems.add((NO_ROWS,), f"{shown_name(str(self.path))}: the table has a header but no data rows")
            return
        for j, column in enumerate(columns):
            column.judge((FEATURES, j), self._where(column.name), self._text(column.name), problems)
        if spool is not None and start:
            self.spooled = np.memmap(self.spool, dtype=np.float64, mode="r", shape=(start, self.d))

    def _text(self, name):
        return (lambda row: cell_text(self.path, row, name)) if self.path.suffix == ".csv" else None

    def _where(self, name):
        return lambda row: f"{shown_name(str(self.path))}: row {self.row_number(row)}, {user_column(name)}"

    def _columns(self, frame, problems: Problems) -> list | None:
        """The feature columns of the table (None, with a problem, when there are none to read)."""
        if self.path.suffix == ".parquet":
            repeated = frame.columns[frame.columns.duplicated()]
            if len(repeated):
                raise DataError(f"{shown_name(str(self.path))}: two columns are named {shown(repeated[0])}")
        columns = list(frame.columns)
        if self.label_column is not None:
            if self.label_column not in columns:
                problems.add((LABEL_COLUMN,), (
                    f"config key 'datasets.{self.dataset}.label_column': {user_column(self.label_column)} not found in "
                    f"{shown_name(str(self.path))} (columns: {shown(list(map(str, columns)))})"
                ))
                return None
            columns.remove(self.label_column)
        if not columns:
            problems.add((FEATURES, -1),
                         f"{shown_name(str(self.path))}: no feature columns left besides the label column")
            return None
        self.d = len(columns)
        self.info["feature_names"] = [str(c) for c in columns]
        return columns


def _chain(first, rest):
    yield first
    yield from rest


def _features(frame, names: list, columns: list[_Column], start: int) -> np.ndarray:
    """The chunk's features as a C-contiguous float64 array (rows, d), NaN where a cell is missing
    or not a number; each column's state updated."""
    if all(frame[name].dtype.kind in "iuf" for name in names):  # the usual chunk: all numbers
        X = np.ascontiguousarray(frame[names].to_numpy(dtype=np.float64, na_value=np.nan))
        if np.isnan(X).any():
            for j, column in enumerate(columns):
                column.note_missing(start, X[:, j])
        for column in columns:
            column.note_dtype(start, frame[column.name])
        return X
    return np.column_stack([column.add(start, frame[column.name]) for column in columns]).reshape(len(frame), -1)
