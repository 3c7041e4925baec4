"""What a run prints on the terminal: one line per finished job with the progress count and the
time so far, what is still running (with the progress its log reports), failed jobs with their
one-line cause and log, and at the end where the results are.

Snakemake hands its log records to this package's ``LogHandler`` (selected by ``logger:
[kmeans-study]`` in the profiles of workflow/profiles/), which feeds them to a ``Console`` and
writes the lines it returns; the logic lives here, apart from the handler, so that it can be
tested on records alone. Snakemake's complete log (``.snakemake/log/``) is written as before.

A record is a ``logging.LogRecord`` whose ``event`` attribute (a
``snakemake_interface_logger_plugins.common.LogEvent``, a string enum) says what happened, with
the event's fields as further attributes (see ``snakemake/jobs.py`` and
``snakemake/scheduling/job_scheduler.py`` of Snakemake 9). The console hands each event to the
piece it concerns: the plan (``plan``), the jobs and their progress (``jobs``, ``progress``),
failures (``failures``, ``memory``), the cluster jobs they went to (``cluster``), Snakemake's
plain messages (``messages``), paths as the user sees them (``places``). Imports nothing heavy:
the plugin is loaded by every ``snakemake`` command.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

from snakemake_logger_plugin_kmeans_study.cluster import Cluster
from snakemake_logger_plugin_kmeans_study.failures import Failures
from snakemake_logger_plugin_kmeans_study.jobs import Jobs
from snakemake_logger_plugin_kmeans_study.memory import Memory
from snakemake_logger_plugin_kmeans_study.messages import LAST_LINE, Messages
from snakemake_logger_plugin_kmeans_study.places import Places, results_pointer
from snakemake_logger_plugin_kmeans_study.plan import Plan
from snakemake_logger_plugin_kmeans_study.progress import Progress

# What the Snakefile uses: its last line (the pointer to the results), marked to be printed last.
__all__ = ["LAST_LINE", "Console", "results_pointer"]


@dataclass
class Console:
    """Turns Snakemake's log records into the lines to print (``lines``, ``heartbeat``, ``close``).

    start: when the run started (seconds since the epoch); rundir: the directory snakemake was
    started in (paths are shown relative to it); workdir: the one jobs run in (``--directory``),
    where their log paths start; root: where the machine's /proc and /sys are read (a fake tree in
    tests).
    """

    start: float
    dryrun: bool = False
    show_failed_logs: bool = True
    printshellcmds: bool = False
    rundir: str = field(default_factory=os.getcwd)
    workdir: str = field(default_factory=os.getcwd)
    root: str = "/"
    closed: bool = False

    def __post_init__(self):
        self.places = Places(rundir=self.rundir, workdir=self.workdir)
        self.jobs = Jobs(dryrun=self.dryrun)
        self.plan = Plan(jobs=self.jobs)
        self.cluster = Cluster()
        self.progress = Progress(start=self.start, jobs=self.jobs, places=self.places, cluster=self.cluster)
        self.failures = Failures(places=self.places, jobs=self.jobs, memory=Memory(root=self.root),
                                 cluster=self.cluster, show_failed_logs=self.show_failed_logs)
        self.messages = Messages(places=self.places, cluster=self.cluster)

    def lines(self, record: logging.LogRecord) -> list[str]:
        """What to print for one record (often nothing)."""
        event = getattr(record, "event", None)
        handler = getattr(self, f"_on_{event}", None) if event is not None else self._on_message
        out = handler(record) if handler else self.messages.lines(record)
        if out:
            self.progress.last_output = record.created
        return out

    def heartbeat(self, now: float) -> list[str]:
        """The jobs still running, once nothing was printed for a while (see ``progress``)."""
        return [] if self.dryrun else self.progress.heartbeat(now)

    def close(self) -> list[str]:
        """The closing lines: a dry run's plan if Snakemake stopped before it, exceptions no job
        error explained, the failed jobs again, and the held last lines."""
        if self.closed:
            return []
        self.closed = True
        lines = self.plan.unprinted() if self.dryrun else []
        return lines + self.failures.closing() + self.messages.last_lines

    # One handler per event: the piece of the view it concerns.

    def _on_message(self, record) -> list[str]:
        # A plain message: Snakemake's note that it retries a failed job concerns the failures.
        restart = self.failures.restart(record.getMessage()) if record.msg is not None else None
        return self.messages.lines(record) if restart is None else restart

    def _on_workflow_started(self, record) -> list[str]:
        # Where snakemake was started and where its jobs run (--directory).
        self.places.rundir = getattr(record, "rundir", None) or self.places.rundir
        self.places.workdir = getattr(record, "cwd", None) or self.places.workdir
        self.plan.configfiles = [self.places.shown(str(f)) for f in getattr(record, "configfiles", None) or []]
        return []

    def _on_resources_info(self, record) -> list[str]:
        if getattr(record, "cores", None) is not None:
            self.plan.cores = record.cores
        if getattr(record, "nodes", None) is not None:
            self.plan.nodes = record.nodes
        return []

    def _on_run_info(self, record) -> list[str]:
        stats = dict(getattr(record, "stats", {}) or {})
        total = stats.pop("total", sum(stats.values()))
        if self.dryrun:
            return self.plan.dry_run(stats)
        self.progress.total = total
        return self.plan.to_run(total, stats)

    def _on_job_info(self, record) -> list[str]:
        self.jobs.announced(record)
        return []

    def _on_shellcmd(self, record) -> list[str]:
        command = getattr(record, "shellcmd", None) or getattr(record, "cmd", None)
        return [command] if self.printshellcmds and command else []

    def _on_job_finished(self, record) -> list[str]:
        return self.progress.job_finished(record)

    def _on_progress(self, record) -> list[str]:
        return self.progress.progressed(record)

    def _on_error(self, record) -> list[str]:
        return self.failures.error(record)

    def _on_job_error(self, record) -> list[str]:
        return self.failures.job_error(record)

    def _on_group_error(self, record) -> list[str]:
        return self.failures.group_error(record)

    def _on_debug_dag(self, record) -> list[str]:
        return [record.getMessage()] if record.msg else []

    def _on_group_info(self, record) -> list[str]:
        self.cluster.group_info(record)
        return []

    def _on_job_started(self, record) -> list[str]:
        return []

    def _on_rulegraph(self, record) -> list[str]:
        return []
