"""The prepared arrays written a block at a time: X (float32, checked, its distinct rows counted)
and the labels (int64), each with the sha256 of its bytes, equal to the whole array's."""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from kmeans_study.data.distinct import DistinctRows
from kmeans_study.data.finite import PreparedCheck
from kmeans_study.data.stream import Block, Problems
from kmeans_study.io import NpyWriter, open_temporary


class _Sink:
    """A thread that hashes (sha256) the blocks it is given, overlapping the reading, checking,
    row hashing and writing of the next ones (hashlib releases the GIL); at most ``depth`` blocks
    wait."""

    def __init__(self, sha, depth: int = 4):
        self.sha, self.error = sha, None
        self.queue: queue.Queue = queue.Queue(maxsize=depth)
        self.thread = threading.Thread(target=self._run, name="prepare-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (block := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.sha.update(block)
                except BaseException as exc:  # noqa: BLE001 (raised again in the main thread by close)
                    self.error = exc

    def put(self, block: np.ndarray) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(block)

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


class XOutput:
    """The prepared X (n, d) float32 written to ``path`` (a temporary file) block by block: each
    block checked (``finite.PreparedCheck``), its rows hashed for the distinct count (bucket files in
    ``workdir``), written, and hashed with sha256 by a second thread (the two threads' shares of
    the work are about equal)."""

    def __init__(self, path: Path, shape: tuple[int, int], check: PreparedCheck, workdir: Path):
        self.path, self.check = path, check
        self.file = open_temporary(path)
        self.writer = NpyWriter(self.file, shape, np.float32)
        self.sha = hashlib.sha256()
        self.distinct = DistinctRows(shape[0], workdir)
        self.sink = _Sink(self.sha)

    def feed(self, start: int, X: np.ndarray, problems: Problems) -> None:
        """Prepared rows ``start`` .. (m, d) float32, C-contiguous."""
        self.check.feed(start, X, problems)
        self.distinct.add(start, X)
        self.sink.put(X)
        self.writer.write(X)

    def close(self) -> None:
        """Every row written: wait for the writer, check the count."""
        try:
            self.sink.close()
            self.writer.close()
        finally:
            self.file.close()

    def abort(self) -> None:
        """Stop the writer thread after a failure (the caller removes the file)."""
        try:
            self.sink.close()
        except Exception:  # noqa: BLE001 (the failure being raised matters, not the writer's)
            pass
        self.file.close()

    def n_distinct(self) -> int:
        """The number of distinct rows (after ``close``)."""
        return self.distinct.count(np.load(self.path, mmap_mode="r", allow_pickle=False))


def write_labels(path: Path, blocks: Iterable[Block], n: int, count: bool = True) -> tuple[str, int]:
    """Write the labels (n,) int64 of ``blocks`` to ``path``; returns (their sha256, the number of
    distinct labels, if ``count``, else 0)."""
    sha, classes = hashlib.sha256(), set()
    with open_temporary(path) as file:
        writer = NpyWriter(file, (n,), np.int64)
        for block in blocks:
            labels = np.ascontiguousarray(block.labels, dtype=np.int64)
            sha.update(labels)
            writer.write(labels)
            if count:
                classes.update(np.unique(labels).tolist())
        writer.close()
    return sha.hexdigest(), len(classes)
