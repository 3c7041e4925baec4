"""What the benchmark's parts share: the study they measure (datasets, k values, inits, seeds),
its prepared data and shared starts, a backend's parameters as a fit job gets them, and a clock."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
KS = list(range(5, 16))
INITS = 10
SEED = 0
DATASETS = {
    "mnist5k": {"source": "mnist5k"},
    "fashion_mnist": {"source": "fashion_mnist", "split": "train"},
}
BACKEND = "fused"
ITERATION_K = 10
ITERATIONS = 20


def study_config(name: str) -> dict:
    # No gap statistic: its reference fits are work the notebook loop does not do.
    return {"seed": SEED, "k": {"min": KS[0], "max": KS[-1]}, "inits": INITS,
            "datasets": {name: DATASETS[name]}, "backends": {BACKEND: {}}, "k_choice": {"gap": {"references": 0}}}


def seeds(name: str) -> dict[tuple[int, int], int]:
    from kmeans_study.config.study import init_seed

    return {(k, i): init_seed(study_config(name), name, k, i) for k in KS for i in range(INITS)}


def params_of(backend: str, options: dict | None = None, fit: dict | None = None) -> dict:
    """A backend's parameters exactly as a fit job gets them (schema defaults filled in)."""
    from kmeans_study.config.study import backend_params
    from kmeans_study.config.validate import validate_config

    config = validate_config({"datasets": {"any": {"source": "uniform"}}, "backends": {backend: options or {}},
                              **({"fit": fit} if fit else {})})
    return backend_params(config, backend)


def prepared(name: str, out: Path) -> str:
    """The dataset's prepared X.npy: the pipeline's when it ran, else prepared here once."""
    from kmeans_study.config.validate import validate_config
    from kmeans_study.data.prepare import prepare_dataset

    for candidate in (out / name / "results" / name / "data", out / name / "prepared"):
        if (candidate / "X.npy").exists():
            return str(candidate / "X.npy")
    target = out / name / "prepared"
    target.mkdir(parents=True, exist_ok=True)
    spec = validate_config(study_config(name))["datasets"][name]
    prepare_dataset(name, spec, out / name / "resources", target / "X.npy", target / "labels.npy", target / "meta.json")
    return str(target / "X.npy")


def shared_starts(X_path: str, name: str, k: int) -> list[np.ndarray]:
    """The pipeline's k-means++ starts of k (init ids 0..INITS-1)."""
    from kmeans_study.lloyd.starts import kmeans_plusplus_many

    seed_of = seeds(name)
    return kmeans_plusplus_many(np.load(X_path, mmap_mode="r"), k, [seed_of[k, i] for i in range(INITS)])


def child_command(module: str, function: str, *args: str) -> list[str]:
    """A fresh interpreter that calls ``function()`` of ``benchmarks.<module>`` with ``args`` in
    its ``sys.argv[1:]``. Run it with ``env=child_env()``: the benchmarks are no installed package."""
    return [sys.executable, "-c", f"from benchmarks.{module} import {function}; {function}()", *args]


def child_env() -> dict[str, str]:
    """This environment with the repository root first on PYTHONPATH (where ``benchmarks`` is)."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


class Clock:
    """Wall and CPU seconds of a block (CPU time is what other processes on the machine disturb least)."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu
