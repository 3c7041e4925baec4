"""The terminal view (snakemake_logger_plugin_kmeans_study.console) on Snakemake's log records, without Snakemake."""

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st
from snakemake_interface_logger_plugins.common import LogEvent

from kmeans_study.data.sources import DataError
from kmeans_study.steps import runner
from snakemake_logger_plugin_kmeans_study.console import LAST_LINE, Console, results_pointer
from snakemake_logger_plugin_kmeans_study.progress import HEARTBEAT_S
from snakemake_logger_plugin_kmeans_study.text import value_range


def record(event=None, msg=None, created=0.0, **fields):
    """A log record as Snakemake emits it: the event and its fields as attributes."""
    return logging.makeLogRecord({"msg": msg, "event": event, "created": created, **fields})


def job_info(jobid, rule_name, created, log=(), **wildcards):
    return record(
        LogEvent.JOB_INFO, jobid=jobid, rule_name=rule_name, wildcards=wildcards, log=list(log), created=created
    )


def feed(console, *records):
    return [line for r in records for line in console.lines(r)]


def test_a_run_prints_its_plan_then_one_line_per_finished_job_with_the_count_and_what_runs():
    console = Console(start=100.0)
    lines = feed(
        console,
        record(LogEvent.WORKFLOW_STARTED, configfiles=[]),
        record(LogEvent.RESOURCES_INFO, msg="Provided cores: 2", cores=2),
        record(msg="Building DAG of jobs..."),
        record(LogEvent.RUN_INFO, msg="Job stats: ...", stats={"fit": 2, "all": 1, "total": 3}),
        job_info(1, "fit", 101.0, dataset="blobs", k="5"),
        job_info(2, "fit", 101.5, dataset="blobs", k="6"),
        record(LogEvent.SHELLCMD, msg="Shell command: None", shellcmd=None),
        record(LogEvent.JOB_FINISHED, job_id=1, created=103.25),
        record(LogEvent.PROGRESS, done=1, total=3, created=103.25),
        record(LogEvent.JOB_FINISHED, job_id=2, created=104.0),
        record(LogEvent.PROGRESS, done=2, total=3, created=104.0),
        job_info(0, "all", 104.0),
        record(LogEvent.JOB_FINISHED, job_id=0, created=104.0),
        record(LogEvent.PROGRESS, done=3, total=3, created=104.0),
    )
    assert lines == [
        "3 jobs to run on 2 cores",
        "  per rule: fit 2, all 1",
        "[1/3  33% 0:00:03] fit dataset=blobs k=5: 2.2 s; running: fit",
        "[2/3  66% 0:00:04] fit dataset=blobs k=6: 2.5 s",
        "[3/3 100% 0:00:04] all: 0.0 s",
    ]


def test_the_pointer_to_the_results_comes_last_after_snakemakes_closing_lines():
    console = Console(start=0.0, workdir="/w", rundir="/w")
    lines = feed(
        console,
        record(msg="Done. Results: results/summary.md", **{LAST_LINE: True}),
        record(msg="Complete log(s): /w/.snakemake/log/x.snakemake.log"),
        record(msg="Elapsed time: 0:07:02.123456"),
    )
    assert lines == ["Elapsed time 0:07:02; Snakemake's complete log: .snakemake/log/x.snakemake.log"]
    assert console.close() == ["Done. Results: results/summary.md"]
    assert console.close() == []  # logging calls close() again at exit


def failed_job(tmp_path, step):
    """A job's log as runner.run leaves it when ``step`` fails, and the console that reads it."""
    log = tmp_path / "results" / "logs" / "prepare_dataset" / "broken.log"
    log.parent.mkdir(parents=True)
    with pytest.raises((SystemExit, ValueError)):
        runner.run(str(log), step)
    console = Console(start=0.0, workdir=str(tmp_path), rundir=str(tmp_path))
    return console, feed(
        console,
        job_info(7, "prepare_dataset", 1.0, log=["results/logs/prepare_dataset/broken.log"], dataset="broken"),
        record(LogEvent.ERROR, msg="RuleException:\nCalledProcessError in file data.smk, line 14:\n"
               "Command 'python x.py' returned non-zero exit status 1.", exception="RuleException"),
        record(LogEvent.JOB_ERROR, msg="Error in rule prepare_dataset", jobid=7, rule_name="prepare_dataset",
               log=["results/logs/prepare_dataset/broken.log"], rule_msg=None),
    )


def test_a_failed_job_shows_the_cause_its_log_names_and_the_log_path(tmp_path):
    def prepare():
        raise DataError("broken.csv: row 3, column 2 holds nan")

    console, lines = failed_job(tmp_path, prepare)
    assert lines == [
        "FAILED prepare_dataset dataset=broken (job 7): broken.csv: row 3, column 2 holds nan",
        "    log: results/logs/prepare_dataset/broken.log",
    ]
    assert console.close() == [
        "1 failed job(s):",
        "  prepare_dataset dataset=broken: log results/logs/prepare_dataset/broken.log",
    ]


def test_a_crash_shows_the_exception_line_of_its_traceback(tmp_path):
    def prepare():
        raise ValueError("shapes (3,) and (4,) not aligned")

    _, lines = failed_job(tmp_path, prepare)
    assert lines[0] == "FAILED prepare_dataset dataset=broken (job 7): ValueError: shapes (3,) and (4,) not aligned"


