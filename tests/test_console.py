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


def running_job_with_progress(tmp_path, *messages, path="results/logs/fit_fused/emb/k64.log"):
    """A job log (at ``path`` under ``tmp_path``) as runner.run leaves it while a step still runs
    and has logged ``messages`` through runtime.Progress; its path from the working directory."""
    from kmeans_study.runtime import Progress

    (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)

    def step():
        progress = Progress(every_s=0)
        for message in messages:
            progress(message)

    runner.run(str(tmp_path / path), step)
    log = (tmp_path / path).read_text()
    (tmp_path / path).write_text(log[: log.rindex("\n", 0, log.index(" INFO done")) + 1])  # still running
    return path


def test_the_heartbeat_shows_beside_each_running_job_the_progress_its_log_last_reported(tmp_path):
    log = running_job_with_progress(tmp_path, "iteration 30, centre shift 0.5", "iteration 31, centre shift 0.0012")
    console = Console(start=0.0, workdir=str(tmp_path), rundir=str(tmp_path))
    feed(console, record(LogEvent.RUN_INFO, stats={"fit_fused": 1, "fit": 4, "total": 5}),
         job_info(12, "fit_fused", 10.0, log=[log], dataset="emb", k="64"),
         *[job_info(20 + i, "fit", 20.0 + i, log=[f"results/logs/fit/{i}.log"], dataset="emb", k=str(i))
           for i in range(4)])
    assert console.heartbeat(140.0) == [
        "[0/5   0% 0:02:20] running:",
        "    fit_fused dataset=emb k=64 (2:10): iteration 31, centre shift 0.0012",
        "    fit dataset=emb k=0 (2:00)",
        "    fit dataset=emb k=1 (1:59)",
        "    and 2 more",
    ]
    # A job that has not logged progress yet (or never will) keeps the one-line heartbeat.
    feed(console, record(LogEvent.JOB_FINISHED, job_id=12, created=141.0), record(LogEvent.PROGRESS, done=1, total=5,
                                                                                  created=141.0))
    assert console.heartbeat(200.0) == [
        "[1/5  20% 0:03:20] running: fit dataset=emb k=0 (3:00), fit dataset=emb k=1 (2:59), fit dataset=emb k=2 "
        "(2:58) and 1 more"
    ]


def test_only_the_end_of_a_long_log_is_read_for_its_progress(tmp_path):
    from snakemake_logger_plugin_kmeans_study.progress import LOG_TAIL_BYTES

    log = running_job_with_progress(tmp_path, "iteration 1", *[f"iteration {i}" for i in range(2, 2000)])
    assert (tmp_path / log).stat().st_size > 4 * LOG_TAIL_BYTES
    console = Console(start=0.0, workdir=str(tmp_path), rundir=str(tmp_path))
    feed(console, job_info(1, "fit_fused", 0.0, log=[log], k="64"))
    assert console.heartbeat(100.0) == ["[0/0   0% 0:01:40] running: fit_fused k=64 (1:40): iteration 1999"]


def machine(tmp_path, cgroup: str, files: dict[str, str]):
    """A fake machine root: /proc/self/cgroup, /proc/meminfo (24 GB) and ``files`` under it."""
    root = tmp_path / "root"
    for path, text in {"proc/self/cgroup": cgroup, "proc/meminfo": "MemTotal:       24730000 kB\n", **files}.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


KILLED_BY_SIGKILL = ("RuleException:\nCalledProcessError in file fit.smk, line 60:\nCommand 'set -euo pipefail;  "
                     "python fit_fused.py' died with <Signals.SIGKILL: 9>.")


def killed_job(root, kills_after: tuple[str, str] | None, *others, workdir="/w"):
    """What the console prints for a fit_fused job killed by SIGKILL, the kill counter file set to
    ``kills_after`` (path, text) in between, ``others`` running beside it."""
    console = Console(start=0.0, workdir=workdir, rundir=workdir, root=str(root))
    feed(console, record(LogEvent.JOB_INFO, jobid=12, rule_name="fit_fused", log=["k64.log"], created=1.0,
                         wildcards={"dataset": "emb", "backend": "fused", "k": "64"}, resources={"mem_mb": 2000}),
         *[job_info(20 + i, rule, 2.0) for i, rule in enumerate(others)])
    if kills_after:
        (root / kills_after[0]).write_text(kills_after[1])
    return feed(console, record(LogEvent.ERROR, msg=KILLED_BY_SIGKILL, exception="RuleException"),
                record(LogEvent.JOB_ERROR, jobid=12, rule_name="fit_fused", log=["k64.log"], rule_msg=None))


