"""What a run prints on the terminal: one line per finished job with the progress count and the
time so far, what is still running, failed jobs with their one-line cause and log, and at the end
where the results are.

Snakemake hands its log records to the logger plugin ``snakemake_logger_plugin_kmeans_study``
(selected by ``logger: [kmeans-study]`` in workflow/profiles/default), which feeds them to a
``Console`` and writes the lines it returns; the logic lives here so that it can be tested on
records alone. Snakemake's complete log (``.snakemake/log/``) is written as before.

A record is a ``logging.LogRecord`` whose ``event`` attribute (a
``snakemake_interface_logger_plugins.common.LogEvent``, a string enum) says what happened, with
the event's fields as further attributes (see ``snakemake/jobs.py`` and
``snakemake/scheduling/job_scheduler.py`` of Snakemake 9). Imports nothing heavy: the plugin is
loaded by every ``snakemake`` command.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from kmeans_study import paths
from kmeans_study.joblog import error_line

# Seconds without output after which the running jobs are listed again.
HEARTBEAT_S = 30.0
# A record carrying this attribute (set to True) is held back and printed last, after Snakemake's
# closing lines: the Snakefile's onsuccess handler uses it for the pointer to the results.
LAST_LINE = "kmeans_study_last_line"
# Snakemake's chatter that says nothing to a reader of this study.
QUIET_MESSAGES = (
    "Assuming unrestricted shared filesystem usage.",
    "Building DAG of jobs...",
    "Select jobs to execute...",
    "Using shell:",
    "Conda environments: ignored",
    "Singularity containers: ignored",
    "Group jobs: inactive (local execution)",
)
COMPLETE_LOG = "Complete log(s): "
ELAPSED = "Elapsed time: "
# The local executor's report of a script that exited non-zero: says nothing once the job's log
# names the cause.
_EXIT_STATUS = re.compile(r"returned non-zero exit status \d+")
# Lines of a failed job's log shown when the log names no cause.
LOG_TAIL_LINES = 40
MAX_LISTED = 3
# Lines that list things wrap at this width.
WIDTH = 100


def clock(seconds: float) -> str:
    """``h:mm:ss``."""
    seconds = int(max(seconds, 0))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def duration(seconds: float) -> str:
    """A job's run time: ``0.8 s`` below a minute, ``m:ss`` or ``h:mm:ss`` above."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"
    return clock(seconds)


def value_range(values: set) -> str:
    """Wildcard values in a few characters: ``5-15`` for a run of integers, else a sorted list
    cut after a few with the count."""
    if all(str(v).isdigit() for v in values):
        numbers = sorted(int(v) for v in values)
        if len(numbers) > 2 and numbers == list(range(numbers[0], numbers[-1] + 1)):
            return f"{numbers[0]}-{numbers[-1]}"
        listed = [str(n) for n in numbers]
    else:
        listed = sorted(map(str, values))
    if len(listed) > 6:
        return ", ".join(listed[:4]) + f", ... ({len(listed)} values)"
    return ", ".join(listed)


@dataclass
class Job:
    rule: str
    wildcards: dict
    logs: list[str]
    started: float

    @property
    def label(self) -> str:
        return " ".join([self.rule] + [f"{k}={v}" for k, v in self.wildcards.items()])


