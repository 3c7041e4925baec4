"""End to end: the shipped embeddings study (workflow/configs/embeddings.yaml), shrunk to a few
thousand points, reads the same data generated, from a .npy (label last) and from a .parquet (a
label column): the same prepared points and labels, and every backend and answer for each (issue
20, item 6). The fits differ between the three datasets only by their seeds, which the study draws
from the dataset's name (docs/design.md): under one name the three readings give one study."""

import json

import numpy as np
import pytest
import yaml
from smk import ROOT, completed_study

from kmeans_study.data import embeddings

ROWS = 3000
DATASETS = ("generated", "npy", "parquet")

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    config = yaml.safe_load((ROOT / "workflow/configs/embeddings.yaml").read_text())
    spec = {**config["datasets"]["embeddings"], "n_samples": ROWS, "n_features": 16, "n_clusters": 12}
    files = tmp_path_factory.mktemp("embedding_files")
    generator_options = {key: value for key, value in spec.items() if key not in ("source", "zscore")}
    defaults = {name: schema["default"] for name, schema in embeddings.SOURCES["embeddings"].options.items()}
    for suffix in (".npy", ".parquet"):
        embeddings.write(files / f"emb{suffix}", {**defaults, **generator_options})
    config.update(
        k={"values": config["k"]["values"][:3]},
        inits=2,
        datasets={
            "generated": spec,
            "npy": {"source": "file", "path": str(files / "emb.npy"), "label_column": -1, "zscore": False},
            "parquet": {"source": "file", "path": str(files / "emb.parquet"), "label_column": "label",
                        "zscore": False},
        },
        k_choice={"gap": {"references": 2}, "resamples": 100},
    )
    return completed_study(tmp_path_factory, "embeddings", config) / "results"


def test_the_three_readings_prepare_the_same_points_and_labels(study):
    for name in DATASETS[1:]:
        for array in ("X.npy", "labels.npy"):
            assert np.array_equal(np.load(study / name / "data" / array), np.load(study / "generated/data" / array))


def test_every_backend_of_the_example_fits_every_k_and_init_of_each_reading(study):
    for name in DATASETS:
        records = sorted(p.relative_to(study / name) for p in (study / name / "fit").rglob("record.json"))
        assert {p.parts[1] for p in records} == {"fused", "restricted", "faiss_sampled"}
        assert {p.parts[2] for p in records} == {"k16", "k32", "k64"}
        assert len(records) == 3 * 3 * 2
        for record in records:
            facts = json.loads((study / name / record).read_text())
            assert facts["n_points"] == ROWS and facts["inertia"] > 0


def test_the_verdict_and_the_summary_answer_for_each_reading(study):
    summary = (study / "summary.md").read_text()
    for name in DATASETS:
        choice = json.loads((study / name / "k_choice.json").read_text())
        assert choice["k_range"] and choice["k"] in (None, 16, 32, 64)
        assert name in summary