def test_a_job_the_kernel_killed_for_memory_says_so_in_one_line_with_the_memory_it_had(tmp_path):
    events = "memory/memory-limit-7/memory.oom_control"
    root = machine(tmp_path, "5:pids:/\n4:memory:/memory-limit-7\n0::/\n", {
        "sys/fs/cgroup/" + events: "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n",
        "sys/fs/cgroup/memory/memory-limit-7/memory.limit_in_bytes": str(600 * 2**20),
        "sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712",
    })
    lines = killed_job(root, ("sys/fs/cgroup/" + events, "oom_kill_disable 0\nunder_oom 1\noom_kill 1\n"))
    assert lines == [
        "FAILED fit_fused dataset=emb backend=fused k=64 (job 12): killed by the kernel for lack of memory (it had "
        "mem_mb=2000; the run's memory cgroup allows 600 MB): it needs more memory than that: run it with more (a "
        "larger limit or machine; on a cluster, --set-resources fit_fused:mem_mb=4000)",
        "    log: k64.log",
    ]


def test_a_memory_kill_beside_other_jobs_says_to_run_fewer_at_once_cgroup_v2(tmp_path):
    events = "sys/fs/cgroup/user.slice/run-1.scope/memory.events"
    root = machine(tmp_path, "0::/user.slice/run-1.scope\n", {
        "sys/fs/cgroup/cgroup.controllers": "cpuset cpu io memory pids\n",
        events: "low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\n",
        "sys/fs/cgroup/user.slice/run-1.scope/memory.max": "max\n",
        "sys/fs/cgroup/user.slice/memory.max": f"{1024 * 2**20}\n",
    })
    lines = killed_job(root, (events, "low 0\nhigh 0\nmax 9\noom 2\noom_kill 3\n"), "fit", "fit")
    assert lines[0] == (
        "FAILED fit_fused dataset=emb backend=fused k=64 (job 12): killed by the kernel for lack of memory (it had "
        "mem_mb=2000; the run's memory cgroup allows 1024 MB; 2 other job(s) were running): run fewer jobs at once "
        "(--resources mem_mb=1024 keeps the running jobs' mem_mb within the limit) or give the run more memory"
    )


def test_a_sigkill_the_out_of_memory_killer_did_not_count_is_not_blamed_on_memory(tmp_path):
    root = machine(tmp_path, "4:memory:/\n", {"sys/fs/cgroup/memory/memory.oom_control": "oom_kill 4\n"})
    line = killed_job(root, None)[0]
    assert line.endswith("(job 12): killed by a SIGKILL that was not the kernel's out-of-memory killer (it counted "
                         "no kill): was the job or its machine stopped by hand or by a scheduler?")


def test_where_no_kill_counter_can_be_read_a_sigkill_is_most_likely_memory_and_the_machine_total_is_named(tmp_path):
    line = killed_job(machine(tmp_path, "", {}), None)[0]
    assert "killed by SIGKILL, most likely for lack of memory (it had mem_mb=2000; this machine has 24150 MB)" in line


def test_a_job_slurm_killed_for_memory_names_its_slurm_job_state_and_how_to_ask_for_more(tmp_path):
    console = Console(start=0.0, workdir="/w", rundir="/w", root=str(machine(tmp_path, "", {})))
    lines = feed(
        console,
        record(LogEvent.JOB_INFO, jobid=12, rule_name="fit", log=["fit.log"], created=1.0, wildcards={"k": "64"},
               resources={"mem_mb": 2000}),
        record(msg="Job 12 has been submitted with SLURM jobid 41 (log: /w/.snakemake/slurm_logs/rule_fit/41.log)."),
        record(LogEvent.JOB_ERROR, jobid=12, rule_name="fit", aux={"external_jobid": "41"},
               log=["fit.log", "/w/.snakemake/slurm_logs/rule_fit/41.log"],
               rule_msg="SLURM-job '41' failed, SLURM status is: 'OUT_OF_MEMORY'. Detailed failure reason unavailable "
               "(status command is not 'sacct').For further error details see the cluster/cloud log and the log "
               "files of the involved rule(s)."),
    )
    assert lines == [
        "FAILED fit k=64 (job 12, SLURM job 41, state OUT_OF_MEMORY): killed by SLURM for lack of memory (it had "
        "mem_mb=2000): give it more (--set-resources fit:mem_mb=4000, or set-resources in the profile)",
        "    log: fit.log, .snakemake/slurm_logs/rule_fit/41.log",
    ]


