"""Atomic file writes and safe reads.

Every result file is written to a temporary sibling and renamed into place, so a job killed
mid-write never leaves a truncated file under the final name. Nothing is read with pickle.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


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


def save_npy(path: str | Path, array) -> None:
    import numpy as np

    with atomic_path(path) as tmp:
        with tmp.open("wb") as fh:
            np.save(fh, array, allow_pickle=False)


def load_npy(path: str | Path, mmap: bool = False):
    """Load an array without pickle; ``mmap=True`` maps it read-only instead of reading it."""
    import numpy as np

    return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)


def write_json(path: str | Path, data) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n")


def read_json(path: str | Path):
    return json.loads(Path(path).read_text())


def write_csv(path: str | Path, frame) -> None:
    """Write a pandas DataFrame without its index."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)


def save_figure(path: str | Path, fig, dpi: int) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format=Path(path).suffix.lstrip(".") or "png", bbox_inches="tight")
