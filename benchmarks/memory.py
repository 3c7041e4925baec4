"""Peak memory of one fit job per exact backend: its step run in a child process whose resident
memory (anonymous and file-backed apart) is sampled every 5 ms.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import BACKEND, ITERATION_K, child_command, child_env, params_of, shared_starts


def memory_child() -> None:
    """The child of ``_sampled``: one fit job's step (or, for backend null, the interpreter with
    the package and numpy, and the data mapped but not read)."""
    from kmeans_study import io, paths
    from kmeans_study.steps import fit as steps

    spec = json.loads(sys.argv[1])
    backend = spec["backend"]
    os.chdir(spec["out"])  # the outputs are named like the workflow's, relative to this directory
    if backend is None:
        io.load_npy(spec["X"], mmap=True)
        time.sleep(0.5)
        return
    ids = list(range(len(spec["inits"])))
    where = {"dataset": spec["dataset"], "backend": backend, "k": spec["k"]}
    outputs = {name: [paths.fmt(pattern, **where, init_id=i) for i in ids]
               for name, pattern in (("centroids", paths.FIT_CENTROIDS), ("labels", paths.FIT_LABELS),
                                     ("records", paths.FIT_RECORD))}
    common = {"dataset": spec["dataset"], "backend": backend, "k": spec["k"], "params": params_of(backend),
              "threads": spec["threads"], "X": spec["X"], "meta": spec["meta"]}
    if backend == BACKEND:
        steps.fit_fused(**common, seeds={i: i for i in ids}, starts=spec["inits"], **outputs)
    else:
        steps.fit(**common, base_backend=backend, init_id=0, seed=0, start=spec["inits"][0],
                  centroids=outputs["centroids"][0], labels=outputs["labels"][0], record=outputs["records"][0])


def _sampled(spec: dict) -> dict:
    """Run the child on ``spec``; peaks of its resident memory, anonymous and file-backed, MB."""
    child = subprocess.Popen(child_command("memory", "memory_child", json.dumps(spec)), env=child_env())
    peaks = {"VmRSS": 0, "RssAnon": 0, "RssFile": 0}
    status = Path(f"/proc/{child.pid}/status")
    while child.poll() is None:
        try:
            for line in status.read_text().splitlines():
                key, _, value = line.partition(":")
                if key in peaks:
                    peaks[key] = max(peaks[key], int(value.split()[0]))
        except (FileNotFoundError, ProcessLookupError, ValueError):
            pass
        time.sleep(0.005)
    if child.returncode != 0:
        sys.exit(f"memory probe failed for {spec['backend']}")
    return {key: kb / 1024 for key, kb in peaks.items()}


def memory(X_path: str, name: str, threads: int) -> dict:
    from kmeans_study import io, paths

    out = {"data_mb": Path(X_path).stat().st_size / 2**20, "k": ITERATION_K}
    with tempfile.TemporaryDirectory() as tmp:
        inits = []
        for i, init in enumerate(shared_starts(X_path, name, ITERATION_K)):
            inits.append(paths.fmt(paths.START, dataset=name, k=ITERATION_K, init_id=i))
            Path(tmp, inits[-1]).parent.mkdir(parents=True, exist_ok=True)
            io.save_npy(Path(tmp, inits[-1]), init)
        X_abs = Path(X_path).resolve()
        spec = {"X": str(X_abs), "meta": str(X_abs.with_name("meta.json")), "dataset": name, "k": ITERATION_K,
                "threads": threads, "inits": inits}
        for backend in (None, "sklearn", "sklearnex", "faiss", "fused"):
            out[backend or "baseline (numpy, data mapped)"] = _sampled({**spec, "backend": backend, "out": tmp})
    return out


def run(X_path: str, name: str, threads: int = 1) -> dict:
    """``memory`` with ``threads`` per fit, printed."""
    peaks = memory(X_path, name, threads)
    print(f"\n== {name}: peak memory of one fit job (k={peaks['k']}), MiB: resident / anonymous / file-backed;"
          f" data {peaks['data_mb']:.0f} MiB")
    for what, value in peaks.items():
        if isinstance(value, dict):
            print(f"   {what:32s} {value['VmRSS']:6.0f} / {value['RssAnon']:6.0f} / {value['RssFile']:6.0f}")
    return peaks