class GroupMember:
    """What a group_info record lists: Snakemake's jobs, with their id and uuid."""

    def __init__(self, jobid):
        self.jobid = jobid

    def uuid(self):
        return f"uuid-{self.jobid}"


SLURM_LOGS = "/w/.snakemake/slurm_logs"


def test_on_slurm_the_executors_chatter_goes_and_running_jobs_name_their_slurm_job_a_group_as_one(tmp_path):
    console = Console(start=0.0, workdir=str(tmp_path), rundir=str(tmp_path))
    lines = feed(
        console,
        record(LogEvent.RUN_INFO, stats={"prepare_dataset": 1, "fit": 3, "total": 4}),
        record(msg="SLURM run ID: 3c831cbe-94dd-41db-bd0e-bafd8d647e4a"),
        job_info(2, "prepare_dataset", 1.0, dataset="blobs"),
        record(msg="No SLURM account given, trying to guess."),
        record(msg="No account was given, not able to get a SLURM account via sacct: sacct: invalid option -- '1'"),
        record(msg="Unable to guess SLURM account. Trying to proceed without."),
        record(msg=f"Job 2 has been submitted with SLURM jobid 7 (log: {SLURM_LOGS}/rule_prepare_dataset/7.log)."),
        record(LogEvent.GROUP_INFO, group_id="fits_blobs", jobs=frozenset(map(GroupMember, (3, 4, 5)))),
        *[job_info(i, "fit", 2.0, log=[f"k{i}.log"], dataset="blobs", k=str(i)) for i in (3, 4, 5)],
        record(msg=f"Job uuid-4 has been submitted with SLURM jobid 8 (log: {SLURM_LOGS}/group_fits_blobs/8.log)."),
        record(msg="Unable to guess SLURM account. Trying to proceed without."),
        record(msg="Cleaning up SLURM log files older than 10 day(s)."),
    )
    assert lines == ["4 jobs to run", "  per rule: prepare_dataset 1, fit 3",
                     "Unable to guess SLURM account. Trying to proceed without."]
    assert console.heartbeat(95.0) == [
        "[0/4   0% 0:01:35] running: prepare_dataset dataset=blobs (SLURM job 7, 1:34), "
        "group fits_blobs (3 jobs, SLURM job 8, 1:33)"
    ]
    # Inside the group job, one fit is done and one reports its progress (their logs say so).
    running_job_with_progress(tmp_path, "iteration 12, centre shift 0.5", path="k4.log")
    runner.run(str(tmp_path / "k3.log"), lambda: None)
    assert console.heartbeat(130.0) == [
        "[0/4   0% 0:02:10] running:",
        "    prepare_dataset dataset=blobs (SLURM job 7, 2:09)",
        "    group fits_blobs (3 jobs, SLURM job 8, 2:08): 1 of 3 done; fit dataset=blobs k=4: iteration 12, centre "
        "shift 0.5",
    ]
    # The group job's jobs end together: one line.
    assert feed(console, *[record(LogEvent.JOB_FINISHED, job_id=i, created=150.0) for i in (3, 4, 5)],
                record(LogEvent.PROGRESS, done=3, total=4, created=150.0)) == [
        "[3/4  75% 0:02:30] group fits_blobs (3 jobs, SLURM job 8): 2:28; running: prepare_dataset"
    ]
    # The generic cluster executor's submissions name the cluster's job id the same way.
    feed(console, job_info(9, "gap_fit", 3.0), record(msg="Submitted job 9 with external jobid '12'."))
    assert console.cluster.where(9).external == "12" and str(console.cluster.where(9)) == "cluster job 12"


