"""Killed runs restart and finish with results identical to an uninterrupted run; repeated runs
are bit-identical at the same thread count."""

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from smk import ROOT, SNAKEMAKE, completed_study, snakemake, write_config

pytestmark = pytest.mark.e2e

CONFIG = {
    "k": {"values": [2, 3, 4]},
    "inits": 2,
    "datasets": {"blobs": {"source": "blobs", "n_samples": 400, "n_features": 4, "centers": 4}},
    "backends": {"sklearn": {}, "faiss": {}},
}


def fingerprint(workdir: Path) -> dict:
    """What must not differ between runs: every fit's inertia, iterations, labels and centroids."""
    out = {}
    for record in sorted((workdir / "results").rglob("record.json")):
        data = json.loads(record.read_text())
        key = str(record.parent.relative_to(workdir))
        out[key] = (
            data["inertia"], data["n_iter"],
            np.load(record.with_name("labels.npy")).tobytes(), np.load(record.with_name("centroids.npy")).tobytes(),
        )
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return fingerprint(completed_study(tmp_path_factory, "uninterrupted", CONFIG))


def start(workdir: Path) -> subprocess.Popen:
    """snakemake in the background, its output to a file (a pipe nobody reads would fill and
    stall it)."""
    return subprocess.Popen(
        [SNAKEMAKE, "-s", str(ROOT / "Snakefile"), "--directory", str(workdir), "--configfile",
         str(workdir / "config.yaml"), "--cores", "2"],
        stdout=subprocess.DEVNULL, stderr=(workdir / "snakemake.err").open("w"), start_new_session=True,
    )


def wait_for_records(workdir: Path, count: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while len(list((workdir / "results").rglob("record.json"))) < count:
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.05)


def running_fit_jobs(workdir: Path) -> list[int]:
    """Process ids of the fit scripts running for ``workdir``: Python processes running in it
    whose command names scripts/fit.py (the rule's shell command, JOB)."""
    pids = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
            cwd = (proc / "cwd").resolve()
        except OSError:
            continue
        if cwd == workdir.resolve() and any(a.endswith(b"/scripts/fit.py") for a in args):
            pids.append(int(proc.name))
    return pids


def restart(workdir: Path) -> None:
    """The documented restart after a crash: release the stale lock, rerun incomplete jobs."""
    assert snakemake(workdir, "--unlock").returncode == 0
    run = snakemake(workdir, "--cores", "2", "--rerun-incomplete")
    assert run.returncode == 0, run.stderr[-2000:]


def test_a_second_run_of_the_same_config_is_bit_identical(tmp_path, reference):
    write_config(tmp_path, CONFIG)
    assert snakemake(tmp_path, "--cores", "2").returncode == 0
    assert fingerprint(tmp_path) == reference


def test_snakemake_killed_and_restarted_gives_identical_results(tmp_path, reference):
    write_config(tmp_path, CONFIG)
    process = start(tmp_path)
    wait_for_records(tmp_path, 3)
    process.send_signal(signal.SIGKILL)
    process.wait()
    time.sleep(1.5)  # jobs it had started run on as orphans; let them end
    assert len(fingerprint(tmp_path)) < len(reference)
    restart(tmp_path)
    assert fingerprint(tmp_path) == reference


def test_a_fit_job_killed_midway_is_redone(tmp_path, reference):
    write_config(tmp_path, CONFIG)
    process = start(tmp_path)
    wait_for_records(tmp_path, 2)
    victims = []
    deadline = time.monotonic() + 60
    while not victims and time.monotonic() < deadline:
        victims = running_fit_jobs(tmp_path)
    assert victims, "no running fit job found"
    os.kill(victims[0], signal.SIGKILL)
    process.wait(timeout=300)
    assert process.returncode != 0 and "Error in rule fit" in (tmp_path / "snakemake.err").read_text()
    restart(tmp_path)
    assert fingerprint(tmp_path) == reference


@pytest.fixture(scope="module")
def two_k_study(tmp_path_factory):
    """A finished study with only two k values (so no two-line elbow)."""
    config = {"k": {"values": [2, 3]}, "inits": 1, "backends": {"faiss": {}},
              "datasets": {"d": {"source": "blobs", "n_samples": 60, "n_features": 3, "centers": 3}}}
    return completed_study(tmp_path_factory, "two_k", config)


def test_without_a_two_line_elbow_the_summary_says_which_k_it_shows(two_k_study):
    summary = (two_k_study / "results" / "summary.md").read_text()
    assert ("The tables are at k = 3, the number of label classes (`faiss` has no two-line elbow: it needs 4 k "
            "values or more)") in summary


