"""What a fit job's process pays before computing: the interpreter, numpy, numba, the core's
compiled kernels loaded from Numba's cache (and compiled with an empty cache).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

import numpy as np

from benchmarks.common import Clock

_STARTUP_PROBE = """
import json, time
t0 = time.perf_counter()
import numpy as np
t1 = time.perf_counter()
import numba
t2 = time.perf_counter()
from kmeans_study.lloyd import engine, evaluate, exact_strategy
t3 = time.perf_counter()
X = np.random.default_rng(0).random((3000, 64), dtype=np.float32)
def work():
    engine.lloyd(X, [X[:10].copy(), X[10:20].copy()], exact_strategy.ExactStrategy(), 5, 0.0)
    evaluate.evaluate_many(X, [X[:10]])
work()
t4 = time.perf_counter()
work()
t5 = time.perf_counter()
print(json.dumps({"import numpy": t1 - t0, "import numba": t2 - t1, "import the core": t3 - t2,
                  "first calls (kernels loaded or compiled)": t4 - t3 - (t5 - t4)}))
"""


def startup(repeats: int = 3) -> dict:
    """Medians over fresh interpreters: ``python -c pass``, then the probe's steps with Numba's
    cache as the jobs find it (warm), and once with an empty cache (what a new environment pays
    once)."""
    def run(env=None):
        with Clock() as clock:
            out = subprocess.run([sys.executable, "-c", _STARTUP_PROBE], capture_output=True, text=True, check=True,
                                 env={**os.environ, **(env or {})})
        return {**json.loads(out.stdout.strip().splitlines()[-1]), "process wall": clock.wall}

    interpreter = []
    for _ in range(repeats):
        with Clock() as clock:
            subprocess.run([sys.executable, "-c", "pass"], check=True)
        interpreter.append(clock.wall)
    warm = [run() for _ in range(repeats)]
    with tempfile.TemporaryDirectory() as empty:
        cold = run({"NUMBA_CACHE_DIR": empty})
    return {"python -c pass": float(np.median(interpreter)),
            "warm cache": {key: float(np.median([w[key] for w in warm])) for key in warm[0]},
            "empty cache": cold}


def run() -> dict:
    """``startup``, printed."""
    start = startup()
    print("\n== start-up of a fit job's process (median of 3 fresh interpreters), s")
    print(f"   python -c pass {start['python -c pass']:.3f}; with the cache as jobs find it: "
          + ", ".join(f"{key} {value:.3f}" for key, value in start["warm cache"].items()))
    print("   with an empty Numba cache (once per environment): "
          + ", ".join(f"{key} {value:.3f}" for key, value in start["empty cache"].items()))
    return start
