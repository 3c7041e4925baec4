"""A user's .npy array, read through a memory map a chunk of rows at a time.

The header is checked before any row is read (no pickle, a plain 2-D array of real numbers, a
label column that exists); the messages are those ``np.load`` gave when it read the whole file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from kmeans_study.data.stream import FEATURES, Block, DataError, Problems, Stream, mapped_blocks
from kmeans_study.messages import shown, shown_name


def _np_load_said(path: Path, exc: Exception) -> str:
    """What ``np.load`` without a memory map says of a file the memory map refused: an array of
    Python objects, or a file shorter than its header says (numpy's own words)."""
    try:
        with path.open("rb") as fh:
            version = np.lib.format.read_magic(fh)
            header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, _, dtype = header(fh)
            offset = fh.tell()
    except (ValueError, OSError, EOFError):
        return str(exc)
    if dtype.hasobject:
        return "Object arrays cannot be loaded when allow_pickle=False"
    count = int(np.prod(shape, dtype=np.int64))
    available = min(count, (path.stat().st_size - offset) // max(dtype.itemsize, 1))
    if available < count:
        return (
            f"Failed to read all data for array. Expected {shape} = {count} elements, could only read "
            f"{available} elements. (file seems not fully written?)"
        )
    return str(exc)


def _memory_map(path: Path) -> np.ndarray:
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise DataError(
            f"{shown_name(str(path))}: not a .npy array of numbers readable without pickle "
            f"({shown_name(_np_load_said(path, exc))})"
        ) from None


class NpyStream(Stream):
    """The rows of a memory-mapped .npy array; with a label column, its values are the labels
    (coded by ``labels.LabelCoder``) and the other columns the features."""

    def __init__(self, X: np.ndarray, label_column: int | None, path: Path):
        d = X.shape[1] - (label_column is not None)
        fortran = X.ndim == 2 and X.flags.f_contiguous and not X.flags.c_contiguous
        super().__init__(
            n=X.shape[0], d=d, dtype=X.dtype, labels="none" if label_column is None else "values",
            column_major=d == 1 or (fortran and X.shape[0] > 1), label_column=label_column,
        )
        self.X, self.path = X, path
        self.column_index = None if label_column is None else label_column % X.shape[1]

    def blocks(self, problems: Problems) -> Iterator[Block]:
        if self.d == 0:  # reported after a missing label, as the old code did
            problems.add((FEATURES, -1), f"{shown_name(str(self.path))}: no data (shape {(self.n, self.d)})")
        for rows, block in mapped_blocks(self.X):
            if self.column_index is None:
                yield Block(rows.start, block)
            else:
                yield Block(rows.start, np.delete(block, self.column_index, axis=1), block[:, self.column_index])

    def label_blocks(self) -> Iterator[Block]:
        for rows, block in mapped_blocks(self.X):
            yield Block(rows.start, block[:, :0], block[:, self.column_index])


def open_npy(path: Path, label_column, dataset: str) -> NpyStream:
    """The stream of ``path``, or DataError for a file that is not a plain 2-D array of numbers
    with the label column asked for."""
    X = _memory_map(path)
    if X.dtype.names:
        raise DataError(
            f"{shown_name(str(path))}: a structured array (fields {shown(list(X.dtype.names))}); "
            "save a plain 2-D array of numbers"
        )
    if X.ndim != 2:
        raise DataError(f"{shown_name(str(path))}: expected a 2-D array (rows x features), got shape {X.shape}")
    if X.dtype.kind not in "iuf":
        raise DataError(f"{shown_name(str(path))}: expected an array of real numbers, got dtype {X.dtype}")
    if label_column is not None and (isinstance(label_column, str) or not -X.shape[1] <= label_column < X.shape[1]):
        raise DataError(
            f"config key 'datasets.{dataset}.label_column': {shown(label_column)} is not a column index "
            f"of {shown_name(str(path))} (it has {X.shape[1]} columns)"
        )
    stream = NpyStream(X, label_column, path)
    if stream.n == 0:
        raise DataError(f"{shown_name(str(path))}: no data (shape {(stream.n, stream.d)})")
    return stream
