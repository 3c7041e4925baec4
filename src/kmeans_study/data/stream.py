"""A source read in row blocks: the one form in which every dataset reaches the prepare step.

A ``Stream`` yields ``Block``s in row order, as often as asked: a .npy file is read again through
its memory map, a table from the float64 copy its first reading spooled to disk, generated data is
generated again, an in-memory array (the small generated sources) is sliced. So the prepare step
holds a chunk of rows at a time, whatever the number of rows.

Problems found while reading are collected in ``Problems``, each with a rank, and the first by rank
(then by the order found) is the one raised: the message the old whole-file reading gave, even when
the problem that decides it lies in a later chunk (a ragged line after a non-number cell, a missing
label after an infinite value).
"""

from __future__ import annotations

import mmap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from kmeans_study.io import chunks

# Ranks of the problems of one reading, in the order the old whole-file code checked them. A file
# that cannot be read (not UTF-8, ragged, not parquet) is raised at once: nothing can outrank it.
NO_ROWS, LABEL_COLUMN, LABELS, FEATURES, VALUES, PREPARED = range(1, 7)


class DataError(ValueError):
    """Input data that cannot be used; the message names the file, column or row."""


def _counted_from_one(row: int) -> int:
    return row + 1


@dataclass
class Loaded:
    """A source held in memory: X (n, d) of any real dtype, labels (n,) int64 or None, facts worth
    recording, and how the source numbers row i of X in messages (a CSV counts lines, its header
    being line 1)."""

    X: np.ndarray
    labels: np.ndarray | None
    info: dict = field(default_factory=dict)
    row_number: Callable[[int], int] = _counted_from_one


@dataclass
class Block:
    """Rows ``start`` .. ``start + len(X)`` of a source: ``X`` (rows, d) in the source's dtype,
    ``labels`` (rows,) (codes or values, as the stream says) or None."""

    start: int
    X: np.ndarray
    labels: np.ndarray | None = None


class Problems:
    """The problems of one reading; ``raise_first`` raises the one of lowest rank (a tuple), the
    first found among equals. A message may be a callable, so that a row is only numbered (a CSV's
    line counted) for the problem reported."""

    def __init__(self):
        self.first: tuple | None = None

    def add(self, rank: tuple, message: str | Callable[[], str]) -> None:
        if self.first is None or rank < self.first[0]:
            self.first = (rank, message)

    def raise_first(self) -> None:
        if self.first is not None:
            message = self.first[1]
            raise DataError(message() if callable(message) else message)


@dataclass
class Stream:
    """What the prepare step needs of a source before reading it, and its blocks.

    ``n`` is None until a first reading has counted the rows (a CSV). ``labels`` says what the
    blocks' labels are: "none", "codes" (final int64 labels) or "values" (a file's label column, coded
    by ``labels.LabelCoder``). ``column_major`` says that numpy would sum the float64 columns of
    the whole array pairwise (stats.ColumnSum). ``info`` gains ``label_names`` once the labels are
    coded.
    """

    n: int | None
    d: int
    dtype: np.dtype
    info: dict = field(default_factory=dict)
    row_number: Callable[[int], int] = _counted_from_one
    labels: str = "none"
    column_major: bool = False
    label_column: object = None  # the label column as the config names it, for messages

    def use_scratch(self, directory) -> None:
        """A directory for what a first reading keeps for the next (a table's features)."""

    def blocks(self, problems: Problems) -> Iterator[Block]:
        """Every row in order; problems found while reading are added to ``problems``."""
        raise NotImplementedError

    def label_blocks(self) -> Iterator[Block]:
        """The labels in order (``X`` left empty), without reading the rows: for a stream whose
        labels are codes."""
        raise NotImplementedError


# Blocks a reader may be past a block of a memory map before its pages leave this process's
# resident memory (they stay in the page cache): the blocks still queued for writing, and more.
RELEASE_LAG = 8


def mapped_blocks(X: np.ndarray) -> Iterator[tuple[slice, np.ndarray]]:
    """(rows, X[rows]) for each chunk of a memory-mapped array (a ``np.memmap``), in order. The
    views are plain arrays (a memmap's slices cost a Python-level ``__array_finalize__`` each);
    the pages of rows read ``RELEASE_LAG`` chunks ago are unmapped from this process (madvise
    DONTNEED: they stay in the page cache, a later touch maps them again), so resident memory is a
    few chunks, not the file."""
    raw = getattr(X, "_mmap", None)
    release = raw is not None and X.ndim == 2 and X.flags.c_contiguous and hasattr(mmap, "MADV_DONTNEED")
    if release:
        raw.madvise(mmap.MADV_SEQUENTIAL)  # read ahead: the rows are read in order
        first = X.offset % mmap.ALLOCATIONGRANULARITY  # where the rows start in the mapping
        row_bytes = X.strides[0]
    X = X.view(np.ndarray)
    parts = chunks(X.shape[0])
    released = 0
    for i, rows in enumerate(parts):
        yield rows, X[rows]
        if release and i >= RELEASE_LAG:
            upto = first + parts[i - RELEASE_LAG].stop * row_bytes
            upto -= upto % mmap.PAGESIZE
            if upto > released:
                raw.madvise(mmap.MADV_DONTNEED, released, upto - released)
                released = upto


def column_major(X: np.ndarray) -> bool:
    """Whether numpy's axis-0 sum of ``np.asarray(X, float64)`` runs down each column (pairwise):
    when the columns are the shorter stride (Fortran order), or there is one column."""
    n, d = X.shape
    return d == 1 or (n > 1 and abs(X.strides[0]) < abs(X.strides[1]))


class ArrayStream(Stream):
    """An in-memory source (a loader's ``Loaded``), sliced into blocks."""

    def __init__(self, loaded: Loaded):
        X = loaded.X
        super().__init__(
            n=X.shape[0], d=X.shape[1], dtype=X.dtype, info=dict(loaded.info), row_number=loaded.row_number,
            labels="none" if loaded.labels is None else "codes", column_major=column_major(X),
        )
        self.X, self.y = X, None if loaded.labels is None else np.asarray(loaded.labels, dtype=np.int64)

    def blocks(self, problems: Problems) -> Iterator[Block]:
        for rows in chunks(self.n):
            yield Block(rows.start, self.X[rows], None if self.y is None else self.y[rows])

    def label_blocks(self) -> Iterator[Block]:
        for rows in chunks(self.n):
            yield Block(rows.start, self.X[rows, :0], None if self.y is None else self.y[rows])


class Selection:
    """The rows listed in ``rows`` (sorted source indices; None: all) of blocks taken in row order,
    renumbered from 0 in the order of ``rows``: the subsample as the prepared data holds it."""

    def __init__(self, rows: np.ndarray | None):
        self.rows, self.done = rows, 0

    def take(self, block: Block) -> Block | None:
        """The block's listed rows (None if none is)."""
        if self.rows is None:
            return block
        stop = block.start + block.X.shape[0]
        upto = self.done + int(np.searchsorted(self.rows[self.done:], stop))
        if upto == self.done:
            return None
        local = self.rows[self.done:upto] - block.start
        chosen = Block(self.done, block.X[local], None if block.labels is None else block.labels[local])
        self.done = upto
        return chosen


def selected(blocks: Iterator[Block], rows: np.ndarray | None) -> Iterator[Block]:
    """The listed rows (``Selection``) of every block."""
    selection = Selection(rows)
    for block in blocks:
        if (chosen := selection.take(block)) is not None:
            yield chosen
