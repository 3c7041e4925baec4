"""Fit jobs import only what their backend needs."""

import json
import subprocess
import sys

HEAVY = ["sklearn", "faiss", "torch", "torchvision", "pandas", "matplotlib", "mlxtend", "numba", "snakemake"]


def imported_after(code: str) -> set[str]:
    probe = code + f"\nimport json, sys; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def test_the_package_imports_nothing_heavy():
    statement = (
        "import kmeans_study.steps.fit, kmeans_study.backends.run, kmeans_study.backends, kmeans_study.steps.runner"
    )
    assert imported_after(statement) == set()


def test_a_faiss_fit_imports_faiss_and_nothing_else_heavy(tmp_path):
    """Neither scikit-learn nor torch, and no Numba: the evaluation is NumPy."""
    code = f"""
import numpy as np
from kmeans_study import io
from kmeans_study.steps import fit as steps
X = np.random.default_rng(0).random((200, 3), dtype=np.float32)
io.save_npy("{tmp_path}/X.npy", X)
io.write_json("{tmp_path}/meta.json", {{"n_distinct_points": 200, "shape": [200, 3], "sha256": {{"X": "x"}}}})
steps.fit(dataset="d", backend="faiss", base_backend="faiss", k=4, init_id=0,
          params={{"early_stopping": True, "init": "native", "max_iter": 50, "tol": 1e-4}}, seed=1, threads=1,
          X="{tmp_path}/X.npy", meta="{tmp_path}/meta.json", start=None, centroids="{tmp_path}/c.npy",
          labels="{tmp_path}/l.npy", record="{tmp_path}/r.json")
"""
    assert imported_after(code) == {"faiss"}


def test_the_terminal_view_imports_not_even_numpy():
    """Snakemake loads the logger plugin in every command, a dry run included."""
    probe = ("import sys, snakemake_logger_plugin_kmeans_study, snakemake_logger_plugin_kmeans_study.console\n"
             f"print([m for m in {HEAVY + ['numpy', 'yaml']!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[]"
