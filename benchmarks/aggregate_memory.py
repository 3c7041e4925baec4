"""Peak memory of the aggregate steps that read X or the fits' labels (criteria, confusion,
agreement) on a large synthetic results tree, to show it does not grow with the number of points.

    .venv/bin/python -m benchmarks.aggregate_memory make DIR N   # DIR/results/big: N x 128 float32, k = 64
    .venv/bin/python -m benchmarks.aggregate_memory run DIR criteria|confusion|agreement

``make`` writes X (N rows around 64 centres), 10-class labels and 2 inits of k = 64 by two
backends (``fused``, ``restricted``; labels mostly the generating centre's: the steps' cost does
not depend on them), with the records, best_init.csv and elbow.json the steps read. ``run`` runs
one step as its job does and prints its wall time and its peak anonymous resident memory
(``RssAnon``, sampled every 10 ms: the arrays, not the memory-mapped file's pages) and
``VmHWM`` (those pages included). docs/memory.md runs it under a memory cgroup of 1 GiB.
"""

from __future__ import annotations

import glob
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np

D, K = 128, 64
BACKENDS = ("fused", "restricted")


def make(root: Path, n: int) -> None:
    from numpy.lib.format import open_memmap

    from kmeans_study import io

    base = root / "results/big"
    (base / "data").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 3, (K, D)).astype(np.float32)
    X = open_memmap(base / "data/X.npy", mode="w+", dtype=np.float32, shape=(n, D))
    truth = np.empty(n, dtype=np.int32)
    for start in range(0, n, 100_000):
        rows = slice(start, min(n, start + 100_000))
        truth[rows] = rng.integers(0, K, rows.stop - rows.start)
        X[rows] = centres[truth[rows]] + rng.standard_normal((rows.stop - rows.start, D), dtype=np.float32)
    X.flush()
    np.save(base / "data/labels.npy", (truth % 10).astype(np.int64))
    io.write_json(base / "data/meta.json", {"dataset": "big", "shape": [n, D], "label_names": list("0123456789")})
    blas = [{"internal_api": "openblas", "version": "-", "architecture": "-"}]
    for backend in BACKENDS:
        for init in (0, 1):
            fit = base / f"fit/{backend}/k{K}/init{init}"
            fit.mkdir(parents=True, exist_ok=True)
            np.save(fit / "labels.npy", np.where(rng.random(n) < 0.9, truth, rng.integers(0, K, n)).astype(np.int32))
            io.write_json(fit / "record.json", {
                "dataset": "big", "backend": backend, "k": K, "init_id": init, "init": "shared",
                "inertia": 1e6 + init, "n_iter": 10, "converged": True, "fit_wall_s": 1.0, "fit_cpu_s": 1.0,
                "threads": 1, "n_points": n, "peak_rss_mb": 0.0, "data_mb": n * D * 4 / 1e6,
                "details": {"points_used": n}, "native_libraries": blas,
            })
        (base / backend).mkdir(exist_ok=True)
        (base / backend / "best_init.csv").write_text(f"k,best_init_id,inertia_best\n{K},0,1000000.0\n")
        io.write_json(base / backend / "elbow.json", {"two_line": {"k": None}, "kneedle": {"k": None}})


def _sampled_peaks(peaks: dict[str, int], stop: threading.Event) -> None:
    while not stop.is_set():
        with open("/proc/self/status") as status:
            for line in status:
                key = line.split(":")[0]
                if key in peaks:
                    peaks[key] = max(peaks[key], int(line.split()[1]))
        time.sleep(0.01)


def run(root: Path, step: str) -> None:
    os.chdir(root)  # the steps check the inputs' paths against the workflow's patterns (results/...)
    peaks, stop = {"RssAnon": 0, "VmHWM": 0}, threading.Event()
    sampler = threading.Thread(target=_sampled_peaks, args=(peaks, stop))
    sampler.start()
    from kmeans_study.steps import kchoice, tables

    base, out = "results/big", root / "out"
    records = {b: sorted(glob.glob(f"{base}/fit/{b}/k*/init*/record.json")) for b in BACKENDS}
    labels = {b: sorted(glob.glob(f"{base}/fit/{b}/k*/init*/labels.npy")) for b in BACKENDS}
    start = time.perf_counter()
    if step == "criteria":
        kchoice.criteria(X=f"{base}/data/X.npy", records=records["fused"], fit_labels=labels["fused"],
                         sample_size=2000, seed=0, top_fraction=0.5, table=str(out / "criteria.csv"))
    elif step == "confusion":
        tables.confusion(data_labels=f"{base}/data/labels.npy", meta=f"{base}/data/meta.json",
                         best=f"{base}/fused/best_init.csv", records=records["fused"], fit_labels=labels["fused"],
                         confusion=str(out / "confusion.csv"), quality=str(out / "quality.csv"))
    else:
        tables.agreement(records=records["fused"] + records["restricted"],
                         fit_labels=labels["fused"] + labels["restricted"],
                         elbows=[f"{base}/{b}/elbow.json" for b in BACKENDS], pairs=[BACKENDS],
                         by_init=str(out / "agreement_by_init.csv"), by_k=str(out / "agreement.csv"),
                         elbow_agreement=str(out / "elbow_agreement.csv"))
    wall = time.perf_counter() - start
    stop.set()
    sampler.join()
    print(f"{step}: {wall:.1f} s, peak RssAnon {peaks['RssAnon'] / 1024:.0f} MB, VmHWM {peaks['VmHWM'] / 1024:.0f} MB")


if __name__ == "__main__":
    command, root = sys.argv[1], Path(sys.argv[2]).resolve()
    if command == "make":
        make(root, int(sys.argv[3]))
    else:
        run(root, sys.argv[3])
