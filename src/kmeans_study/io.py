"""Atomic file writes, safe reads, and the one chunk size of every pass over a dataset.

Every result file is written to a temporary sibling and renamed into place, so a job killed
mid-write never leaves a truncated file under the final name. Nothing is read with pickle. A
result file damaged after the fact (truncated by a full disk, edited by hand) is reported as a
``CorruptFile`` naming it and saying how to rebuild it, never as a parser's traceback.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kmeans_study.messages import shown_name

# Rows per chunk of every pass over X (fits, k-means++, evaluation, the data checks, the gap
# statistic's references), so a memory-mapped X is read a chunk at a time and never copied whole.
# 2048 rows of 784 float32 features is 6 MB read per chunk, and its score block against 150
# centroids (10 inits at k = 15) is 1.2 MB: measured fastest among 512..8192 on Fashion-MNIST
# (docs/performance.md). Read at call time by ``chunks``.
CHUNK_ROWS = 2048


def chunks(n: int, rows: int | None = None) -> list[slice]:
    """Consecutive row ranges of at most ``rows`` (default ``CHUNK_ROWS``) rows covering ``range(n)``."""
    rows = rows or CHUNK_ROWS
    return [slice(start, min(start + rows, n)) for start in range(0, n, rows)]


class CorruptFile(ValueError):
    """A result file that exists but cannot be read back."""

    def __init__(self, path, problem: str):
        super().__init__(
            f"{path} is corrupt ({problem}): delete it and rebuild it with `snakemake {path}` (plus your usual "
            "options such as --configfile), then run the study again"
        )


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path in the same directory; rename it to ``path`` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def open_temporary(tmp: Path):
    """The empty temporary file of ``atomic_path``, opened for writing without truncating it: ext4
    writes back a truncated file's dirty pages when it is closed (guarding a replace-by-truncate),
    0.8 s for 1.5 GB that later writes would not wait for."""
    return tmp.open("r+b")


def save_npy(path: str | Path, array) -> None:
    import numpy as np

    with atomic_path(path) as tmp:
        with tmp.open("wb") as fh:
            np.save(fh, array, allow_pickle=False)


class NpyWriter:
    """An .npy file written a block of rows at a time, byte for byte what ``np.save`` writes for the
    whole (``shape``, C order, ``dtype``) array: its header, then the raw rows. ``fh`` is a binary
    file opened for writing (an ``atomic_path``'s temporary file); ``close`` checks every row came."""

    def __init__(self, fh, shape: tuple[int, ...], dtype):
        import numpy as np

        self.fh, self.dtype, self.shape, self.rows = fh, np.dtype(dtype), tuple(shape), 0
        header = {"descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False, "shape": self.shape}
        np.lib.format.write_array_header_1_0(fh, header)

    def write(self, block) -> None:
        """Append rows: an array of shape (rows, *shape[1:]) in ``dtype``, C-contiguous."""
        if block.dtype != self.dtype or block.shape[1:] != self.shape[1:] or not block.flags.c_contiguous:
            raise ValueError(f"a block of {block.dtype} {block.shape} does not continue {self.dtype} {self.shape}")
        self.fh.write(block.data)
        self.rows += block.shape[0]

    def close(self) -> None:
        if self.rows != self.shape[0]:
            raise ValueError(f"{self.rows} rows written of {self.shape[0]}")
        self.fh.flush()


def load_npy(path: str | Path, mmap: bool = False):
    """Load an array without pickle; ``mmap=True`` maps it read-only instead of reading it."""
    import numpy as np

    try:
        return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except (ValueError, EOFError) as exc:
        raise CorruptFile(path, f"not a complete .npy array: {shown_name(str(exc).split('. ')[0])}") from None


def write_json(path: str | Path, data) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n")


def read_json(path: str | Path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CorruptFile(path, f"not valid JSON: {exc.msg} (line {exc.lineno})") from None
    except UnicodeDecodeError:
        raise CorruptFile(path, "not UTF-8 text") from None


def is_file(path) -> bool:
    """Whether ``path`` names a file; False, not an exception, for a name the system cannot take
    (too long, a NUL byte)."""
    try:
        return Path(path).is_file()
    except (OSError, ValueError):
        return False


def read_csv(path: str | Path, sep: str = ","):
    """A CSV written by ``write_csv`` (or a Snakemake benchmark, ``sep="\t"``) as a DataFrame.
    Both end every line with a newline, so a file cut short mostly ends without one."""
    import pandas as pd

    with Path(path).open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        if fh.tell() == 0:
            raise CorruptFile(path, "empty")
        fh.seek(-1, os.SEEK_END)
        if fh.read(1) != b"\n":
            raise CorruptFile(path, "its last line is cut off")
    try:
        return pd.read_csv(path, sep=sep)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise CorruptFile(path, f"not a readable table: {shown_name(str(exc))}") from None


def write_csv(path: str | Path, frame) -> None:
    """Write a pandas DataFrame without its index."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)


def save_figure(path: str | Path, fig, dpi: int) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format=Path(path).suffix.lstrip(".") or "png", bbox_inches="tight")
