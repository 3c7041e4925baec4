"""The prepare step at scale (issue 20): its memory does not grow with the rows, and its time
against the disk's read floor.

    python -m benchmarks.prepare_scale write DIR --rows 3000000    # emb.npy, emb.parquet, emb.csv
    python -m benchmarks.prepare_scale prepare FILE OUT [--zscore] [--label-column C] [--floor]

``write`` writes the ``embeddings`` source's data (128 float32 features and a label) to
DIR/emb.npy (the label as the last column) and, for the first ``--table-rows`` rows, to
DIR/emb.parquet and DIR/emb.csv, a block at a time. ``prepare`` runs the prepare step on a file
(``data.prepare.prepare_dataset``, as the workflow's job does) and prints one JSON line: its wall
time, the peak of its anonymous (heap) memory sampled every 10 ms, and its peak resident memory
(VmHWM, which also counts the pages of the memory-mapped file it touched). Run it under
``/work/shared/tools/memory-limit`` for the memory cgroup's peak (page cache included).

``--floor`` (as root) first measures the disk's read floor: the page cache dropped, the file read
once in 1 MiB reads (as ``cat`` reads it), the cache dropped again before the prepare step.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from pathlib import Path


def _rss_anon_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    return 0.0


def write(directory: Path, rows: int, table_rows: int) -> None:
    import numpy as np

    from kmeans_study.data import embeddings
    from kmeans_study.data.sources import SOURCES

    directory.mkdir(parents=True, exist_ok=True)
    spec = {name: schema["default"] for name, schema in SOURCES["embeddings"].options.items()}
    embeddings.write(directory / "emb.npy", {**spec, "n_samples": rows})
    embeddings.write(directory / "emb.parquet", {**spec, "n_samples": table_rows})
    X = np.load(directory / "emb.npy", mmap_mode="r")
    with (directory / "emb.csv").open("w") as fh:
        fh.write(",".join([f"f{j}" for j in range(X.shape[1] - 1)] + ["label"]) + "\n")
        for start in range(0, table_rows, 65536):
            block = np.asarray(X[start:min(start + 65536, table_rows)])
            np.savetxt(fh, block, fmt=["%.9g"] * (X.shape[1] - 1) + ["%d"], delimiter=",")


def _drop_page_cache() -> None:
    import os

    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def read_floor(path: Path) -> float:
    """Seconds to read ``path`` once from the disk, in 1 MiB reads."""
    _drop_page_cache()
    buffer = bytearray(1 << 20)
    start = time.perf_counter()
    with path.open("rb", buffering=0) as fh:
        while fh.readinto(buffer):
            pass
    seconds = time.perf_counter() - start
    _drop_page_cache()
    return seconds


def prepare(path: Path, out: Path, zscore: bool, label_column) -> dict:
    from kmeans_study.data.prepare import prepare_dataset
    from kmeans_study.runtime import peak_rss_mb

    peak = {"anon": _rss_anon_mb()}
    done = threading.Event()

    def sample():
        while not done.wait(0.01):
            peak["anon"] = max(peak["anon"], _rss_anon_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    spec = {"source": "file", "path": str(path), "label_column": label_column, "zscore": zscore}
    start = time.perf_counter()
    meta = prepare_dataset("bench", spec, out / "cache", out / "X.npy", out / "labels.npy", out / "meta.json")
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    return {"file": str(path), "rows": meta["shape"][0], "zscore": zscore, "label_column": label_column,
            "wall_s": round(wall, 2), "peak_anon_mb": round(peak["anon"], 1), "peak_rss_mb": round(peak_rss_mb(), 1),
            "n_distinct_points": meta["n_distinct_points"]}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.prepare_scale")
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write")
    w.add_argument("directory", type=Path)
    w.add_argument("--rows", type=int, default=3_000_000)
    w.add_argument("--table-rows", type=int, default=400_000)
    p = sub.add_parser("prepare")
    p.add_argument("file", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--zscore", action="store_true")
    p.add_argument("--label-column", default=None)
    p.add_argument("--floor", action="store_true", help="measure the read floor first (needs root)")
    args = parser.parse_args()
    if args.command == "write":
        write(args.directory, args.rows, args.table_rows)
    else:
        label = args.label_column
        label = int(label) if label is not None and label.lstrip("-").isdigit() else label
        floor = read_floor(args.file) if args.floor else None
        figures = prepare(args.file, args.out, args.zscore, label)
        if floor is not None:
            figures.update(read_floor_s=round(floor, 2), share_of_floor=round(floor / figures["wall_s"], 2))
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