def test_a_failure_whose_log_names_no_cause_keeps_snakemakes_message_and_shows_the_log(tmp_path):
    (tmp_path / "job.log").write_text("line one\nKilled\n")
    console = Console(start=0.0, workdir=str(tmp_path), rundir=str(tmp_path))
    lines = feed(
        console,
        record(LogEvent.ERROR, msg="MissingOutputException: results/x.csv", exception="MissingOutputException"),
        record(LogEvent.JOB_ERROR, jobid=3, rule_name="timing", log=["job.log"], rule_msg=None),
    )
    assert lines == [
        "MissingOutputException: results/x.csv",
        "FAILED timing (job 3): see the log below",
        "    log: job.log",
        "    | line one",
        "    | Killed",
    ]


def test_a_dry_run_prints_per_rule_the_job_count_and_wildcard_values():
    console = Console(start=0.0, dryrun=True)
    infos = [job_info(i, "fit", 0.0, dataset=d, k=str(k)) for i, (d, k) in enumerate(
        [(d, k) for d in ("mnist5k", "blobs") for k in range(5, 16)])]
    lines = feed(
        console,
        record(LogEvent.RUN_INFO, stats={"fit": 22, "all": 1, "total": 23}),
        *infos,
        job_info(99, "all", 0.0),
        record(LogEvent.RUN_INFO, stats={"fit": 22, "all": 1, "total": 23}),
    )
    assert lines == ["23 jobs would run:", "  fit  22  dataset: blobs, mnist5k  k: 5-15", "  all   1"]
    assert console.close() == []


def test_a_dry_runs_reasons_wrap_and_drop_the_pointer_to_job_listings():
    rules = ", ".join(f"rule_{i}" for i in range(30))
    message = f"Reasons:\n    (check individual jobs above for details)\n    missing output files:\n        {rules}"
    lines = feed(Console(start=0.0, dryrun=True), record(msg=message))
    assert lines[:2] == ["Reasons:", "    missing output files:"]
    assert len(lines) > 4 and all(len(line) <= 100 and line.startswith("        rule_") for line in lines[2:])
    assert " ".join(line.strip() for line in lines[2:]) == rules


def test_wildcard_values_are_summarised():
    assert value_range({"3", "1", "2"}) == "1-3"
    assert value_range({"1", "3"}) == "1, 3"
    assert value_range({f"b{i}" for i in range(8)}) == "b0, b1, b2, b3, ... (8 values)"


def test_a_long_silence_lists_the_jobs_still_running():
    console = Console(start=0.0)
    feed(console, record(LogEvent.RUN_INFO, stats={"fit": 2, "total": 2}),
         job_info(1, "fit", 1.0, k="5"), job_info(2, "fit", 2.0, k="6"))
    assert console.heartbeat(HEARTBEAT_S - 1) == []
    assert console.heartbeat(100.0) == ["[0/2   0% 0:01:40] running: fit k=5 (1:39), fit k=6 (1:38)"]
    assert console.heartbeat(101.0) == []  # not again before another silence


def test_snakemakes_chatter_is_dropped_and_other_messages_pass():
    console = Console(start=0.0)
    assert feed(console, record(msg="Select jobs to execute..."), record(msg="Using shell: /bin/bash")) == []
    assert feed(console, record(msg="Nothing to be done (all requested files are present and up to date).")) == [
        "Nothing to be done (all requested files are present and up to date)."
    ]


def test_the_report_command_names_what_selects_the_study(tmp_path):
    repo = tmp_path / "repo"
    assert results_pointer(str(repo), str(repo), str(repo / "Snakefile"), [], ".venv/bin/snakemake") == (
        "Done. Results: results/summary.md   HTML report: .venv/bin/snakemake --report report.html"
    )
    line = results_pointer(
        str(repo),
        str(tmp_path / "w"),
        str(repo / "Snakefile"),
        [str(repo / "workflow/configs/mnist.yaml")],
        "snakemake",
    )
    assert line == (
        f"Done. Results: {tmp_path}/w/results/summary.md   HTML report: snakemake --report report.html "
        f"--directory {tmp_path}/w --configfile workflow/configs/mnist.yaml"
    )


@given(st.lists(st.tuples(st.from_regex(r"[a-z_]{1,30}", fullmatch=True), st.integers(1, 10**5)), max_size=60))
def test_the_plan_wraps_between_rules_never_inside_one(stats):
    from snakemake_logger_plugin_kmeans_study.text import WIDTH, packed

    entries = [f"{rule} {n}" for rule, n in stats]
    lines = packed(entries, first="  per rule: ", rest="    ")
    assert all(len(line) <= WIDTH for line in lines)
    text = [line.removeprefix("  per rule: ") for line in lines]
    pieces = [piece.strip() for line in text for piece in line.split(",") if piece.strip()]
    assert pieces == entries


def test_the_report_command_of_a_run_started_as_a_module_names_the_environments_snakemake(tmp_path):
    import sys
    from pathlib import Path

    line = results_pointer(str(tmp_path), str(tmp_path), str(tmp_path / "Snakefile"), [],
                           "/x/site-packages/snakemake/__main__.py")
    assert line.endswith(f"HTML report: {Path(sys.executable).with_name('snakemake')} --report report.html")
