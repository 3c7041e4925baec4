"""Seconds per Lloyd pass against the floor: CPU seconds per pass at k = 10 (20 iterations, no
tolerance, the same starts) against the floor measured in the same process, rounds interleaved,
medians: one product of X with the centroids the backend iterates plus one read of X.
"""

from __future__ import annotations

import numpy as np

from benchmarks.common import INITS, ITERATION_K, ITERATIONS, Clock, params_of, shared_starts


def per_iteration(X_path: str, name: str, rounds: int = 3) -> dict:
    """CPU seconds per pass at k = ITERATION_K over ITERATIONS passes (no tolerance), against the
    floor measured in the same rounds: one product of X with the iterated centroids plus one read
    of X. CPU time, one thread: what other processes on the machine disturb least."""
    from kmeans_study.backends import get_backend
    from kmeans_study.lloyd.engine import lloyd
    from kmeans_study.lloyd.exact_strategy import ExactStrategy
    from kmeans_study.runtime import limit_threads

    X = np.load(X_path)
    k = ITERATION_K
    inits = shared_starts(X_path, name, k)
    stacked = np.concatenate(inits)
    fixed = {"max_iter": ITERATIONS, "tol": 0.0}
    one_init = {"sklearn": {}, "sklearnex": {}, "faiss": {"early_stopping": False}}
    runs = {backend: get_backend(backend, params_of(backend, options, fixed)) for backend, options in one_init.items()}

    def floor(C):
        with Clock() as product:
            X @ C.T
        with Clock() as read:
            X.sum(axis=0)
        return product.cpu + read.cpu

    def engine(prune):
        return lambda: lloyd(X, inits, ExactStrategy(prune=prune), ITERATIONS, 0.0)

    measured = {f"{b} (1 init)": (lambda b=b: runs[b].fit(X, inits[0], k, 0, 1), inits[0]) for b in runs}
    measured[f"fused unpruned ({INITS} inits per pass)"] = (engine(False), stacked)
    measured[f"fused pruned ({INITS} inits per pass)"] = (engine(True), stacked)
    samples: dict = {label: {"pass_s": [], "floor_s": []} for label in measured}
    with limit_threads(1):
        for fn, _ in measured.values():
            fn()  # first calls (imports, compiled kernels) are not passes
        for _ in range(rounds):
            for label, (fn, C) in measured.items():
                samples[label]["floor_s"].append(floor(C))
                with Clock() as clock:
                    fn()
                samples[label]["pass_s"].append(clock.cpu / ITERATIONS)
    out = {"k": k, "iterations": ITERATIONS, "rounds": rounds, "backends": {}}
    for label, s in samples.items():
        ratios = np.array(s["pass_s"]) / np.array(s["floor_s"])
        out["backends"][label] = {"pass_s": float(np.median(s["pass_s"])), "floor_s": float(np.median(s["floor_s"])),
                                  "ratio": float(np.median(ratios)),
                                  "ratio_range": [float(ratios.min()), float(ratios.max())]}
    return out


def run(X_path: str, name: str) -> dict:
    """``per_iteration``, printed."""
    iteration = per_iteration(X_path, name)
    print(f"\n== {name}: CPU seconds per Lloyd pass at k={iteration['k']} against the floor (median of "
          f"{iteration['rounds']} interleaved rounds; target for the unpruned engine <= 1.3)")
    for label, b in iteration["backends"].items():
        print(f"   {label:34s} {b['pass_s'] * 1e3:7.1f} ms  floor {b['floor_s'] * 1e3:6.1f} ms  ratio"
              f" {b['ratio']:.2f} ({b['ratio_range'][0]:.2f}-{b['ratio_range'][1]:.2f})")
    return iteration
