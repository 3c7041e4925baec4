"""Column statistics of a float64 array fed a block of rows at a time: the sums numpy's whole-array
``np.mean`` / ``np.std`` compute, bit for bit, and the scatter matrix of a PCA.

numpy's axis-0 sum adds the rows one after another when the rows are contiguous in memory (a
C-ordered array of several columns), so a running total carried as the first row of each block
(``np.concatenate((carry[None], rows)).sum(axis=0)``) equals it. When the columns are contiguous
(a Fortran-ordered array, or a single column), numpy sums each column pairwise
(``pairwise_sum`` in numpy/_core/src/umath/loops_utils.h.src: blocks of at most 128 values added
with 8 accumulators, halves split at a multiple of 8); ``ColumnSum`` replays that tree over the
blocks as they come, holding at most a block and 127 rows.
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np

PAIRWISE_BLOCK = 128  # numpy's PW_BLOCKSIZE


def _pairwise_tree(n: int) -> Generator[int, np.ndarray, np.ndarray]:
    """numpy's pairwise summation of ``n`` rows as a coroutine: yields the length of each leaf in
    row order, is sent that leaf's sum, and returns the total."""
    if n <= PAIRWISE_BLOCK:
        return (yield n)
    half = n // 2
    half -= half % 8
    left = yield from _pairwise_tree(half)
    right = yield from _pairwise_tree(n - half)
    return left + right


def _leaf_sum(rows: np.ndarray) -> np.ndarray:
    """numpy's sum of at most 128 rows (m, d), column by column: below 8 rows one after another,
    else 8 accumulators combined as ((0+1)+(2+3))+((4+5)+(6+7)), then the rest one by one."""
    m = rows.shape[0]
    if m < 8:
        total = np.zeros(rows.shape[1])
        for row in rows:
            total = total + row
        return total
    acc = rows[:8].copy()
    whole = m - m % 8
    for i in range(8, whole, 8):
        acc += rows[i:i + 8]
    total = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
    for row in rows[whole:]:
        total = total + row
    return total


class ColumnSum:
    """``np.sum(X, axis=0)`` of a float64 array X (n, d) fed in row blocks, bit for bit;
    ``pairwise``: X's columns are contiguous in memory (see the module's opening).

    A block is put in ``space(m)`` and added by ``add(m)``: the space is kept from block to block
    (behind a row for the running total), so that a pass allocates no memory per block: fresh
    memory costs a page fault per 4 KB, more than the sums themselves."""

    def __init__(self, n: int, d: int, pairwise: bool):
        self.pairwise = pairwise
        self._space = np.zeros((0, d))
        if pairwise:
            self._tree = _pairwise_tree(n)
            self._leaf = next(self._tree)
            self._pending = np.zeros((0, d))
            self._total = None
        else:
            self._carry = np.zeros(d)

    def space(self, m: int) -> np.ndarray:
        """Where to put the next m rows: a float64 array (m, d)."""
        if self._space.shape[0] < m + 1:
            self._space = np.empty((m + 1, self._space.shape[1]))
        return self._space[1:m + 1]

    def add(self, m: int) -> None:
        """Add the m rows put in ``space(m)``."""
        if not self.pairwise:
            self._space[0] = self._carry
            self._carry = self._space[:m + 1].sum(axis=0)
            return
        rows = self._space[1:m + 1]
        rows = np.concatenate((self._pending, rows)) if len(self._pending) else rows
        at = 0
        while self._total is None and rows.shape[0] - at >= self._leaf:
            leaf = rows[at:at + self._leaf]
            at += self._leaf
            try:
                self._leaf = self._tree.send(_leaf_sum(leaf))
            except StopIteration as done:
                self._total = done.value
        self._pending = rows[at:].copy()

    def total(self) -> np.ndarray:
        """The column sums (d,), once every row has been added."""
        if not self.pairwise:
            return self._carry
        return 0.0 + self._total  # numpy starts a reduction from its identity, +0.0


class Scatter:
    """The principal components of rows fed in blocks: the d x d scatter matrix about a shift (the
    first block's mean, so that large means cancel before the products), then ``eigh``."""

    def __init__(self, d: int):
        self.shift = None
        self._space = np.zeros((0, d))
        self.sums = np.zeros(d)
        self.products = np.zeros((d, d))
        self.n = 0

    def add(self, rows: np.ndarray) -> None:
        """The next rows (m, d), of any real dtype (computed in float64)."""
        if self.shift is None:
            self.shift = np.asarray(rows, dtype=np.float64).mean(axis=0)
        if self._space.shape[0] < rows.shape[0]:
            self._space = np.empty(rows.shape)
        centred = self._space[:rows.shape[0]]
        np.subtract(rows, self.shift, out=centred, casting="unsafe")
        self.sums += centred.sum(axis=0)
        self.products += centred.T @ centred
        self.n += rows.shape[0]

    def components(self, k: int) -> tuple[np.ndarray, np.ndarray, float]:
        """(mean (d,), the first k principal axes (k, d) with scikit-learn's signs, the share of the
        variance they explain), as ``sklearn.decomposition.PCA(k, svd_solver="full")`` finds them
        (its largest-loading-positive sign convention, ``svd_flip`` on the axes)."""
        from sklearn.utils.extmath import svd_flip

        mean_shift = self.sums / self.n
        scatter = self.products - np.outer(self.sums, mean_shift)
        variances, axes = np.linalg.eigh((scatter + scatter.T) / 2)
        variances, axes = np.clip(variances[::-1], 0.0, None), axes[:, ::-1]
        _, axes = svd_flip(None, np.ascontiguousarray(axes.T), u_based_decision=False)
        with np.errstate(invalid="ignore", divide="ignore"):  # all rows equal: refused later
            explained = float(variances[:k].sum() / variances.sum())
        return self.shift + mean_shift, axes[:k], explained
