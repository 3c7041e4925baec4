"""Adding a backend or a dataset source is one module plus one registry entry: proven on a copy of
the workflow that gets exactly that (a toy backend and a toy source) and nothing else, run end to end."""

import json
import shutil
import textwrap

import pandas as pd
import pytest
from smk import ROOT, snakemake, write_config

pytestmark = pytest.mark.e2e

TOY_BACKEND = '''
"""A toy backend: scikit-learn's MiniBatchKMeans from the shared start."""

import numpy as np

from kmeans_study.backends.base import Backend, BackendResult


class MiniBatch(Backend):
    name = "minibatch"
    libraries = ["numpy", "sklearn.cluster"]

    def fit(self, X, init, k, seed, threads):
        from sklearn.cluster import MiniBatchKMeans

        model = MiniBatchKMeans(k, init=init, n_init=1, batch_size=self.params["batch_size"],
                                max_iter=self.params["max_iter"], random_state=seed).fit(X)
        return BackendResult(np.asarray(model.cluster_centers_, dtype=np.float32), int(model.n_iter_), None,
                             float(model.inertia_), {"objective": "mini-batch inertia", "points_used": int(len(X)),
                                                     "stopping": "scikit-learn's mini-batch rule"})
'''
BACKEND_ENTRY = '''
    "minibatch": Registered(
        "kmeans_study.backends.minibatch:MiniBatch", "fit_sklearn", exact=False,
        description="scikit-learn MiniBatchKMeans from the shared start.",
        params={"batch_size": _integer("Points per mini-batch.", 1, 256), "init": SHARED_ONLY},
        grid=("batch_size",),
    ),
'''
TOY_SOURCE = '''
"""A toy source: points on concentric rings, labelled by ring."""

import numpy as np

from kmeans_study.data.sources import Loaded


def load(name, spec, cache_dir):
    rng = np.random.default_rng(spec["seed"])
    ring = rng.integers(0, spec["rings"], spec["n_samples"])
    angle = rng.uniform(0, 2 * np.pi, spec["n_samples"])
    radius = 1.0 + 3.0 * ring + rng.normal(0, 0.1, spec["n_samples"])
    return Loaded(np.column_stack([radius * np.cos(angle), radius * np.sin(angle)]), ring, {"origin": "rings"})
'''
SOURCE_ENTRY = '''
    "rings": Source(
        "kmeans_study.data.rings:load", "Points on concentric rings, labelled by ring.",
        options={"n_samples": _N_SAMPLES, "rings": _integer("Number of rings.", 1, 3), "seed": _GENERATOR_SEED},
        n_samples=lambda spec: spec["n_samples"], n_features=lambda spec: 2,
    ),
'''


def add_entry(registry_file, registry_name: str, entry: str) -> None:
    """Insert ``entry`` as the last item of the dict literal ``registry_name`` in the file."""
    text = registry_file.read_text()
    start = text.index(f"{registry_name}: dict[")
    end = text.index("\n}\n", start)
    registry_file.write_text(text[:end] + textwrap.dedent(entry).rstrip("\n").replace("\n", "\n    ") + text[end:])


@pytest.fixture(scope="module")
def extended(tmp_path_factory):
    """A copy of the workflow with one new backend module and one new source module, each with its
    registry entry, and a completed study that uses both."""
    copy = tmp_path_factory.mktemp("extended")
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for part in ("Snakefile", "config.yaml", "workflow", "scripts", "src", "envs"):
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, copy / part, ignore=ignore)
        else:
            shutil.copy(source, copy / part)
    package = copy / "src" / "kmeans_study"
    (package / "backends" / "minibatch.py").write_text(TOY_BACKEND)
    add_entry(package / "backends" / "__init__.py", "REGISTRY", BACKEND_ENTRY)
    (package / "data" / "rings.py").write_text(TOY_SOURCE)
    add_entry(package / "data" / "sources.py", "SOURCES", SOURCE_ENTRY)
    work = copy / "work"
    work.mkdir()
    write_config(work, {
        "k": {"values": [2, 3, 4]},
        "inits": 1,
        "datasets": {"r": {"source": "rings", "n_samples": 300, "rings": 3}},
        "backends": {"sklearn": {}, "minibatch": {"grid": {"batch_size": [32, 64]}}},
    })
    # The copy's package first on the path of every job, as if it were the one installed.
    run = snakemake(work, "--cores", "2", snakefile=copy / "Snakefile", env={"PYTHONPATH": str(copy / "src")})
    assert run.returncode == 0, run.stderr[-3000:]
    return work / "results"


def test_a_registered_toy_backend_runs_in_every_report(extended):
    names = ["minibatch-batch_size32", "minibatch-batch_size64"]
    for name in names:
        record = json.loads((extended / f"r/fit/{name}/k3/init0/record.json").read_text())
        assert record["backend"] == name and record["backend_family"] == "minibatch"
        assert record["params"]["batch_size"] == int(name.removeprefix("minibatch-batch_size"))
    timing = pd.read_csv(extended / "r/timing.csv")
    assert set(names) <= set(timing["backend"])
    pairs = pd.read_csv(extended / "r/agreement.csv")
    assert {("sklearn", name) for name in names} <= set(zip(pairs["backend_a"], pairs["backend_b"]))
    assert names[0] in (extended / "summary.md").read_text()


def test_a_registered_toy_source_is_prepared_with_its_options_and_labels(extended):
    meta = json.loads((extended / "r/data/meta.json").read_text())
    assert meta["source"] == "rings" and meta["shape"] == [300, 2]
    assert meta["has_labels"] and meta["n_label_classes"] == 3
    quality = pd.read_csv(extended / "r/sklearn/quality.csv")
    assert list(quality["k"]) == [2, 3, 4]
