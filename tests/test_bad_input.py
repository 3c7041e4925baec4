"""Bad input, end to end: each case exits non-zero, names the key, file or row, and leaves no
results behind. Config problems stop snakemake before any job; data problems stop the job that
first reads the data, before any fit of that dataset."""

import copy

import numpy as np
import pytest
from smk import snakemake, write_config

pytestmark = pytest.mark.e2e

GOOD_DATASET = {"source": "blobs", "n_samples": 60, "n_features": 3, "centers": 3}
BASE = {"k": {"values": [2, 3]}, "inits": 1, "datasets": {"d": GOOD_DATASET}, "backends": {"faiss": {}}}


def config_with(**changes):
    config = copy.deepcopy(BASE)
    config.update(changes)
    return config


def file_dataset(name, **options):
    return {"datasets": {"d": {"source": "file", "path": name, **options}}}


CONFIG_CASES = {
    "unknown key": (config_with(colour="red"), "unknown config key 'colour'"),
    "unknown dataset key": (config_with(datasets={"d": {**GOOD_DATASET, "n_sample": 5}}), "'datasets.d.n_sample'"),
    "wrong type": (config_with(inits="ten"), "config key 'inits'"),
    "k below 2": (config_with(k={"values": [1, 3]}), "config key 'k.values.0'"),
    "k above n": (config_with(k={"min": 50, "max": 70}), "k=70 exceeds the number of samples (60)"),
    "empty k range": (config_with(k={"min": 9, "max": 3}), "empty k range"),
    "negative init id": (config_with(inits=[0, -2]), "config key 'inits'"),
    "duplicate init ids": (config_with(inits=[1, 1]), "config key 'inits'"),
    "unknown backend": (config_with(backends={"faiss": {}, "kmeans++": {}}), "'backends.kmeans++'"),
    "unknown source": (config_with(datasets={"d": {"source": "imagenet"}}), "config key 'datasets.d.source'"),
    "missing data file": (config_with(**file_dataset("nowhere.csv")), "'datasets.d.path': file not found: nowhere.csv"),
    "pca above features": (config_with(datasets={"d": {**GOOD_DATASET, "pca": 4}}), "'datasets.d.pca'"),
}


@pytest.mark.parametrize("case", sorted(CONFIG_CASES))
def test_config_problems_stop_before_any_job(tmp_path, case):
    config, expected = CONFIG_CASES[case]
    write_config(tmp_path, config)
    run = snakemake(tmp_path, "--cores", "1")
    assert run.returncode != 0
    assert expected in run.stderr, run.stderr[-1500:]
    assert not any((tmp_path / "results").rglob("*.*")), "nothing may be written"


def _write(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    return name


DATA_CASES = {
    "empty file": (lambda p: _write(p, "d.csv", ""), {}, "d.csv: the file is empty"),
    "non-numeric cell": (lambda p: _write(p, "d.csv", "a,b\n1,2\n3,x\n"), {}, "column 'b' row 3 holds 'x'"),
    "ragged rows": (lambda p: _write(p, "d.csv", "a,b\n1,2\n3,4,5\n"), {}, "not a rectangular table"),
    "all constant": (lambda p: _write(p, "d.csv", "a,b\n" + "1,2\n" * 9), {}, "every point is identical"),
    "nan": (lambda p: _write(p, "d.csv", "a,b\n1,2\n3,nan\n4,5\n"), {}, "row 3, column 2 holds nan"),
    "inf": (lambda p: _write(p, "d.csv", "a,b\n1,2\n3,4\ninf,5\n"), {}, "row 4, column 1 holds inf"),
    "missing label column": (
        lambda p: _write(p, "d.csv", "a,b\n1,2\n3,4\n5,6\n"), {"label_column": "kind"},
        "'datasets.d.label_column': column 'kind' not found",
    ),
    "pca above features of a file": (
        lambda p: _write(p, "d.csv", "a,b\n1,2\n3,4\n5,7\n"), {"pca": 3}, "'datasets.d.pca': 3 components requested",
    ),
    "fewer distinct points than k": (
        lambda p: _write(p, "d.csv", "a,b\n" + "1,2\n3,4\n" * 5), {}, "k=3 exceeds its 2 distinct points",
    ),
    "pickled npy": (
        lambda p: np.save(p / "d.npy", np.array([[{"x": 1}]], dtype=object), allow_pickle=True) or "d.npy", {},
        "cannot read as a numeric .npy array without pickle",
    ),
}


@pytest.mark.parametrize("case", sorted(DATA_CASES))
def test_data_problems_stop_before_any_fit(tmp_path, case):
    make_file, options, expected = DATA_CASES[case]
    name = make_file(tmp_path)
    write_config(tmp_path, config_with(**file_dataset(name, **options)))
    run = snakemake(tmp_path, "--cores", "1")
    assert run.returncode != 0
    assert "kmeans-study error: " in run.stderr and expected in run.stderr, run.stderr[-2500:]
    assert not list((tmp_path / "results").rglob("record.json"))
    assert not list((tmp_path / "results").rglob("*.part"))


def test_mnist_offline_without_files_says_how_to_provide_them(tmp_path):
    write_config(tmp_path, config_with(datasets={"d": {"source": "mnist", "download": False}}))
    run = snakemake(tmp_path, "--cores", "1")
    assert run.returncode != 0
    assert "MNIST is not available offline" in run.stderr and "'datasets.d.raw_dir'" in run.stderr
    assert not (tmp_path / "results" / "d" / "data" / "X.npy").exists()


def test_gpu_backend_without_a_gpu_fails_its_fits_clearly(tmp_path):
    write_config(tmp_path, config_with(backends={"faiss_gpu": {}}))
    run = snakemake(tmp_path, "--cores", "1")
    assert run.returncode != 0
    assert "backend faiss_gpu needs a GPU, but this job sees none" in run.stderr
    assert not list((tmp_path / "results").rglob("record.json"))


def test_an_unwritable_results_directory_is_named(tmp_path):
    write_config(tmp_path, BASE)
    (tmp_path / "results").write_text("a file where the results directory should be")
    run = snakemake(tmp_path, "--cores", "1")
    assert run.returncode != 0
    assert "results directory 'results' is not writable" in run.stderr


def test_widening_k_beyond_prepared_data_stops_before_any_job(tmp_path):
    _write(tmp_path, "d.csv", "a,b\n" + "1,2\n3,4\n5,7\n8,1\n" * 3)
    write_config(tmp_path, config_with(**file_dataset("d.csv")))
    assert snakemake(tmp_path, "--cores", "1").returncode == 0
    records = sorted((tmp_path / "results").rglob("record.json"))
    write_config(tmp_path, config_with(k={"values": [2, 3, 5]}, **file_dataset("d.csv")))
    run = snakemake(tmp_path, "--cores", "1")
    assert run.returncode != 0
    assert "k=5 exceeds its 4 distinct points (12 rows)" in run.stderr
    assert sorted((tmp_path / "results").rglob("record.json")) == records
