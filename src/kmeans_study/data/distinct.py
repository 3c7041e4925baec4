"""The number of distinct rows of the prepared data, exactly, in memory that does not grow with the
number of rows.

Each row gets a 64-bit hash of its bytes. Rows of one block that share a hash are compared by
their bytes at once, and one row is kept of each group of equal rows (so a row repeated
throughout the data leaves one entry per block, not one per copy). The (hash, row) pairs kept are
partitioned by the hash's top bits into buckets, files on disk when there are more than
``BUCKET_ROWS`` rows, and each bucket is counted alone: distinct hashes are distinct rows, and the
rows that share a hash across blocks are read back from the written X and compared by their bytes.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import numpy as np

from kmeans_study import io

BUCKET_ROWS = 1 << 20  # (hash, row) pairs of one bucket: 16 MB
MAX_BUCKET_BITS = 8  # at most 256 bucket files open
_PAIR = np.dtype([("hash", "<u8"), ("row", "<i8")])


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every bit of the result depends on every bit of ``h``."""
    h = h ^ (h >> np.uint64(30))
    h = h * np.uint64(0xBF58476D1CE4E5B9)
    h = h ^ (h >> np.uint64(27))
    h = h * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


@lru_cache
def _keys(words: int) -> np.ndarray:
    return np.random.default_rng(20).integers(1, 2**63, size=words, dtype=np.uint64) | np.uint64(1)


def row_hashes(X: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each row's bytes: X (m, d) float32, C-contiguous -> (m,) uint64.

    A multilinear hash of the rows' 64-bit words with fixed odd keys, modulo 2**64 (integer
    arithmetic: equal rows hash equally wherever they are), mixed. Two rows that differ in one
    word never collide; rows that differ only in the upper halves of several words collide with a
    chance of about 2**-32, others of about 2**-64; a collision costs a comparison of bytes."""
    words = X.view(np.uint64) if X.shape[1] % 2 == 0 else X.view(np.uint32).astype(np.uint64)
    return _mix(np.einsum("ij,j->i", words, _keys(words.shape[1])))


def _void_rows(X: np.ndarray) -> np.ndarray:
    """Rows as single values of their bytes, to compare and sort whole rows."""
    return np.ascontiguousarray(X).view(np.dtype((np.void, X.dtype.itemsize * X.shape[1]))).reshape(-1)


def _kept(hashes: np.ndarray, X: np.ndarray) -> np.ndarray:
    """The rows of a block to keep: each row whose hash is its own, and one row of each set of
    equal rows among those that share a hash."""
    if not (np.diff(np.sort(hashes)) == 0).any():  # the usual block: every hash its own
        return np.arange(len(hashes))
    order = np.argsort(hashes, kind="stable")
    sorted_hashes = hashes[order]
    starts = np.flatnonzero(np.r_[True, sorted_hashes[1:] != sorted_hashes[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    alone = order[starts[sizes == 1]]
    shared = order[np.repeat(sizes > 1, sizes)]
    if not shared.size:
        return alone
    _, first = np.unique(_void_rows(X[shared]), return_index=True)
    return np.concatenate((alone, shared[first]))


class DistinctRows:
    """Counts the distinct rows of a float32 array (n, d) fed a block at a time in row order;
    ``workdir`` takes the bucket files."""

    def __init__(self, n: int, workdir: Path):
        self.bits = min(MAX_BUCKET_BITS, max(0, math.ceil(math.log2(max(n, 1) / BUCKET_ROWS))))
        self.paths = [Path(workdir) / f"distinct.{b}" for b in range(1 << self.bits)]
        self.files = [path.open("wb") for path in self.paths] if self.bits else None
        self.kept: list[np.ndarray] = []

    def add(self, start: int, X: np.ndarray) -> None:
        """Rows ``start`` .. of the array (m, d)."""
        hashes = row_hashes(X)
        keep = _kept(hashes, X)
        pairs = np.empty(len(keep), dtype=_PAIR)
        pairs["hash"], pairs["row"] = hashes[keep], start + keep
        if not self.bits:
            self.kept.append(pairs)
            return
        bucket = (pairs["hash"] >> np.uint64(64 - self.bits)).astype(np.uint8)
        order = np.argsort(bucket, kind="stable")  # a radix sort for 8-bit keys
        bounds = np.r_[0, np.cumsum(np.bincount(bucket, minlength=len(self.files)))]
        for b, file in enumerate(self.files):
            file.write(pairs[order[bounds[b]:bounds[b + 1]]].view(np.uint8))  # buffered: a few pairs a block

    def count(self, X: np.ndarray) -> int:
        """The number of distinct rows; ``X`` is the whole array (a memory map of the written file),
        read only for rows that share a hash."""
        if not self.bits:
            return _count_bucket(np.concatenate(self.kept) if self.kept else np.zeros(0, _PAIR), X)
        for file in self.files:
            file.close()
        return sum(_count_bucket(np.fromfile(path, dtype=_PAIR), X) for path in self.paths)


def _count_bucket(pairs: np.ndarray, X: np.ndarray) -> int:
    """Distinct rows among a bucket's pairs: one per hash held by one pair; the rows of hashes held
    by several (copies from different blocks, or a collision) compared by their bytes, a group of
    hashes (and CHUNK_ROWS rows) at a time."""
    pairs = pairs[np.argsort(pairs["hash"])]
    hashes = pairs["hash"]
    starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    sizes = np.diff(np.r_[starts, len(pairs)])
    count = int((sizes == 1).sum())
    shared_starts, shared_sizes = starts[sizes > 1], sizes[sizes > 1]
    i = 0
    while i < len(shared_starts):
        if shared_sizes[i] > io.CHUNK_ROWS:  # one hash on many rows: one row, or a collision
            rows = np.sort(pairs["row"][shared_starts[i]:shared_starts[i] + shared_sizes[i]])
            count += _distinct_in_parts(rows, X)
            i += 1
            continue
        j = i + max(1, int(np.searchsorted(np.cumsum(shared_sizes[i:]), io.CHUNK_ROWS, side="right")))
        rows = np.sort(np.concatenate([pairs["row"][s:s + z] for s, z in zip(shared_starts[i:j], shared_sizes[i:j])]))
        count += np.unique(_void_rows(X[rows])).size
        i = j
    return count


def _distinct_in_parts(rows: np.ndarray, X: np.ndarray) -> int:
    """Distinct rows of X among ``rows`` (many, sharing one hash), CHUNK_ROWS at a time."""
    seen: set[bytes] = set()
    for at in range(0, len(rows), io.CHUNK_ROWS):
        seen.update(value.tobytes() for value in np.unique(_void_rows(X[rows[at:at + io.CHUNK_ROWS]])))
    return len(seen)