def test_a_retried_cluster_job_says_each_attempt_its_slurm_job_and_state_and_is_listed_once_at_the_end(tmp_path):
    (tmp_path / "broken.log").write_text("2026-01-01 00:00:00,000 ERROR broken.csv: row 3 holds nan\n")
    console = Console(start=0.0, workdir=str(tmp_path), rundir=str(tmp_path))
    lines = []
    for attempt, slurm in enumerate(("30", "31"), start=1):
        slurm_log = f"{tmp_path}/.snakemake/slurm_logs/rule_prepare_dataset/broken/{slurm}.log"
        lines += feed(
            console,
            job_info(48, "prepare_dataset", 1.0, log=["broken.log"], dataset="broken"),
            record(msg=f"Job 48 has been submitted with SLURM jobid {slurm} (log: {slurm_log})."),
            record(LogEvent.JOB_ERROR, jobid=48, rule_name="prepare_dataset", log=["broken.log", slurm_log],
                   aux={"external_jobid": slurm},
                   rule_msg=f"SLURM-job '{slurm}' failed, SLURM status is: 'FAILED'. Detailed failure reason "
                   "unavailable (status command is not 'sacct').For further error details see the cluster/cloud "
                   "log and the log files of the involved rule(s)."),
            *([record(msg="Trying to restart job 48.")] if attempt == 1 else []),
        )
    assert lines == [
        "FAILED prepare_dataset dataset=broken (job 48, SLURM job 30, state FAILED): broken.csv: row 3 holds nan",
        "    log: broken.log, .snakemake/slurm_logs/rule_prepare_dataset/broken/30.log",
        "retrying prepare_dataset dataset=broken (job 48)",
        "FAILED prepare_dataset dataset=broken (job 48, attempt 2, SLURM job 31, state FAILED): broken.csv: row 3 "
        "holds nan",
        "    log: broken.log, .snakemake/slurm_logs/rule_prepare_dataset/broken/31.log",
    ]
    assert console.close() == [
        "1 failed job(s):",
        "  prepare_dataset dataset=broken (2 attempts): log broken.log, "
        ".snakemake/slurm_logs/rule_prepare_dataset/broken/31.log",
    ]


def test_a_failed_group_job_speaks_once_for_its_jobs_naming_those_whose_logs_say_why(tmp_path):
    (tmp_path / "k3.log").write_text("2026-01-01 00:00:00,000 ERROR ValueError: k=3 is more than the points\n")
    (tmp_path / "k4.log").write_text("2026-01-01 00:00:00,000 INFO start fit\n")
    (tmp_path / "8.log").write_text("slurmstepd: error: *** JOB 8 ON node CANCELLED AT 2026-01-01T00:00:00 ***\n")
    console = Console(start=0.0, workdir=str(tmp_path), rundir=str(tmp_path))
    members = [{"jobid": i, "rule_name": "fit", "log": [f"k{i}.log"]} for i in (3, 4, 5)]
    lines = feed(
        console,
        record(LogEvent.GROUP_INFO, group_id="fits_blobs", jobs=frozenset(map(GroupMember, (3, 4, 5)))),
        *[job_info(i, "fit", 2.0, log=[f"k{i}.log"], k=str(i)) for i in (3, 4, 5)],
        record(LogEvent.GROUP_ERROR, groupid="fits_blobs", aux_logs=[str(tmp_path / "8.log")], job_error_info=members,
               external_jobid="8", msg="Error in group fits_blobs"),
        *[record(LogEvent.JOB_ERROR, jobid=i, rule_name="fit", log=[f"k{i}.log"], rule_msg=None) for i in (3, 4, 5)],
    )
    assert lines == [
        "FAILED group fits_blobs (cluster job 8): 1 of its 3 jobs failed",
        "    log: 8.log",
        "    fit k=3 (job 3): ValueError: k=3 is more than the points",
        "        log: k3.log",
        "    2 other job(s) of the group did not finish",
    ]
    assert console.close() == [
        "1 failed job(s):",
        "  fit k=3: log k3.log",
        "  group fits_blobs (cluster job 8): 2 job(s) did not finish; log 8.log",
    ]
