"""A user's .csv or .parquet table, read a chunk of rows at a time (pandas' CSV reader in chunks; a
parquet file a row group and a column at a time), with the old whole-table reader's checks and
messages.

A feature column is judged as a whole once every chunk has been read: its chunks' dtypes are
joined by pandas' own rule (the rule pandas applies to the chunks it reads a large CSV in), so a
column of numbers with one word in a later chunk is a column of text whose first non-number is
named, a column of booleans is refused at its first row, and a missing value is named only when
the column holds nothing worse. The first reading spools the float64 features to disk; later
readings read the spool.
"""

from __future__ import annotations

import os
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
            self.samples[values.dtype] = values.iloc[:1].copy()  # not a view that keeps the whole column
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


class _CsvReader:
    """A CSV file in frames of CHUNK_ROWS rows (pandas' reader in chunks)."""

    def __init__(self, path: Path):
        import pandas as pd

        self.path = path
        self.reader = self._read(lambda: pd.read_csv(path, index_col=False, encoding="utf-8", chunksize=io.CHUNK_ROWS))
        self.header = self._read(lambda: next(self.reader, None))  # the first frame, its columns the table's

    def _read(self, step):
        import pandas as pd

        try:
            with warnings.catch_warnings():
                # rows longer than the header would otherwise silently become the index or be cut
                warnings.simplefilter("error", pd.errors.ParserWarning)
                return step()
        except pd.errors.EmptyDataError:
            raise DataError(f"{shown_name(str(self.path))}: the file is empty") from None
        except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
            raise DataError(f"{shown_name(str(self.path))}: not a rectangular table ({shown_name(str(exc))})") from None
        except UnicodeDecodeError as exc:
            raise DataError(f"{shown_name(str(self.path))}: not UTF-8 text ({exc.reason}); save it as UTF-8") from None

    def blocks(self, features: list | None, columns: list[_Column], label_column) -> Iterator[tuple]:
        """(first row, features (rows, d) float64, labels or None) of each frame, then (the number
        of rows, None, None); without features (a problem outranks the cells) the file is only
        read on, for a problem that outranks that one."""
        frame, start = self.header, 0
        with self.reader:
            while frame is not None:
                if features is not None and len(frame):
                    labels = None if label_column is None else np.asarray(frame[label_column])
                    yield start, _features(frame, features, columns, start), labels
                start += len(frame)
                frame = self._read(lambda: next(self.reader, None))
        yield start, None, None


class _ParquetReader:
    """A parquet file, a row group and a column at a time: each column of a row group read alone
    (``read_row_group``, the pandas metadata applied, as ``pandas.read_parquet`` reads it) and
    stored column-major in a scratch file, then its rows given in blocks of CHUNK_ROWS. So memory
    holds a column of a row group, not the row group: a file written by pandas has row groups of a
    million rows."""

    def __init__(self, path: Path, scratch: Path | None):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.path, self.scratch = path, scratch
        try:
            try:
                self.file = pq.ParquetFile(path)
            except pa.ArrowException as exc:  # worded as pandas.read_parquet words it
                raise pa.ArrowInvalid(f"Could not open Parquet input source '{path}': {exc}") from None
            self.header = self.file.schema_arrow.empty_table().to_pandas()
        except Exception as exc:  # noqa: BLE001 (pyarrow's errors for a file that is not parquet have no common base)
            raise self.unreadable(exc) from None

    def unreadable(self, exc: Exception) -> DataError:
        return DataError(f"{shown_name(str(self.path))}: not a readable parquet file ({shown_name(str(exc))})")

    def _column(self, group: int, name):
        try:
            return self.file.read_row_group(group, columns=[name], use_pandas_metadata=True).to_pandas()[name]
        except Exception as exc:  # noqa: BLE001 (as above)
            raise self.unreadable(exc) from None

    def blocks(self, features: list | None, columns: list[_Column], label_column) -> Iterator[tuple]:
        """As ``_CsvReader.blocks``."""
        start = 0
        for group in range(self.file.metadata.num_row_groups):
            rows = self.file.metadata.row_group(group).num_rows
            if features is not None and rows:
                store = _ColumnMajor(rows, len(columns), self.scratch)
                for j, column in enumerate(columns):
                    store.write(j, column.add(start, self._column(group, column.name)))
                labels = None if label_column is None else np.asarray(self._column(group, label_column))
                for part in io.chunks(rows):
                    yield start + part.start, store.rows(part), None if labels is None else labels[part]
                store.close()
            start += rows
        yield start, None, None


class _ColumnMajor:
    """A row group's features (rows, d) float64 written a column at a time and read a block of
    rows at a time: in a scratch file (``path``), or in memory without one."""

    def __init__(self, rows: int, d: int, path: Path | None):
        self.shape = (rows, d)
        self.file = path.open("w+b") if path is not None else None
        self.memory = np.empty(self.shape, order="F") if path is None else None

    def write(self, j: int, column: np.ndarray) -> None:
        if self.file is None:
            self.memory[:, j] = column
        else:
            os.pwrite(self.file.fileno(), np.ascontiguousarray(column, dtype=np.float64), j * self.shape[0] * 8)

    def rows(self, part: slice) -> np.ndarray:
        if self.file is None:
            return np.ascontiguousarray(self.memory[part])
        block = np.empty((part.stop - part.start, self.shape[1]))
        for j in range(self.shape[1]):
            data = os.pread(self.file.fileno(), block.shape[0] * 8, (j * self.shape[0] + part.start) * 8)
            block[:, j] = np.frombuffer(data, dtype=np.float64)
        return block

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


class TableStream(Stream):
    """The rows of a .csv or .parquet table: float64 features, the label column's cells as labels."""

    def __init__(self, path: Path, label_column, dataset: str):
        csv = path.suffix == ".csv"
        names = header(path) if csv else None
        super().__init__(n=None, d=0, dtype=np.dtype(np.float64), labels="none" if label_column is None else "values",
                         row_number=(lambda row: line_of_row(path, row)) if csv else (lambda row: row + 1),
                         label_column=label_column)
        self.path, self.dataset = path, dataset
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
        if self.path.suffix == ".csv":
            reader = _CsvReader(self.path)
        else:
            reader = _ParquetReader(self.path, None if self.spool is None else self.spool.with_suffix(".group"))
        features = self._columns(reader.header, problems)
        columns = [_Column(name) for name in features or ()]
        spool = self.spool.open("wb") if self.spool is not None and features else None
        try:
            for start, X, labels in reader.blocks(features, columns, self.label_column):
                if X is not None:
                    if spool is not None:
                        spool.write(X.view(np.uint8))
                    yield Block(start, X, labels)
        finally:
            if spool is not None:
                spool.close()
        self.n = start
        if start == 0:
            problems.add((NO_ROWS,), f"{shown_name(str(self.path))}: the table has a header but no data rows")
            return
        for j, column in enumerate(columns):
            column.judge((FEATURES, j), self._where(column.name), self._text(column.name), problems)
        if spool is not None:
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
