"""A file's label column coded a block at a time, as the old whole-column code coded it.

The codes are the positions of the labels in ``np.unique`` of the whole column: numeric order for
a numeric column, text order otherwise (a column that is numeric in some chunks and text in others
is text, its numbers written as pandas writes them when it joins such chunks). Each block's labels
get provisional ids (in order of first appearance), spooled to disk; once the whole column has
been read, the distinct labels are sorted once and the ids mapped to codes. Memory: the distinct
labels, not the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from kmeans_study.data.stream import LABELS, Block, Problems
from kmeans_study.io import chunks
from kmeans_study.messages import shown, shown_name


def user_column(name) -> str:
    """A column named by the user: a table's column name, or a .npy's 0-based column index."""
    return f"column {shown(name)}" if isinstance(name, str) else f"column index {name}"


def _missing(values: np.ndarray) -> np.ndarray:
    """Where a label is missing, as ``pandas.isna`` says (numbers are told without pandas)."""
    if values.dtype.kind in "iub":
        return np.zeros(values.shape, dtype=bool)
    if values.dtype.kind == "f":
        return np.isnan(values)
    import pandas as pd

    return pd.isna(values)


class LabelCoder:
    """Codes the label column ``column`` of ``path``; ``row_number`` numbers rows in messages.
    ``spool`` (a file path) holds the provisional ids; None keeps them in memory."""

    def __init__(self, column, path: Path, row_number: Callable[[int], int], spool: Path | None = None):
        self.column, self.path, self.row_number = column, path, row_number
        self.ids: dict[tuple, int] = {}  # (kind, value) -> provisional id
        self.numeric: set[np.dtype] = set()
        self.text = False
        self.spool_path = spool
        self.spool = spool.open("wb") if spool is not None else None
        self.kept: list[np.ndarray] = []
        self.missing = False
        self.n = 0

    def feed(self, start: int, values, problems: Problems) -> None:
        """The labels of rows ``start`` ..: a block's label cells, an array."""
        values = np.asarray(values)
        missing = np.flatnonzero(_missing(values))
        self.n = start + values.shape[0]
        if missing.size or self.missing:
            if not self.missing:
                row = start + int(missing[0])
                problems.add((LABELS,), lambda: (
                    f"{shown_name(str(self.path))}: row {self.row_number(row)}, {user_column(self.column)} "
                    "(the labels) has no label: every row needs one"
                ))
            self.missing = True  # the labels will not be used: stop coding them
            return
        if values.dtype.kind in "iuf":
            self.numeric.add(values.dtype)
        else:
            self.text = True
            values = values.astype(str)
        distinct, inverse = np.unique(values, return_inverse=True)
        kind = values.dtype.kind
        ids = np.array([self.ids.setdefault((kind, value), len(self.ids)) for value in distinct.tolist()],
                       dtype=np.int64)
        block = ids[inverse.reshape(-1)]
        if self.spool is not None:
            self.spool.write(block.view(np.uint8))  # buffered
        else:
            self.kept.append(block)

    def finish(self) -> list[str]:
        """Sort the distinct labels once all are read; returns their names, in code order."""
        if self.spool is not None:
            self.spool.close()
        values = [value for _, value in self.ids]
        if self.text:
            values = np.array([value if isinstance(value, str) else str(value) for value in values], dtype=str)
        else:
            values = np.array(values, dtype=np.result_type(*self.numeric))
        names, self.code_of_id = np.unique(values, return_inverse=True)
        self.code_of_id = self.code_of_id.reshape(-1).astype(np.int64)
        return [str(name) for name in names]

    def code_blocks(self) -> Iterator[Block]:
        """The codes of every row in order (after ``finish``)."""
        if self.spool is None:
            ids = np.concatenate(self.kept) if self.kept else np.zeros(0, dtype=np.int64)
        elif self.n:  # a plain view: a np.memmap's every slice costs a Python-level __array_finalize__
            ids = np.memmap(self.spool_path, dtype=np.int64, mode="r").view(np.ndarray)
        else:
            ids = np.zeros(0, dtype=np.int64)
        for rows in chunks(self.n):
            yield Block(rows.start, np.zeros((rows.stop - rows.start, 0)), self.code_of_id[ids[rows]])