@dataclass
class Console:
    """Turns Snakemake's log records into the lines to print (``lines``, ``heartbeat``, ``close``).

    rundir: the directory snakemake was started in (paths are shown relative to it); workdir: the
    one jobs run in (``--directory``), where their log paths start.
    """

    start: float
    dryrun: bool = False
    show_failed_logs: bool = True
    printshellcmds: bool = False
    rundir: str = field(default_factory=os.getcwd)
    workdir: str = field(default_factory=os.getcwd)
    jobs: dict[int, Job] = field(default_factory=dict)
    running: dict[int, Job] = field(default_factory=dict)
    finished: list[tuple[Job, float]] = field(default_factory=list)
    failed: list[Job] = field(default_factory=list)
    done: int = 0
    total: int = 0
    cores: int | None = None
    configfiles: list[str] = field(default_factory=list)
    last_output: float = 0.0
    held_errors: list[str] = field(default_factory=list)
    last_lines: list[str] = field(default_factory=list)
    complete_log: str | None = None
    planned: dict[str, int] | None = None
    closed: bool = False

    def __post_init__(self):
        self.last_output = self.start

    # -- paths and labels --------------------------------------------------------------------

    def shown_path(self, path: str) -> str:
        """A path of the working directory as the user can open it from where they started."""
        absolute = os.path.normpath(os.path.join(self.workdir, path))
        relative = os.path.relpath(absolute, self.rundir)
        return absolute if relative.startswith("..") else relative

    def progress(self, now: float) -> str:
        width = len(str(self.total))
        percent = 100 * self.done // self.total if self.total else 0
        return f"[{self.done:>{width}}/{self.total} {percent:>3}% {clock(now - self.start)}]"

    def running_summary(self) -> str:
        if not self.running:
            return ""
        counts = Counter(job.rule for job in self.running.values())
        return "; running: " + ", ".join(f"{rule} x{n}" if n > 1 else rule for rule, n in counts.items())

    # -- records -----------------------------------------------------------------------------

    def lines(self, record: logging.LogRecord) -> list[str]:
        """What to print for one record (often nothing)."""
        event = getattr(record, "event", None)
        handler = getattr(self, f"_on_{event}", None) if event is not None else None
        out = handler(record) if handler else self._on_message(record)
        if out:
            self.last_output = record.created
        return out

    def _on_message(self, record: logging.LogRecord) -> list[str]:
        message = record.getMessage() if record.msg is not None else ""
        if getattr(record, LAST_LINE, False):
            self.last_lines.append(message)
            return []
        if not message or message.startswith(QUIET_MESSAGES):
            return []
        if message.startswith(COMPLETE_LOG):
            self.complete_log = message[len(COMPLETE_LOG) :]
            return []
        if message.startswith(ELAPSED):
            elapsed = message[len(ELAPSED) :].split(".")[0]
            where = f"; Snakemake's complete log: {self.shown_path(self.complete_log)}" if self.complete_log else ""
            return [f"Elapsed time {elapsed}{where}"]
        if message.startswith("Reasons:"):
            # Snakemake points at job listings that this view does not print; its rule lists wrap.
            message = message.replace("\n    (check individual jobs above for details)", "")
            return [
                wrapped
                for line in message.splitlines()
                for wrapped in textwrap.wrap(line, WIDTH, subsequent_indent=" " * (len(line) - len(line.lstrip())))
            ]
        return [message]

    def _on_workflow_started(self, record) -> list[str]:
        # Where snakemake was started and where its jobs run (--directory).
        self.rundir = getattr(record, "rundir", None) or self.rundir
        self.workdir = getattr(record, "cwd", None) or self.workdir
        self.configfiles = [self.shown_path(str(f)) for f in getattr(record, "configfiles", None) or []]
        return []

    def _on_resources_info(self, record) -> list[str]:
        if getattr(record, "cores", None) is not None:
            self.cores = record.cores
        return []

    def _on_run_info(self, record) -> list[str]:
        stats = dict(getattr(record, "stats", {}) or {})
        total = stats.pop("total", sum(stats.values()))
        if self.dryrun:
            # Printed at the second (after the jobs were listed, so their wildcards are known)
            # or on close when Snakemake stops after the first (--quiet).
            first = self.planned is None
            self.planned = stats
            return [] if first else self._plan()
        self.total = total
        config = f", config {', '.join(self.configfiles)}" if self.configfiles else ""
        cores = f" on {self.cores} cores" if self.cores else ""
        return [f"{total} jobs to run{cores}{config}"] + _packed(
            [f"{rule} {n}" for rule, n in stats.items()], first="  per rule: ", rest="    "
        )

    def _plan(self) -> list[str]:
        """The dry run's plan: per rule, how many jobs and over which wildcard values."""
        planned, self.planned = self.planned or {}, {}
        values: dict[str, dict[str, set]] = {}
        for job in self.jobs.values():
            for name, value in job.wildcards.items():
                values.setdefault(job.rule, {}).setdefault(name, set()).add(value)
        width = max((len(rule) for rule in planned), default=0)
        count_width = max((len(str(n)) for n in planned.values()), default=0)
        lines = [f"{sum(planned.values())} jobs would run:"]
        for rule, n in planned.items():
            over = "  ".join(f"{name}: {value_range(v)}" for name, v in values.get(rule, {}).items())
            lines.append(f"  {rule:<{width}}  {n:>{count_width}}  {over}".rstrip())
        return lines

    def _on_job_info(self, record) -> list[str]:
        job = Job(
            rule=record.rule_name,
            wildcards=dict(getattr(record, "wildcards", None) or {}),
            logs=list(getattr(record, "log", None) or []),
            started=record.created,
        )
        self.jobs[record.jobid] = job
        if not self.dryrun:
            self.running[record.jobid] = job
        return []

    def _on_shellcmd(self, record) -> list[str]:
        command = getattr(record, "shellcmd", None) or getattr(record, "cmd", None)
        return [command] if self.printshellcmds and command else []

    def _on_job_finished(self, record) -> list[str]:
        job = self.running.pop(record.job_id, None) or self.jobs.get(record.job_id)
        self.finished.append((job or Job(f"job {record.job_id}", {}, [], record.created), record.created))
        return []

    def _on_progress(self, record) -> list[str]:
        self.done, self.total = record.done, record.total
        finished, self.finished = self.finished, []
        return [
            f"{self.progress(record.created)} {job.label}: {duration(end - job.started)}{self.running_summary()}"
            for job, end in finished
        ]

    def _on_error(self, record) -> list[str]:
        # Snakemake's account of an exception: held until the job error that usually follows
        # says whether the job's log explains it better (see _on_job_error).
        self.held_errors.append(record.getMessage())
        return []

    def _on_job_error(self, record) -> list[str]:
        job = self.running.pop(record.jobid, None) or self.jobs.get(record.jobid)
        job = job or Job(record.rule_name, {}, [], record.created)
        logs = list(getattr(record, "log", None) or []) or job.logs
        self.failed.append(Job(job.rule, job.wildcards, logs, job.started))
        cause, tail = self._cause(logs)
        held, self.held_errors = self.held_errors, []
        lines = [
            message
            for message in held
            if not (cause and _EXIT_STATUS.search(message))
        ]
        lines.append(f"FAILED {job.label} (job {record.jobid}): {cause or 'see the log below'}")
        if getattr(record, "rule_msg", None):
            lines.append(f"    message: {record.rule_msg}")
        if logs:
            lines.append(f"    log: {', '.join(self.shown_path(p) for p in logs)}")
        lines += [f"    | {line}" for line in tail]
        return lines

    def _cause(self, logs: list[str]) -> tuple[str | None, list[str]]:
        """The one-line cause a job's logs name, or None and (if failed logs are shown) their last
        lines."""
        tail = []
        for path in logs:
            try:
                text = Path(self.workdir, path).read_text(errors="replace")
            except OSError:
                continue
            cause = error_line(text)
            if cause:
                return cause, []
            tail += text.splitlines()[-LOG_TAIL_LINES:]
        return None, tail if self.show_failed_logs else []

    def _on_group_error(self, record) -> list[str]:
        # The group's jobs follow as job errors of their own; this names the group's own log.
        logs = ", ".join(self.shown_path(p) for p in getattr(record, "aux_logs", None) or [])
        message = getattr(record, "msg", None) or ""
        return [f"FAILED group {record.groupid}: {message}".rstrip(": ") + (f"; log: {logs}" if logs else "")]

    def _on_group_info(self, record) -> list[str]:
        return []

    def _on_job_started(self, record) -> list[str]:
        return []

    def _on_rulegraph(self, record) -> list[str]:
        return []

    def _on_debug_dag(self, record) -> list[str]:
        return [record.getMessage()] if record.msg else []

    # -- time and the end --------------------------------------------------------------------

    def heartbeat(self, now: float) -> list[str]:
        """The jobs still running, longest first, once nothing was printed for HEARTBEAT_S."""
        if self.dryrun or not self.running or now - self.last_output < HEARTBEAT_S:
            return []
        self.last_output = now
        jobs = sorted(self.running.values(), key=lambda job: job.started)
        listed = ", ".join(f"{job.label} ({duration(now - job.started)})" for job in jobs[:MAX_LISTED])
        more = f" and {len(jobs) - MAX_LISTED} more" if len(jobs) > MAX_LISTED else ""
        return [f"{self.progress(now)} running: {listed}{more}"]

    def close(self) -> list[str]:
        """The closing lines: a dry run's plan if Snakemake stopped before it, exceptions no job
        error explained, the failed jobs again, and the held last lines."""
        if self.closed:
            return []
        self.closed = True
        lines = self._plan() if self.dryrun and self.planned else []
        lines += self.held_errors
        if self.failed:
            lines.append(f"{len(self.failed)} failed job(s):")
            lines += [f"  {job.label}: log {', '.join(map(self.shown_path, job.logs))}" for job in self.failed]
        return lines + self.last_lines


def results_pointer(rundir: str, workdir: str, snakefile: str, configfiles: list[str], program: str) -> str:
    """The run's last line: where the summary is and the command that builds the HTML report
    (with the options that select this study: Snakefile, working directory, config files)."""
    console = Console(start=0.0, rundir=rundir, workdir=workdir)
    beside = Path(sys.executable).with_name("snakemake")  # `python -m snakemake` (make run) names no script
    if Path(program).name == "snakemake":
        runner = program
    elif Path(program).name == "__main__.py" and beside.exists():
        runner = console.shown_path(str(beside))
    else:
        runner = "snakemake"
    command = [runner, "--report", "report.html"]
    if os.path.abspath(snakefile) != os.path.join(rundir, "Snakefile"):
        command += ["-s", console.shown_path(snakefile)]
    if os.path.abspath(workdir) != os.path.abspath(rundir):
        command += ["--directory", console.shown_path(".")]
    if configfiles:
        command += ["--configfile", *map(console.shown_path, configfiles)]
    return f"Done. Results: {console.shown_path(paths.SUMMARY)}   HTML report: {' '.join(command)}"


def _packed(entries: list[str], first: str, rest: str) -> list[str]:
    """Entries joined by ", " into lines of at most WIDTH characters, never breaking an entry
    (a rule's name stays beside its count)."""
    lines, line = [], first
    for i, entry in enumerate(entries):
        piece = entry + ("," if i < len(entries) - 1 else "")
        if line.strip() and len(line) + 1 + len(piece) > WIDTH and line not in (first, rest):
            lines.append(line)
            line = rest
        line += ("" if line in (first, rest) else " ") + piece
    return lines + [line]
