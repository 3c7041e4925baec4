"""Outputs are only ever complete; the GPU backend fails clearly where there is no GPU."""

import subprocess
import sys

import numpy as np
import pytest

from kmeans_study import io
from kmeans_study.backends import REGISTRY
from kmeans_study.backends.base import BackendUnavailable
from kmeans_study.backends.run import run_fit
from kmeans_study.config.file import load_config
from kmeans_study.config.schema import REPO_ROOT


def test_a_write_that_fails_midway_leaves_no_file(tmp_path):
    target = tmp_path / "sub" / "X.npy"
    with pytest.raises(RuntimeError):
        with io.atomic_path(target) as tmp:
            tmp.write_bytes(b"half of an array")
            raise RuntimeError("killed")
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_a_failed_rewrite_keeps_the_previous_complete_file(tmp_path):
    target = tmp_path / "record.json"
    io.write_json(target, {"inertia": 1.0})
    with pytest.raises(ValueError):
        io.write_json(target, {"inertia": float("nan")})
    assert io.read_json(target) == {"inertia": 1.0}
    assert [p.name for p in tmp_path.iterdir()] == ["record.json"]


def test_arrays_are_never_unpickled(tmp_path):
    path = tmp_path / "objects.npy"
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="pickle"):
        io.load_npy(path)


def write_and_cut(path, write, keep: float) -> None:
    """Write a result file as the pipeline does, then cut it to ``keep`` of its length."""
    write(path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


CUT_FILES = {
    "record.json": (lambda p: io.write_json(p, {"inertia": 1.5, "n_iter": 3}), io.read_json, "not valid JSON"),
    "best_init.csv": (
        lambda p: io.write_csv(p, __import__("pandas").DataFrame({"k": [2, 3], "inertia_best": [1.5, 0.5]})),
        io.read_csv, "its last line is cut off",
    ),
    "init0.npy": (
        lambda p: io.save_npy(p, np.ones((3, 4), dtype=np.float32)), io.load_npy, "not a complete .npy array",
    ),
    "X.npy (memory-mapped)": (
        lambda p: io.save_npy(p, np.ones((300, 4), dtype=np.float32)), lambda p: io.load_npy(p, mmap=True),
        "not a complete .npy array",
    ),
}


@pytest.mark.parametrize("keep", [0.0, 0.3, 0.9])
@pytest.mark.parametrize("name", sorted(CUT_FILES))
def test_a_cut_result_file_is_named_with_how_to_rebuild_it(tmp_path, name, keep):
    write, read, problem = CUT_FILES[name]
    path = tmp_path / name.split()[0]
    write_and_cut(path, write, keep)
    with pytest.raises(io.CorruptFile) as excinfo:
        read(path)
    message = str(excinfo.value)
    assert message.startswith(f"{path} is corrupt (") and f"delete it and rebuild it with `snakemake {path}`" in message
    assert (problem in message or keep == 0.0) and "\n" not in message and len(message) < 300 + 2 * len(str(path))


def test_the_gpu_backend_is_registered_with_its_own_env_and_a_gpu_request():
    assert REGISTRY["faiss_gpu"].gpus == 1 and REGISTRY["faiss_gpu"].env == "fit_faiss_gpu"
    assert all(r.gpus == 0 for name, r in REGISTRY.items() if name != "faiss_gpu")


def test_the_default_config_does_not_select_the_gpu_backend():
    assert "faiss_gpu" not in load_config(REPO_ROOT / "config.yaml")["backends"]


def test_the_gpu_backend_fails_clearly_without_a_gpu(blobs):
    X, _ = blobs
    with pytest.raises(BackendUnavailable, match="needs a GPU, but this job sees none"):
        run_fit(X, X[:3], backend="faiss_gpu", params={"early_stopping": True, "init": "shared", "max_iter": 10,
                "tol": 1e-4}, k=3, seed=0, threads=1, dataset="d", init_id=0)


def test_a_gpu_fit_job_exits_non_zero_with_the_message(tmp_path):
    code = f"""
import numpy as np
from kmeans_study import io
from kmeans_study.steps import fit, runner
X = np.random.default_rng(0).random((50, 3), dtype=np.float32)
io.save_npy("{tmp_path}/X.npy", X)
io.write_json("{tmp_path}/meta.json", {{"n_distinct_points": 50, "shape": [50, 3], "sha256": {{"X": "x"}}}})
runner.run("{tmp_path}/fit.log", fit.fit, dataset="d", backend="faiss_gpu", base_backend="faiss_gpu", k=3,
         init_id=0, params={{"early_stopping": True, "init": "native", "max_iter": 5, "tol": 1e-4}}, seed=1,
         threads=1, X="{tmp_path}/X.npy", meta="{tmp_path}/meta.json", start=None, centroids="{tmp_path}/c.npy",
         labels="{tmp_path}/l.npy", record="{tmp_path}/r.json")
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 1
    assert "faiss_gpu needs a GPU" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "r.json").exists() and not (tmp_path / "c.npy").exists()
    assert "needs a GPU" in (tmp_path / "fit.log").read_text()
