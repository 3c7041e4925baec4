"""Bad input, end to end: each case exits non-zero, names the key, file or row in a short stderr
without a traceback, and leaves no results behind. Config problems stop snakemake before any job;
data problems stop the job that first reads the data, before any fit of that dataset. One case per
class of the hardening issue (#16) proves its wiring; the classes themselves are covered in-process
(test_config, test_loaders, test_cli, test_properties)."""

import copy
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from smk import ROOT, snakemake, write_config

pytestmark = pytest.mark.e2e


def assert_refused(run, expected: str, workdir, dataset: str = "d") -> None:
    """Non-zero exit, the expected words, no traceback, a stderr of a few KB, no dataset files."""
    assert run.returncode != 0
    assert expected in run.stderr, run.stderr[-2500:]
    assert "Traceback" not in run.stderr and len(run.stderr) < 5000, run.stderr[-2500:]
    written = [p for p in (workdir / "results" / dataset).rglob("*") if p.is_file()]
    assert not written, written

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
    # issue 16, class 1: whole-number floats where integers are expected
    "whole-number float k": (
        config_with(k={"values": [2.0, 3.0]}), "config key 'k.values.0': expected an integer, got float 2.0",
    ),
    "whole-number float max_iter": (
        config_with(fit={"max_iter": 300.0}), "config key 'fit.max_iter': expected an integer, got float 300.0",
    ),
}


@pytest.mark.parametrize("case", sorted(CONFIG_CASES))
def test_config_problems_stop_before_any_job(tmp_path, case):
    config, expected = CONFIG_CASES[case]
    write_config(tmp_path, config)
    run = snakemake(tmp_path, "--cores", "1")
    assert_refused(run, expected, tmp_path)
    assert not any((tmp_path / "results").rglob("*.*")), "nothing may be written"


def _write(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    return name


DATA_CASES = {
    "empty file": (lambda p: _write(p, "d.csv", ""), {}, "d.csv: the file is empty"),
    "non-numeric cell": (lambda p: _write(p, "d.csv", "a,b\n1,2\n3,x\n"), {}, "row 3, column 'b' holds 'x'"),
    "ragged rows": (lambda p: _write(p, "d.csv", "a,b\n1,2\n3,4,5\n"), {}, "not a rectangular table"),
    "all constant": (lambda p: _write(p, "d.csv", "a,b\n" + "1,2\n" * 9), {}, "every point is identical"),
    "nan": (lambda p: _write(p, "d.csv", "a,b\n1,2\n3,nan\n4,5\n"), {}, "row 3, column 'b' has a missing value"),
    "inf": (lambda p: _write(p, "d.csv", "a,b\n1,2\n3,4\ninf,5\n"), {}, "row 4, column 'a' holds inf"),
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
        "not a .npy array of numbers readable without pickle",
    ),
    # issue 16, class 2: values that overflow later steps (1e308 in two cells, z-scored)
    "overflow": (
        lambda p: _write(p, "d.csv", "a,b\n" + "".join(f"{i},{2 * i}\n" for i in range(10)) + "1e308,1\n1,1e308\n"),
        {"zscore": True}, "row 12, column 'a' holds 1e+308 (beyond float32's range",
    ),
    # issue 16, class 3: files pandas reads "successfully" but wrongly
    "no header line": (
        lambda p: np.savetxt(p / "d.csv", np.arange(20.0).reshape(10, 2), delimiter=",") or "d.csv", {},
        "names a column '0.000000000000000000e+00', a number: the first line looks like data, not a header",
    ),
}


@pytest.mark.parametrize("case", sorted(DATA_CASES))
def test_data_problems_stop_before_any_fit(tmp_path, case):
    make_file, options, expected = DATA_CASES[case]
    name = make_file(tmp_path)
    write_config(tmp_path, config_with(**file_dataset(name, **options)))
    run = snakemake(tmp_path, "--cores", "1")
    assert_refused(run, "kmeans-study error: ", tmp_path)
    assert expected in run.stderr, run.stderr[-2500:]
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


def planned_fits(run) -> list[tuple[str, str]]:
    """(k, init id) of every fit a dry run plans."""
    return re.findall(r"wildcards: dataset=d, backend=faiss, k=(\d+), init_id=(\d+)", run.stdout + run.stderr)


def kmeans_study(workdir, *args) -> subprocess.CompletedProcess:
    """``python -m kmeans_study ...`` in ``workdir`` (the project's own entry point)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "kmeans_study", *args], cwd=workdir, capture_output=True, text=True,
                          check=False, env=env, timeout=600)


CODE_RUNNING = {
    "YTE": ("__use_yte__: true\nseed: ?__import__('pathlib').Path('ran').write_text('ran') * 0\n",
            "'__use_yte__' is refused"),
    "python tag": ("seed: !!python/name:os.system\n", "the tag !!python/name:os.system (line 1, column 7) is refused"),
}


@pytest.mark.parametrize("case", sorted(CODE_RUNNING))
def test_a_config_that_would_run_code_is_refused_before_snakemake_reads_it(tmp_path, case):
    """Issue 16, class 4: Snakemake itself would evaluate these (YTE) or import them (FullLoader)."""
    text, expected = CODE_RUNNING[case]
    (tmp_path / "config.yaml").write_text(text + "k: {values: [2, 3]}\ninits: 1\ndatasets: {d: {source: blobs}}\n"
                                          "backends: {faiss: {}}\n")
    for args in (["run", "--configfile", "config.yaml", "-n"], ["check", "config.yaml"]):
        run = kmeans_study(tmp_path, *args)
        assert run.returncode == 1 and run.stdout == ""
        assert run.stderr == f"kmeans-study: config file config.yaml: {run.stderr.split(': ', 2)[2]}"
        assert expected in run.stderr and run.stderr.count("\n") == 1, run.stderr
    assert not (tmp_path / "ran").exists() and not (tmp_path / "results").exists()


def test_nested_aliases_stop_snakemake_at_once_in_a_short_message(tmp_path):
    """Issue 16, class 5: 7 levels of aliases (424 bytes) expand to 5.3 million values."""
    levels = "".join(f"  - &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 7))
    (tmp_path / "config.yaml").write_text(
        "inits:\n  - &a0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n" + levels
        + "k: {values: [2, 3]}\ndatasets: {d: {source: blobs}}\nbackends: {faiss: {}}\n"
    )
    run = snakemake(tmp_path, "-n")
    assert_refused(run, "holds 6053454 values once its YAML aliases are expanded (most under 'inits')", tmp_path)


def test_every_key_can_be_overridden_from_the_command_line(tmp_path):
    """Issue 16, class 7: snakemake --config for keys of two letters or more (nested values come
    as text and are read as YAML); the run wrapper's --set for any key, one-letter keys included."""
    write_config(tmp_path, BASE)
    run = snakemake(tmp_path, "-n", "--config", "inits=[0, 3]", "fit={max_iter: 5}")
    assert run.returncode == 0, run.stderr[-2000:]
    assert set(planned_fits(run)) == {("2", "0"), ("2", "3"), ("3", "0"), ("3", "3")}
    run = kmeans_study(tmp_path, "run", "--configfile", "config.yaml", "--set", "k.values=[4, 5]", "--set",
                       "datasets.d.centers=4", "-n")
    assert run.returncode == 0, run.stderr[-2000:]
    assert set(planned_fits(run)) == {("4", "0"), ("5", "0")}
    refused = kmeans_study(tmp_path, "run", "--configfile", "config.yaml", "--set", "k.values=[4.0]", "-n")
    assert refused.returncode == 1
    assert "config key 'k.values.0': expected an integer, got float 4.0" in refused.stderr
