"""A user's own data: a .npy array, or a .csv / .parquet table, with an optional label column.

Every problem is reported with the file and, where there is one, the column and row (rows are
numbered as in the file: a CSV counts lines, its header is line 1; a .npy or .parquet counts rows
from 1). What is read is what the file says, or an error: the readers refuse the shapes pandas would
read "successfully" but wrongly (a CSV without a header line, an index column, repeated or missing
column names, another delimiter, non-UTF-8 text, booleans, dates or text as features, missing
values, structured or >2-D arrays). Values that overflow later steps are refused by
``data.finite`` for every source.

The file is read a chunk of rows at a time (``npy_file``: a memory map; ``table_file``: pandas'
CSV reader in chunks, a parquet file a row group and a column at a time), so its size is bounded
by the disk, not memory.
"""

from __future__ import annotations

from pathlib import Path

from kmeans_study.data.npy_file import open_npy
from kmeans_study.data.stream import DataError, Stream
from kmeans_study.data.table_file import TableStream
from kmeans_study.io import is_file
from kmeans_study.messages import shown, shown_name

SUFFIXES = (".npy", ".csv", ".parquet")


def load(dataset: str, spec: dict, cache_dir: Path | None = None) -> Stream:
    """The stream of the dataset's file (``spec["path"]``), its header checked."""
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
    label_column = spec.get("label_column")
    try:
        stream = open_npy(path, label_column, dataset) if path.suffix == ".npy" else TableStream(
            path, label_column, dataset
        )
    except UnicodeDecodeError as exc:
        raise DataError(f"{shown_name(str(path))}: not UTF-8 text ({exc.reason}); save it as UTF-8") from None
    stream.info["origin"] = str(path)
    return stream
