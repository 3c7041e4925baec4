"""The SLURM profile against a real SLURM cluster (tests/slurm/cluster.sh start).

Skipped where no SLURM node is up, unless KMEANS_REQUIRE_SLURM=1 (as .ci/run sets), which turns
a missing cluster into a failure.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from smk import ROOT, snakemake, write_config

from kmeans_study import paths

pytestmark = [pytest.mark.slurm, pytest.mark.e2e]

CONFIG = {
    "k": {"values": [2, 3, 4, 5]},
    "inits": 2,
    "datasets": {"blobs": {"source": "blobs", "n_samples": 300, "n_features": 3, "centers": 3}},
    "backends": {"sklearn": {}, "faiss": {}},
}


def slurm_node_up() -> bool:
    if shutil.which("sinfo") is None:
        return False
    run = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True)
    return run.returncode == 0 and any(s in run.stdout for s in ("idle", "mixed", "allocated"))


@pytest.fixture(scope="module")
def slurm():
    if not slurm_node_up():
        if os.environ.get("KMEANS_REQUIRE_SLURM") == "1":
            pytest.fail("KMEANS_REQUIRE_SLURM=1 but no SLURM node is up (start one: tests/slurm/cluster.sh start)")
        pytest.skip("no SLURM node is up (tests/slurm/cluster.sh start)")


def job_state(job_id: str) -> str:
    out = subprocess.run(["scontrol", "show", "job", job_id], capture_output=True, text=True).stdout
    match = re.search(r"JobState=(\w+)", out)
    return match.group(1) if match else "unknown"


def test_the_slurm_profile_submits_fits_through_sbatch_retries_failures_and_matches_a_local_run(slurm, tmp_path):
    local, cluster = tmp_path / "local", tmp_path / "cluster"
    local.mkdir()
    cluster.mkdir()
    write_config(local, CONFIG)
    # The cluster study has a second dataset whose preparation fails (a NaN in row 3): the profile
    # retries it and, with keep-going, finishes everything that does not depend on it.
    (cluster / "broken.csv").write_text("a,b\n1,2\n3,nan\n4,5\n")
    broken = {**CONFIG, "datasets": {**CONFIG["datasets"], "broken": {"source": "file", "path": "broken.csv"}}}
    write_config(cluster, broken)
    run = snakemake(local, "--cores", "2")
    assert run.returncode == 0, run.stderr[-3000:]
    run = snakemake(
        cluster,
        "--workflow-profile", str(ROOT / "workflow" / "profiles" / "slurm"),
        # The test cluster answers at once: poll sooner than the profile's defaults.
        "--slurm-init-seconds-before-status-checks", "3",
        "--seconds-between-status-checks", "3",
        "--slurm-keep-successful-logs",
        timeout=900,
    )
    output = run.stdout + run.stderr
    assert run.returncode != 0, "the broken dataset should have failed the run"

    # The terminal shows the study's view; Snakemake's complete log keeps the executor's messages.
    complete_log = "".join(path.read_text() for path in (cluster / ".snakemake" / "log").glob("*.snakemake.log"))
    submitted = dict(
        re.findall(r"Job \S+ has been submitted with SLURM jobid (\d+) \(log: (\S+?)\)\.", complete_log)
    )
    assert submitted, "no job went through sbatch:\n" + output[-4000:]
    # The broken dataset's preparation went to SLURM three times (retries: 2) and failed each time,
    # with the error naming the row in its SLURM log.
    logs = cluster / ".snakemake" / "slurm_logs"
    kinds = {job_id: Path(log).relative_to(logs).parts for job_id, log in submitted.items()}
    failed = [job_id for job_id, parts in kinds.items() if parts[:2] == ("rule_prepare_dataset", "broken")]
    assert len(failed) == 3, kinds
    assert {job_state(job_id) for job_id in failed} == {"FAILED"}
    assert "row 3, column 'b' has a missing value" in Path(submitted[failed[0]]).read_text()
    # ... and the terminal said so at each attempt, with its SLURM job and state, in the study's view.
    lines = output.splitlines()
    attempts = [re.match(r"FAILED prepare_dataset dataset=broken \(job \d+, (?:attempt \d, )?SLURM job (\d+), state "
                         r"FAILED\): .*row 3, column 'b' has a missing value", line) for line in lines]
    assert sorted(m.group(1) for m in attempts if m) == sorted(failed), output
    assert sum(line.startswith("retrying prepare_dataset dataset=broken") for line in lines) == 2
    assert not any("has been submitted" in line or line.strip().startswith("rule ") for line in lines), output
    jobs = int(re.search(r"^(\d+) jobs to run", output, re.MULTILINE).group(1))
    assert len(lines) < jobs + 40, output
    # Everything else: the blobs preparation and blobs' grouped inits+fits (8 inits, each with its
    # 2 fits, and the gap statistic's reference data and fits, in one 20-component group: 1 SLURM
    # job) completed; the aggregates ran on this host.
    rest = sorted(parts[0] for job_id, parts in kinds.items() if job_id not in failed)
    assert len(rest) == 2 and rest[1] == "rule_prepare_dataset", kinds
    assert rest[0].startswith("group_fits_blobs_") and "gap_fit" in rest[0] and "init_centroids" in rest[0], kinds
    assert {job_state(job_id) for job_id in kinds if job_id not in failed} == {"COMPLETED"}
    # Every fit ran inside one of those SLURM jobs, as its log says.
    fit_logs = list((cluster / "results" / "logs" / "fit").rglob("*.log"))
    assert len(fit_logs) == 4 * 2 * 2
    group_logs = "".join(Path(log).read_text() for log in submitted.values() if "group_fits" in log)
    assert len(re.findall(r"^rule fit:", group_logs, flags=re.M)) == 4 * 2 * 2

    for record_path in (local / "results").rglob("record.json"):
        twin = cluster / record_path.relative_to(local)
        ours, theirs = json.loads(record_path.read_text()), json.loads(twin.read_text())
        assert (ours["inertia"], ours["n_iter"]) == (theirs["inertia"], theirs["n_iter"])
        for name in ("labels.npy", "centroids.npy"):
            np.testing.assert_array_equal(np.load(record_path.with_name(name)), np.load(twin.with_name(name)))
    # keep-going: blobs' own reports were built; the study summary needs the broken dataset too.
    for backend in CONFIG["backends"]:
        assert (cluster / paths.fmt(paths.ELBOW_JSON, dataset="blobs", backend=backend)).exists()
    assert (cluster / paths.fmt(paths.AGREEMENT, dataset="blobs")).exists()
    assert not (cluster / "results" / "summary.md").exists()
