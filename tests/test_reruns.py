"""Cached reruns: a config change recomputes only what it touches."""

import copy
import json
import os
import re
from pathlib import Path

import pytest
from smk import completed_study, planned_jobs, snakemake, write_config

pytestmark = pytest.mark.e2e

BASE = {
    "k": {"values": [2, 3, 4, 5]},
    "inits": 2,
    "datasets": {"blobs": {"source": "blobs", "n_samples": 200, "n_features": 3, "centers": 3}},
    "backends": {"sklearn": {}, "faiss": {}},
}
PLOTS = {"elbow_plot", "confusion_plot", "timing_plot", "agreement_plot", "pareto_plot", "k_choice_plot"}


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    return completed_study(tmp_path_factory, "reruns", BASE)


def changed(study: Path, **changes) -> str:
    config = copy.deepcopy(BASE)
    for key, value in changes.items():
        config[key] = value
    write_config(study, config, "changed.yaml")
    return "changed.yaml"


def test_an_unchanged_study_has_nothing_to_do(study):
    counts, _ = planned_jobs(study)
    assert not counts


def test_widening_the_k_range_runs_only_the_new_fits(study):
    counts, fits = planned_jobs(study, changed(study, k={"values": [2, 3, 4, 5, 6]}))
    assert counts["fit"] == 1 * 2 * 2 and counts["init_centroids"] == 1
    assert {f["k"] for f in fits} == {"6"}
    assert "prepare_dataset" not in counts
    assert counts["best_init"] == 2 and counts["summary"] == 1
    # The gap statistic's reference datasets are reused; only the new k's reference fits run.
    assert counts["gap_fit"] == 1 and "gap_reference" not in counts


def test_adding_inits_runs_only_the_new_fits(study):
    counts, fits = planned_jobs(study, changed(study, inits=3))
    # The starts of all inits of a k are one job (rewriting the existing ones unchanged); the
    # fits take them as ancient inputs, so only the new init's fits run.
    assert counts["fit"] == 4 * 1 * 2 and counts["init_centroids"] == 4
    assert {f["init_id"] for f in fits} == {"2"}
    # The gap statistic compares the best of its first k_choice.gap.inits on both sides: unchanged.
    assert "gap_fit" not in counts and "gap_reference" not in counts


def test_adding_a_backend_runs_only_its_fits(study):
    counts, fits = planned_jobs(study, changed(study, backends={"sklearn": {}, "faiss": {}, "faiss_sampled": {}}))
    assert counts["fit"] == 4 * 2 and "init_centroids" not in counts
    assert {f["backend"] for f in fits} == {"faiss_sampled"}


def test_changing_one_backends_parameters_reruns_only_its_fits(study):
    counts, fits = planned_jobs(study, changed(study, backends={"sklearn": {}, "faiss": {"early_stopping": False}}))
    assert counts["fit"] == 4 * 2
    assert {f["backend"] for f in fits} == {"faiss"}


def test_changing_a_plotting_option_reruns_only_the_report(study):
    counts, _ = planned_jobs(study, changed(study, report={"plot_dpi": 80}))
    # The HTML report's pages of the figures and of the summary (report.smk) follow them.
    pages = {rule for rule in counts if rule.startswith("page_") and rule.endswith(("_png", "_md"))}
    assert set(counts) - pages <= PLOTS | {"summary", "all"}
    assert PLOTS <= set(counts)


def test_changing_the_verdicts_settings_reruns_only_the_verdict(study):
    counts, _ = planned_jobs(study, changed(study, k_choice={"resamples": 50, "verdict": {"min_votes": 3}}))
    # ... and the report's pages of exactly those outputs.
    assert set(counts) == {"k_choice", "k_choice_plot", "summary", "all", "page_k_choice_json", "page_k_choice_csv",
                           "page_k_choice_png", "page_summary_md"}


def test_more_gap_references_refit_the_references_only(study):
    counts, _ = planned_jobs(study, changed(study, k_choice={"gap": {"references": 12}}))
    assert counts["gap_reference"] == 1 and counts["gap_fit"] == 4
    assert not {"fit", "init_centroids", "criteria", "best_init"} & set(counts)


def test_a_lost_fit_is_recomputed_alone_and_identically(study):
    fit = study / "results" / "blobs" / "fit" / "faiss" / "k3" / "init1"
    before = {name: (fit / name).read_bytes() for name in ("centroids.npy", "labels.npy")}
    record = json.loads((fit / "record.json").read_text())
    for name in ("centroids.npy", "labels.npy", "record.json"):
        os.remove(fit / name)
    target = str(fit.relative_to(study) / "record.json")
    counts, fits = planned_jobs(study, targets=(target,))
    assert counts == {"fit": 1} and fits == [{"dataset": "blobs", "backend": "faiss", "k": "3", "init_id": "1"}]
    run = snakemake(study, "--cores", "1", target)
    assert run.returncode == 0, run.stderr[-2000:]
    assert {name: (fit / name).read_bytes() for name in before} == before
    again = json.loads((fit / "record.json").read_text())
    assert (again["inertia"], again["n_iter"]) == (record["inertia"], record["n_iter"])


def test_gpu_fits_request_a_gpu_and_others_do_not(study):
    config = changed(study, backends={"sklearn": {}, "faiss": {}, "faiss_gpu": {}})
    run = snakemake(study, "-n", config=config)
    assert run.returncode == 0, run.stderr[-2000:]
    blocks = re.findall(r"rule fit:\n(.*?)(?:\n\n|\Z)", run.stdout + run.stderr, flags=re.S)
    assert blocks and all("backend=faiss_gpu" in b for b in blocks)
    assert all(re.search(r"resources: .*\bgpu=1\b", b) for b in blocks)
    cpu = snakemake(study, "-n", "--forcerun", "fit", config=config)
    cpu_blocks = re.findall(r"rule fit:\n(.*?)(?:\n\n|\Z)", cpu.stdout + cpu.stderr, flags=re.S)
    assert any("backend=sklearn" in b and re.search(r"\bgpu=0\b", b) for b in cpu_blocks)
