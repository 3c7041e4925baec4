"""rule all's targets: every output a rule marks report(...), for each dataset that has it, with its
page in the HTML report. Which datasets have which outputs is said once (config.outputs.applies)."""

import re
import shutil

from smk import ROOT, snakemake, write_config

from kmeans_study import paths
from kmeans_study.config.outputs import study_files
from kmeans_study.config.validate import validate_config

BLOBS = {"source": "blobs", "n_samples": 60, "n_features": 2, "centers": 2}


def planned_targets(run) -> set[str]:
    assert run.returncode == 0, run.stderr[-2000:]
    match = re.search(r"^(?:local)?rule all:\n    input: (.*)$", run.stdout + run.stderr, flags=re.M)
    return set(match.group(1).split(", "))


def test_an_output_marked_for_the_report_becomes_a_target_with_its_page(tmp_path):
    copy = tmp_path / "copy"
    for part in ("workflow", "scripts", "envs"):
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "Snakefile", copy / "Snakefile")
    rules = copy / "workflow" / "rules" / "aggregate.smk"
    text = rules.read_text()
    marked = text.replace(
        "        scores=paths.ELBOW_SCORES,\n",
        '        scores=report(paths.ELBOW_SCORES, caption="../report/elbow.rst", category="{dataset}"),\n',
    )
    assert marked != text
    rules.write_text(marked)
    work = tmp_path / "work"
    work.mkdir()
    write_config(work, {"k": {"values": [2, 3]}, "inits": 1, "datasets": {"b": BLOBS}, "backends": {"sklearn": {}}})
    before = planned_targets(snakemake(work, "-n"))
    after = planned_targets(snakemake(work, "-n", snakefile=copy / "Snakefile"))
    scores = paths.fmt(paths.ELBOW_SCORES, dataset="b", backend="sklearn")
    assert after - before == {scores, paths.report_page(scores)}
    assert {paths.SUMMARY, paths.PROVENANCE, paths.report_page(paths.SUMMARY)} <= before


def test_each_dataset_has_the_outputs_that_apply_to_it(tmp_path):
    (tmp_path / "t.csv").write_text("a,b\n1,2\n3,4\n5,6\n")
    datasets = {"b": BLOBS, "u": {"source": "uniform"}, "t": {"source": "file", "path": str(tmp_path / "t.csv")}}
    patterns = [paths.TIMING, paths.CONFUSION_PLOT, paths.AGREEMENT, paths.QUANTIZATION, paths.SEGMENTS]

    def files(backends):
        study = {"k": {"values": [2]}, "datasets": datasets, "backends": backends, "report": {"heatmap_k": [2]}}
        return set(study_files(validate_config(study), patterns))

    one = files({"sklearn": {}})
    assert one == {
        "results/b/timing.csv", "results/u/timing.csv", "results/t/timing.csv",
        # true labels: blobs only
        "results/b/sklearn/confusion_elbow.png", "results/b/sklearn/confusion_k2.png",
        # a table's segments: the file only; no image, no quantization
        "results/t/sklearn/segments.csv",
    }
    two = files({"sklearn": {}, "faiss": {}})
    assert two - one == {f"results/{d}/agreement.csv" for d in datasets} | {
        "results/b/faiss/confusion_elbow.png", "results/b/faiss/confusion_k2.png", "results/t/faiss/segments.csv",
    }