def test_a_corrupt_result_file_is_named_with_how_to_rebuild_it(two_k_study):
    """Issue 16, class 6: meta.json is read while the workflow is parsed (also by -n and
    --unlock), a record by the timing job; following the advice repairs the study."""
    results = two_k_study / "results"
    meta = results / "d" / "data" / "meta.json"
    record = results / "d" / "fit" / "faiss" / "k2" / "init0" / "record.json"
    good_meta = meta.read_bytes()
    meta.write_bytes(good_meta[: len(good_meta) // 2])
    for args in (["-n"], ["--unlock"]):
        run = snakemake(two_k_study, *args)
        assert run.returncode == 1 and "Traceback" not in run.stderr
        assert re.fullmatch(
            r"kmeans-study: results/d/data/meta.json is corrupt \(not valid JSON: [^\n]* \(line \d+\)\): delete it and "
            r"rebuild it with `snakemake results/d/data/meta.json` \(plus your usual options such as --configfile\), "
            r"then run the study again\n", run.stderr,
        ), run.stderr
    meta.write_bytes(good_meta)
    record.write_bytes(record.read_bytes()[:40])
    run = snakemake(two_k_study, "--cores", "1", "--force", "results/d/timing.csv")
    assert run.returncode != 0 and "Traceback" not in run.stderr and len(run.stderr) < 5000
    assert f"kmeans-study error: {record.relative_to(two_k_study)} is corrupt (not valid JSON" in run.stderr
    record.unlink()
    assert snakemake(two_k_study, "--cores", "1", str(record.relative_to(two_k_study))).returncode == 0
    again = snakemake(two_k_study, "--cores", "1")
    assert again.returncode == 0, again.stderr[-2000:]
    assert json.loads(record.read_text())["k"] == 2
    assert (results / "d" / "timing.csv").stat().st_mtime > record.stat().st_mtime


HOG_RULE = '''

rule hog:
    input:
        X="results/{dataset}/data/X.npy",
    output:
        "results/{dataset}/hog.done",
    log:
        "results/logs/hog/{dataset}.log",
    resources:
        mem_mb=2000,
    script:
        "scripts/hog.py"
'''
HOG_SCRIPT = '''
"""A step that wants far more memory than it is given: it touches 50 MB more at a time until the
kernel kills it."""

import numpy as np

from kmeans_study.steps import runner


def hog():
    held = []
    while True:
        held.append(np.ones(50 * 2**20, dtype=np.uint8))


runner.run(snakemake.log[0], hog)
'''


def memory_cgroup(limit_mb: int) -> Path | None:
    """A new memory cgroup (v1) limited to ``limit_mb``, or None where none can be made (not root)."""
    base = Path("/sys/fs/cgroup/memory")
    if not os.access(base, os.W_OK):
        return None
    group = base / f"kmeans-study-test-{os.getpid()}"
    group.mkdir()
    (group / "memory.limit_in_bytes").write_text(str(limit_mb * 2**20))
    return group


def test_a_job_the_kernel_kills_for_lack_of_memory_is_named_in_one_line_with_its_memory(tmp_path):
    """A copy of the workflow with one more rule, whose job allocates without end; Snakemake and
    its jobs run in a memory cgroup limited to 600 MB."""
    import shutil

    copy = tmp_path / "copy"
    for part in ("workflow", "scripts", "envs"):
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "Snakefile").write_text((ROOT / "Snakefile").read_text() + HOG_RULE)
    (copy / "scripts" / "hog.py").write_text(HOG_SCRIPT)
    work = copy / "work"
    work.mkdir()
    write_config(work, CONFIG)
    group = memory_cgroup(600)
    if group is None:
        pytest.skip("needs a writable memory cgroup (v1, root)")
    command = [SNAKEMAKE, "-s", str(copy / "Snakefile"), "--directory", str(work), "--configfile",
               str(work / "config.yaml"), "--workflow-profile", str(ROOT / "workflow/profiles/default"), "--cores",
               "1", "results/blobs/hog.done"]
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=300,
                             preexec_fn=lambda: (group / "cgroup.procs").write_text(str(os.getpid())))
    finally:
        kills = re.search(r"^oom_kill (\d+)$", (group / "memory.oom_control").read_text(), re.MULTILINE)
        group.rmdir()
    output = (run.stdout + run.stderr).splitlines()
    assert run.returncode != 0 and kills and int(kills.group(1)) >= 1, "\n".join(output)
    failed = [line for line in output if line.startswith("FAILED")]
    assert failed == [
        "FAILED hog dataset=blobs (job 0): killed by the kernel for lack of memory (it had mem_mb=2000; the run's "
        "memory cgroup allows 600 MB): it needs more memory than that: run it with more (a larger limit or machine; "
        "on a cluster, --set-resources hog:mem_mb=4000)"
    ], "\n".join(output)
    assert not any("SIGKILL" in line or line.startswith("    |") for line in output), "\n".join(output)
