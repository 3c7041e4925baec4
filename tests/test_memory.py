"""Backends say what they need: in memory or streamed (kmeans_study.backends.memory), a study whose
in-memory backends cannot hold its data refused before any job, and a fit on a seeded sample."""

import numpy as np
import pytest
import yaml
from smk import snakemake

from kmeans_study.backends import REGISTRY
from kmeans_study.backends.memory import need_mb, refusal
from kmeans_study.backends.run import run_fit
from kmeans_study.config.memory import dataset_shape
from kmeans_study.config.validate import validate_config


def test_in_memory_backends_need_the_data_and_streaming_ones_a_few_numbers_per_point():
    n, d = 8_000_000, 128  # 4 GB of float32
    assert need_mb(REGISTRY["sklearn"], n=n, d=d) > 3 * 4096
    assert need_mb(REGISTRY["sklearn"], n=n, d=d, sample=200_000) < 1000
    assert need_mb(REGISTRY["fused"], n=n, d=d, inits=2) < 1500 < need_mb(REGISTRY["fused"], n=n, d=d, inits=10)
    assert need_mb(REGISTRY["restricted"], n=n, d=d) < 1000
    assert {name for name, entry in REGISTRY.items() if entry.in_memory} == {"sklearn", "sklearnex", "faiss",
                                                                             "faiss_gpu"}
    for name, entry in REGISTRY.items():
        assert ("sample" in entry.params) == entry.in_memory, name


def test_a_backend_that_cannot_hold_the_data_is_refused_in_one_line_naming_what_to_change():
    line = refusal("sklearn", REGISTRY["sklearn"], {}, dataset="emb", n=8_000_000, d=128, given_mb=1024,
                   given_by="the memory cgroup's limit", config_key="sklearn")
    assert "\n" not in line
    for part in ("backend sklearn", "dataset emb", "8,000,000 x 128 float32 = 4,096 MB", "1,024 MB",
                 "the memory cgroup's limit", "backends.sklearn.sample: ", "fused"):
        assert part in line, part
    assert refusal("sklearn", REGISTRY["sklearn"], {"sample": 40_000}, dataset="emb", n=8_000_000, d=128,
                   given_mb=1024, given_by="", config_key="sklearn") is None
    assert refusal("fused", REGISTRY["fused"], {}, dataset="emb", n=8_000_000, d=128, given_mb=1024, given_by="",
                   config_key="fused") is None


def test_the_suggested_sample_is_about_the_largest_that_fits_in_the_memory_given():
    def suggested(given):
        line = refusal("faiss", REGISTRY["faiss"], {}, dataset="x", n=10**7, d=64, given_mb=given, given_by="",
                       config_key="faiss")
        return int(line.split("sample: ")[1].split(")")[0].replace(",", "")) if "sample: " in line else None

    for given in (700, 1024, 4000):
        sample = suggested(given)
        assert need_mb(REGISTRY["faiss"], n=10**7, d=64, sample=sample) <= given
        assert need_mb(REGISTRY["faiss"], n=10**7, d=64, sample=sample + 2000) > given  # within rounding
    nothing_fits = need_mb(REGISTRY["faiss"], n=10**7, d=64, sample=0)
    assert suggested(nothing_fits) is None  # not even a sample fits: no advice to sample


def test_the_shape_of_a_dataset_is_known_from_its_config_or_its_files_header(tmp_path, monkeypatch):
    import pandas as pd

    monkeypatch.chdir(tmp_path)
    np.save(tmp_path / "x.npy", np.zeros((50, 6), dtype=np.float32))
    pd.DataFrame(np.zeros((40, 3)), columns=list("abc")).to_parquet(tmp_path / "x.parquet")
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    config = validate_config({"datasets": {
        "gen": {"source": "blobs", "n_samples": 300, "n_features": 7, "pca": 3},
        "some": {"source": "uniform", "n_samples": 300, "subsample": 100},
        "npy": {"source": "file", "path": "x.npy", "label_column": 5},
        "pq": {"source": "file", "path": "x.parquet"},
        "csv": {"source": "file", "path": "x.csv"},
    }, "backends": {"fused": {}}})
    shapes = {name: dataset_shape(config, name) for name in config["datasets"]}
    assert shapes == {"gen": (300, 3), "some": (100, 32), "npy": (50, 5), "pq": (40, 3), "csv": None}


def test_a_study_whose_in_memory_backend_cannot_hold_its_data_is_refused_before_any_job(tmp_path):
    config = {"k": {"values": [2, 3]}, "inits": 1,
              "datasets": {"big": {"source": "uniform", "n_samples": 4_000_000, "n_features": 32}},
              "backends": {"fused": {}, "sklearn": {}}}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    run = snakemake(tmp_path, "-n", "--resources", "mem_mb=900")
    assert run.returncode != 0
    line = [line for line in run.stderr.splitlines() if line.startswith("kmeans-study:")]
    assert line and "backend sklearn needs dataset big in memory" in line[0] and "--resources mem_mb" in line[0]
    assert not (tmp_path / "results" / "big").exists()
    config["backends"]["sklearn"] = {"sample": 20_000}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    assert snakemake(tmp_path, "-n", "--resources", "mem_mb=900").returncode == 0


def test_a_backend_told_to_sample_fits_on_the_sample_and_is_measured_on_all_points(blobs):
    X, _ = blobs
    start = X[[0, 100, 200, 300, 400]]
    params = {"algorithm": "lloyd", "init": "shared", "sample": 150, "max_iter": 100, "tol": 1e-4}
    centroids, labels, record = run_fit(X, start, backend="sklearn", params=params, k=5, seed=1, threads=1,
                                        dataset="t", init_id=0, sample_seed=3)
    assert record["details"]["sample"] == {"points": 150, "of": len(X), "seed": 3}
    assert record["details"]["points_used"] == 150 and record["n_points"] == len(X) == len(labels)
    d2 = ((X[:, None].astype(np.float64) - centroids[None].astype(np.float64)) ** 2).sum(-1)
    assert record["inertia"] == pytest.approx(d2.min(1).sum(), rel=1e-9)
    again = run_fit(X, start, backend="sklearn", params=params, k=5, seed=1, threads=1, dataset="t", init_id=0,
                    sample_seed=3)
    np.testing.assert_array_equal(again[0], centroids)  # the same seed, the same rows
    whole = run_fit(X, start, backend="sklearn", params={**params, "sample": None}, k=5, seed=1, threads=1,
                    dataset="t", init_id=0)
    assert "sample" not in whole[2]["details"]
