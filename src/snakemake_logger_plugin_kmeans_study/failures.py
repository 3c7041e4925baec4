"""Failed jobs: each with the one-line cause its log names (or the log's last lines) and the log's
path as it fails, then all of them again at the end."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kmeans_study.steps.joblog import error_line
from snakemake_logger_plugin_kmeans_study.jobs import Job, Jobs
from snakemake_logger_plugin_kmeans_study.places import Places

# The local executor's report of a script that exited non-zero: says nothing once the job's log
# names the cause.
_EXIT_STATUS = re.compile(r"returned non-zero exit status \d+")
# Lines of a failed job's log shown when the log names no cause.
LOG_TAIL_LINES = 40


@dataclass
class Failures:
    """held: Snakemake's accounts of exceptions not yet matched to a job error; failed: the
    failed jobs so far."""

    places: Places
    jobs: Jobs
    show_failed_logs: bool = True
    held: list[str] = field(default_factory=list)
    failed: list[Job] = field(default_factory=list)

    def error(self, record) -> list[str]:
        # Snakemake's account of an exception: held until the job error that usually follows
        # says whether the job's log explains it better (see job_error).
        self.held.append(record.getMessage())
        return []

    def job_error(self, record) -> list[str]:
        job = self.jobs.ended(record.jobid) or Job(record.rule_name, {}, [], record.created)
        logs = list(getattr(record, "log", None) or []) or job.logs
        self.failed.append(Job(job.rule, job.wildcards, logs, job.started))
        cause, tail = self.cause(logs)
        held, self.held = self.held, []
        lines = [message for message in held if not (cause and _EXIT_STATUS.search(message))]
        lines.append(f"FAILED {job.label} (job {record.jobid}): {cause or 'see the log below'}")
        if getattr(record, "rule_msg", None):
            lines.append(f"    message: {record.rule_msg}")
        if logs:
            lines.append(f"    log: {', '.join(self.places.shown(p) for p in logs)}")
        return lines + [f"    | {line}" for line in tail]

    def cause(self, logs: list[str]) -> tuple[str | None, list[str]]:
        """The one-line cause a job's logs name, or None and (if failed logs are shown) their last
        lines."""
        tail = []
        for path in logs:
            try:
                text = Path(self.places.workdir, path).read_text(errors="replace")
            except OSError:
                continue
            cause = error_line(text)
            if cause:
                return cause, []
            tail += text.splitlines()[-LOG_TAIL_LINES:]
        return None, tail if self.show_failed_logs else []

    def group_error(self, record) -> list[str]:
        # The group's jobs follow as job errors of their own; this names the group's own log.
        logs = ", ".join(self.places.shown(p) for p in getattr(record, "aux_logs", None) or [])
        message = getattr(record, "msg", None) or ""
        return [f"FAILED group {record.groupid}: {message}".rstrip(": ") + (f"; log: {logs}" if logs else "")]

    def closing(self) -> list[str]:
        """Exceptions no job error explained, then the failed jobs again with their logs."""
        lines = list(self.held)
        if self.failed:
            lines.append(f"{len(self.failed)} failed job(s):")
            lines += [f"  {job.label}: log {', '.join(map(self.places.shown, job.logs))}" for job in self.failed]
        return lines
