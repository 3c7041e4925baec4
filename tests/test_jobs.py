"""How a job starts: the job from its command line, read as Snakemake's object is read, and a
job's process ending once its outputs are written (kmeans_study.steps.job, steps.runner.run_job)."""

import json
import subprocess
import sys

import pytest

from kmeans_study.steps.job import from_command_line, int_keys


def test_a_job_from_its_command_line_reads_like_snakemakes_object():
    spec = {"input": {"X": "x.npy", "starts": ["a.npy", "b.npy"]}, "output": {"record": "r.json"},
            "params": {"seed": 7, "seeds": {"0": 11, "1": 12}}, "wildcards": {"k": "5"}}
    files = {key: spec.pop(key) for key in ("input", "output")}
    job = from_command_line(["--log", "j.log", "--threads", "3", json.dumps(spec), json.dumps(files)])
    assert (job.input.X, job.input.starts, job.output.record) == ("x.npy", ["a.npy", "b.npy"], "r.json")
    assert (job.params.seed, job.wildcards.k, job.log, job.threads) == (7, "5", ["j.log"], 3)
    assert job.input.get("start") is None and "start" not in job.input
    with pytest.raises(AttributeError):
        _ = job.input.start
    assert int_keys(job.params.seeds) == {0: 11, 1: 12}
    assert int_keys({"1": {"0": 3}}) == {1: {0: 3}}  # the gap statistic's seeds: ref -> init -> seed


@pytest.mark.parametrize("argv", [[], ["{}"], ["--log", "j.log"], ["--log", "j.log", "{}", "{}", "{}"]])
def test_a_command_line_without_a_log_or_a_job_is_refused_in_one_line(argv):
    with pytest.raises(SystemExit) as stop:
        from_command_line(argv)
    assert str(stop.value).startswith("usage:") and "\n" not in str(stop.value)


RUN_JOB = """
import atexit, json, sys
from kmeans_study.steps import runner
from kmeans_study.steps.job import this_job
atexit.register(lambda: print("finalized"))
sm = this_job()
def step(*, out, fail):
    if fail:
        from kmeans_study.data.sources import DataError
        raise DataError("the data is bad")
    open(out, "w").write("written")
runner.run_job(sm, step, out=sm.output.out, fail=sm.params.fail)
print("after the step")
"""


@pytest.mark.parametrize("fail", [False, True])
def test_a_command_line_job_ends_its_process_once_its_outputs_are_written(tmp_path, fail):
    """The step's output and log are complete, and the process ends there without the
    interpreter's finalization (no atexit handler runs); a user error still exits 1 with its one
    line."""
    spec = {"output": {"out": str(tmp_path / "out.txt")}, "params": {"fail": fail}}
    run = subprocess.run([sys.executable, "-c", RUN_JOB, "--log", str(tmp_path / "job.log"), json.dumps(spec)],
                         capture_output=True, text=True)
    log = (tmp_path / "job.log").read_text()
    if fail:
        assert run.returncode == 1 and run.stderr.strip() == "kmeans-study error: the data is bad"
        assert "ERROR the data is bad" in log and not (tmp_path / "out.txt").exists()
    else:
        assert run.returncode == 0 and (tmp_path / "out.txt").read_text() == "written"
        assert "done step" in log and "finalized" not in run.stdout
    assert "after the step" not in run.stdout


def test_under_snakemakes_script_directive_the_job_is_its_object():
    """A script run by Snakemake's ``script:`` directive gets the object the directive puts in
    front of the script, whatever its command line."""
    code = ("import sys; from kmeans_study.steps.job import this_job; "
            "sys.modules['__main__'].snakemake = 'the object'; print(this_job())")
    out = subprocess.run([sys.executable, "-c", code, "not", "a", "job"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "the object"
