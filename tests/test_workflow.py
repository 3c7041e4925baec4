"""End to end: snakemake on a tiny config, then the outputs' contents checked against each other."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from smk import snakemake

from kmeans_study.backends import REGISTRY

KS = [2, 3, 4, 5]
INITS = [0, 1]
BACKENDS = ["sklearn", "faiss", "faiss_sampled", "fused"]

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("study")
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 6, (3, 4))
    points = np.repeat(centres, 40, axis=0) + rng.normal(0, 1, (120, 4))
    table = pd.DataFrame(points, columns=list("abcd"))
    table["kind"] = np.repeat(["x", "y", "z"], 40)
    table.to_csv(workdir / "table.csv", index=False)
    config = {
        "k": {"values": KS},
        "inits": len(INITS),
        "datasets": {
            "blobs": {"source": "blobs", "n_samples": 300, "n_features": 4, "centers": 3},
            "table": {"source": "file", "path": str(workdir / "table.csv"), "label_column": "kind"},
        },
        "backends": {name: {} for name in BACKENDS},
        "report": {"heatmap_k": [3, 99]},
        "k_choice": {"gap": {"references": 3}, "subsample_stability": {"pairs": 2}},
    }
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    run = snakemake(workdir, "--cores", "2")
    assert run.returncode == 0, run.stderr[-3000:]
    return workdir


def read(path: Path):
    return json.loads(path.read_text())


@pytest.mark.parametrize("dataset", ["blobs", "table"])
def test_prepared_data_matches_its_metadata(study, dataset):
    data = study / "results" / dataset / "data"
    X = np.load(data / "X.npy", allow_pickle=False)
    meta = read(data / "meta.json")
    assert X.dtype == np.float32 and list(X.shape) == meta["shape"]
    assert meta["has_labels"] and meta["n_label_classes"] == 3
    np.testing.assert_allclose(X.mean(0), 0, atol=1e-5)


@pytest.mark.parametrize("dataset", ["blobs", "table"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_best_init_and_elbow_follow_from_the_fit_records(study, dataset, backend):
    results = study / "results" / dataset
    records = [
        read(results / "fit" / backend / f"k{k}" / f"init{i}" / "record.json") for k in KS for i in INITS
    ]
    assert {(r["k"], r["init_id"], r["backend"], r["dataset"]) for r in records} == {
        (k, i, backend, dataset) for k in KS for i in INITS
    }
    best = pd.read_csv(results / backend / "best_init.csv").set_index("k")
    assert list(best.index) == KS
    for k in KS:
        of_k = [r for r in records if r["k"] == k]
        winner = min(of_k, key=lambda r: (r["inertia"], r["init_id"]))
        assert best.loc[k, "best_init_id"] == winner["init_id"]
        assert best.loc[k, "inertia_best"] == pytest.approx(winner["inertia"], rel=1e-12)
        labels = np.load(results / "fit" / backend / f"k{k}" / f"init{winner['init_id']}" / "labels.npy")
        assert labels.shape == (records[0]["n_points"],) and labels.max() < k
    elbow = read(results / backend / "elbow.json")
    assert elbow["k"] == KS
    assert elbow["inertia"] == pytest.approx(list(best["inertia_best"]), rel=1e-12)
    assert elbow["two_line"]["k"] in KS
    assert (results / backend / "elbow.png").stat().st_size > 10_000


def test_backends_start_from_the_same_centroids_and_agree_on_blobs(study):
    results = study / "results" / "blobs"
    for k in KS:
        for i in INITS:
            inertias = {
                b: read(results / "fit" / b / f"k{k}" / f"init{i}" / "record.json")["inertia"]
                for b in ("sklearn", "faiss", "fused")
            }
            assert inertias["faiss"] == pytest.approx(inertias["sklearn"], rel=1e-3)
            assert inertias["fused"] == pytest.approx(inertias["sklearn"], rel=1e-3)
    sampled = read(results / "fit" / "faiss_sampled" / "k3" / "init0" / "record.json")
    assert sampled["details"]["points_used"] == 300 and sampled["n_iter"] == 20


REPORT_FILES = {
    "per_backend": ["best_init.csv", "elbow.json", "elbow_scores.csv", "elbow.png", "confusion.csv", "quality.csv",
                    "confusion_elbow.png", "confusion_k3.png", "criteria.csv"],
    "per_dataset": ["timing.csv", "timing.png", "agreement.csv", "agreement_by_init.csv", "elbow_agreement.csv",
                    "agreement.png", "k_choice.json", "k_choice.csv", "k_choice.png"],
}


@pytest.mark.parametrize("dataset", ["blobs", "table"])
def test_every_report_exists(study, dataset):
    results = study / "results" / dataset
    for backend in BACKENDS:
        for name in REPORT_FILES["per_backend"]:
            assert (results / backend / name).stat().st_size > 0, (backend, name)
        assert not (results / backend / "confusion_k99.png").exists(), "k outside the range is skipped"
    for name in REPORT_FILES["per_dataset"]:
        assert (results / name).stat().st_size > 0, name


def test_reports_are_consistent_with_the_fit_records(study):
    from sklearn.metrics import adjusted_rand_score

    results = study / "results" / "blobs"
    timing = pd.read_csv(results / "timing.csv").set_index(["backend", "k"])
    truth = np.load(results / "data" / "labels.npy")
    for backend in BACKENDS:
        best = pd.read_csv(results / backend / "best_init.csv").set_index("k")
        quality = pd.read_csv(results / backend / "quality.csv").set_index("k")
        confusion = pd.read_csv(results / backend / "confusion.csv")
        for k in KS:
            records = [read(results / "fit" / backend / f"k{k}" / f"init{i}" / "record.json") for i in INITS]
            fit_wall = np.median([r["fit_wall_s"] for r in records])
            assert timing.loc[(backend, k), "fit_wall_s_median"] == pytest.approx(fit_wall)
            assert timing.loc[(backend, k), "n_iter_median"] == np.median([r["n_iter"] for r in records])
            best_fit = results / "fit" / backend / f"k{k}" / f"init{best.loc[k, 'best_init_id']}"
            clusters = np.load(best_fit / "labels.npy")
            assert quality.loc[k, "ari"] == pytest.approx(adjusted_rand_score(truth, clusters))
            counts = confusion[confusion["k"] == k][[f"cluster_{j}" for j in range(k)]].to_numpy()
            assert counts.sum() == len(truth)
            assert counts[0, 0] == np.sum((truth == 0) & (clusters == 0))
    by_init = pd.read_csv(results / "agreement_by_init.csv")
    row = by_init.iloc[-1]
    a = np.load(results / "fit" / row["backend_a"] / f"k{row['k']}" / f"init{row['init_id']}" / "labels.npy")
    b = np.load(results / "fit" / row["backend_b"] / f"k{row['k']}" / f"init{row['init_id']}" / "labels.npy")
    assert row["ari"] == pytest.approx(adjusted_rand_score(a, b))
    pairs = len(BACKENDS) * (len(BACKENDS) - 1) // 2
    assert len(by_init) == len(KS) * len(INITS) * pairs


def test_timing_counts_a_per_k_job_once_and_names_its_reference(study):
    from kmeans_study.config.study import reference_backend
    from kmeans_study.config.validate import validate_config

    reference = reference_backend(validate_config(yaml.safe_load((study / "config.yaml").read_text())))
    timing = pd.read_csv(study / "results" / "blobs" / "timing.csv").set_index(["backend", "k"])
    assert set(timing["reference"]) == {reference}
    for k in KS:
        fused, sklearn = timing.loc[("fused", k)], timing.loc[("sklearn", k)]
        assert fused["n_jobs"] == 1 and fused["fits_per_job"] == len(INITS) and fused["fit_time_attributed"]
        assert sklearn["n_jobs"] == len(INITS) and sklearn["fits_per_job"] == 1 and not sklearn["fit_time_attributed"]
        bench = pd.read_csv(study / f"results/benchmarks/fit_fused/blobs/fused/k{k}.tsv", sep="\t")
        assert fused["job_wall_s_per_fit"] == pytest.approx(bench["s"].iloc[-1] / len(INITS))
        ref_time = timing.loc[(reference, k), "fit_wall_s_median"]
        assert timing.loc[(reference, k), "speedup_vs_reference"] == 1.0
        assert sklearn["speedup_vs_reference"] == pytest.approx(ref_time / sklearn["fit_wall_s_median"])


def test_every_figure_of_the_run_passes_the_reader_checks(study):
    from figures import MOST_PIXELS_WIDE, check_figure
    from PIL import Image

    from kmeans_study.aggregate import plots
    from kmeans_study.aggregate.pareto import pareto_ks

    results = study / "results" / "blobs"
    for png in results.rglob("*.png"):
        assert Image.open(png).size[0] <= MOST_PIXELS_WIDE, png
    best, elbow = pd.read_csv(results / "sklearn" / "best_init.csv"), read(results / "sklearn" / "elbow.json")
    pareto = pd.read_csv(results / "pareto.csv")
    for fig in (
        plots.elbow_figure(best, elbow, pd.read_csv(results / "sklearn" / "elbow_scores.csv"), "elbow"),
        plots.timing_figure(pd.read_csv(results / "timing.csv"), "timing"),
        plots.agreement_figure(pd.read_csv(results / "agreement.csv"), "agreement"),
        plots.pareto_figure(pareto, pareto_ks(pareto["k"]), "pareto"),
        plots.confusion_figure(pd.read_csv(results / "sklearn" / "confusion.csv"), 3, "confusion"),
    ):
        check_figure(fig)


def test_k_choice_follows_from_the_result_files(study):
    """The verdict's criteria are the reference backend's (the first exact one in the config file),
    the gap's data side is its init 0 (k_choice.gap.inits 1) against 3 reference fits per k, and
    the subsample pairs were fitted on 80% subsamples."""
    from kmeans_study.config.study import reference_backend
    from kmeans_study.config.validate import validate_config

    ref = reference_backend(validate_config(yaml.safe_load((study / "config.yaml").read_text())))
    results = study / "results" / "blobs"
    choice = read(results / "k_choice.json")
    criteria = pd.read_csv(results / ref / "criteria.csv")
    assert choice["backend"] == ref and choice["k_range"] == [KS[0], KS[-1]]
    assert choice["criteria"]["silhouette"] == criteria.loc[criteria["silhouette"].idxmax(), "k"]
    assert choice["criteria"]["two_line"] == read(results / ref / "elbow.json")["two_line"]["k"]
    gap = pd.DataFrame(choice["gap"]["table"]).set_index("k")
    for k in KS:
        data = read(results / "fit" / ref / f"k{k}" / "init0" / "record.json")["inertia"]
        refs = [read(results / "gap" / f"k{k}" / f"ref{b}.json")["inertia"] for b in range(3)]
        assert gap.loc[k, "gap"] == pytest.approx(np.mean(np.log(refs)) - np.log(data))
    pairs = pd.DataFrame(choice["subsample_stability"])
    assert len(pairs) == len(KS) * 2 and pairs["ari"].between(-1, 1).all()
    assert (pairs["n_subsample"] == 240).all() and pairs["n_shared"].between(150, 230).all()
    table = pd.read_csv(results / "k_choice.csv")
    assert set(table["backend"]) == set(BACKENDS) and table["counted"].eq(table["backend"] == ref).all()
    assert choice["sentence"].removeprefix("blobs: ") in (study / "results" / "summary.md").read_text()


def test_summary_names_every_dataset_with_provenance(study):
    summary = (study / "results" / "summary.md").read_text()
    provenance = read(study / "results" / "provenance.json")
    for dataset in ("blobs", "table"):
        assert f"## Dataset `{dataset}`" in summary
        sha = read(study / "results" / dataset / "data" / "meta.json")["sha256"]["X"]
        assert provenance["data_sha256"][dataset] == sha and sha in summary
    assert provenance["config_sha256"] in summary
    assert provenance["versions"]["faiss"] and provenance["versions"]["sklearn"]
    for link in __import__("re").findall(r"\]\(([^)]+)\)", summary):
        assert (study / "results" / link).exists(), link


def test_snakemake_report_builds_an_html_report(study):
    run = snakemake(study, "--report", str(study / "report.html"))
    assert run.returncode == 0, run.stderr[-2000:]
    assert (study / "report.html").stat().st_size > 50_000


def test_every_fit_job_has_a_log_and_a_benchmark(study):
    per_init = [name for name in BACKENDS if not REGISTRY[name].fused]
    fused = [name for name in BACKENDS if REGISTRY[name].fused]
    n_fits = 2 * len(KS) * len(INITS) * len(per_init)
    assert len(list((study / "results" / "logs" / "fit").rglob("*.log"))) == n_fits
    assert len(list((study / "results" / "benchmarks" / "fit").rglob("*.tsv"))) == n_fits
    n_fused = 2 * len(KS) * len(fused)
    assert len(list((study / "results" / "logs" / "fit_fused").rglob("*.log"))) == n_fused
    assert len(list((study / "results" / "benchmarks" / "fit_fused").rglob("*.tsv"))) == n_fused


def test_a_second_run_has_nothing_to_do(study):
    dry = snakemake(study, "-n")
    assert dry.returncode == 0, dry.stderr
    assert "Nothing to be done" in dry.stdout + dry.stderr


def test_an_invalid_config_stops_before_any_job(tmp_path):
    (tmp_path / "config.yaml").write_text(
        yaml.safe_dump({"datasets": {"b": {"source": "blobs", "n_sampels": 10}}, "backends": {"sklearn": {}}})
    )
    run = snakemake(tmp_path, "--cores", "1")
    assert run.returncode != 0
    assert "datasets.b.n_sampels" in run.stderr
    assert not (tmp_path / "results").exists()
