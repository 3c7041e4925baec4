"""Failed jobs: each with its one-line cause (the one its log names, or a kill for lack of memory;
else the log's last lines), where it ran on a cluster (the scheduler's job and state), and its
logs as it fails; a failed group job once for all its jobs; all of them again at the end."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kmeans_study.steps.joblog import error_line
from snakemake_logger_plugin_kmeans_study.cluster import Cluster, remote_failure
from snakemake_logger_plugin_kmeans_study.jobs import Job, Jobs
from snakemake_logger_plugin_kmeans_study.memory import KILLED, Memory, memory_cause
from snakemake_logger_plugin_kmeans_study.places import Places

# The local executor's report of a script that exited non-zero: says nothing once the job's log
# names the cause.
_EXIT_STATUS = re.compile(r"returned non-zero exit status \d+")
# Snakemake's note that it submits a failed job again (``retries``).
_RESTART = re.compile(r"^Trying to restart job (\d+)\.$")
# Lines of a failed job's log shown when the log names no cause.
LOG_TAIL_LINES = 40


@dataclass
class Failed:
    job: Job
    logs: list[str]
    attempts: int = 1


@dataclass
class Failures:
    """held: Snakemake's accounts of exceptions not yet matched to a job error; failed: the
    failed jobs so far, by job id; reported: jobs whose failed group already spoke for them
    (whether their log named a cause); groups: the failed groups' closing lines; memory: what
    tells a kill for lack of memory; cluster: the scheduler's job of each job."""

    places: Places
    jobs: Jobs
    memory: Memory
    cluster: Cluster
    show_failed_logs: bool = True
    held: list[str] = field(default_factory=list)
    failed: dict[int, Failed] = field(default_factory=dict)
    reported: dict[int, bool] = field(default_factory=dict)
    groups: list[str] = field(default_factory=list)

    def error(self, record) -> list[str]:
        # Snakemake's account of an exception: held until the job error that usually follows
        # says whether the job's log explains it better (see job_error).
        self.held.append(record.getMessage())
        return []

    def restart(self, message: str) -> list[str] | None:
        """The line for Snakemake's note that it retries a failed job; None for other messages."""
        found = _RESTART.match(message)
        if not found:
            return None
        failed = self.failed.get(int(found.group(1)))
        return [f"retrying {failed.job.label if failed else 'job'} (job {found.group(1)})"]

    def job_error(self, record) -> list[str]:
        job = self.jobs.ended(record.jobid) or Job(record.rule_name, {}, [], record.created)
        logs = list(getattr(record, "log", None) or []) or job.logs
        previous = self.failed.get(record.jobid)
        attempt = previous.attempts + 1 if previous else 1
        held, self.held = self.held, []
        if record.jobid in self.reported:
            # Said by its group's failure: listed at the end only if its log named a cause.
            if self.reported.pop(record.jobid):
                self.failed[record.jobid] = Failed(job, logs, attempt)
            return []
        self.failed[record.jobid] = Failed(job, logs, attempt)
        external = (getattr(record, "aux", None) or {}).get("external_jobid")
        submission = self.cluster.where(record.jobid)
        remote = bool(external or submission)
        state, message = remote_failure(getattr(record, "rule_msg", None))
        cause, tail = self.cause(logs)
        killed = None if cause else memory_cause(
            self.memory, rule=job.rule, mem=job.mem_mb, others=len(self.jobs.running), remote=remote,
            reports=[*held, getattr(record, "rule_msg", None) or "", *(self.tails(logs) if remote else [])],
        )
        # Snakemake's own account says nothing more once the log or the kill named the cause.
        said = (_EXIT_STATUS, KILLED) if killed else (_EXIT_STATUS,) if cause else ()
        lines = [text for text in held if not any(pattern.search(text) for pattern in said)]
        external = external or (submission and submission.external)
        scheduler = remote and f"{submission.scheduler if submission else 'cluster'} job {external}"
        where = [f"job {record.jobid}", attempt > 1 and f"attempt {attempt}", scheduler, state and f"state {state}"]
        lines.append(f"FAILED {job.label} ({', '.join(filter(None, where))}): {cause or killed or 'see the log below'}")
        if message:
            lines.append(f"    message: {message}")
        if logs:
            lines.append(f"    log: {', '.join(self.places.shown(p) for p in logs)}")
        return lines + [f"    | {line}" for line in ([] if killed else tail)]

    def group_error(self, record) -> list[str]:
        """A failed group job: its scheduler job and log, then those of its jobs whose logs name a
        cause; the others (not run, or stopped with the group) are counted. Their job errors,
        which follow, print nothing more."""
        logs = list(getattr(record, "aux_logs", None) or [])
        external = getattr(record, "external_jobid", None)
        members = list(getattr(record, "job_error_info", None) or [])
        lines, quiet = [], 0
        for member in members:
            job = self.jobs.known.get(member["jobid"]) or Job(member["rule_name"], {}, [], record.created)
            cause, _ = self.cause(list(member.get("log") or []))
            self.reported[member["jobid"]] = cause is not None
            if cause:
                lines.append(f"    {job.label} (job {member['jobid']}): {cause}")
                lines.append(f"        log: {', '.join(map(self.places.shown, member.get('log') or []))}")
            else:
                quiet += 1
        killed = memory_cause(self.memory, rule=None, mem=None, reports=self.tails(logs), others=0, remote=True)
        what = killed or (f"{len(members) - quiet} of its {len(members)} jobs failed" if quiet < len(members)
                          else f"none of its {len(members)} jobs named a cause")
        submission = next(filter(None, (self.cluster.where(member["jobid"]) for member in members)), None)
        where = f" ({submission.scheduler if submission else 'cluster'} job {external})" if external else ""
        shown = ", ".join(map(self.places.shown, logs))
        head = [f"FAILED group {record.groupid}{where}: {what}"] + ([f"    log: {shown}"] if logs else [])
        if quiet:
            lines.append(f"    {quiet} other job(s) of the group did not finish")
            self.groups.append(f"  group {record.groupid}{where}: {quiet} job(s) did not finish" +
                               (f"; log {shown}" if logs else ""))
        return head + lines

    def cause(self, logs: list[str]) -> tuple[str | None, list[str]]:
        """The one-line cause a job's logs name, or None and (if failed logs are shown) their last
        lines."""
        tail = []
        for path in logs:
            text = self.read(path)
            if text is None:
                continue
            cause = error_line(text)
            if cause:
                return cause, []
            tail += text.splitlines()[-LOG_TAIL_LINES:]
        return None, tail if self.show_failed_logs else []

    def tails(self, logs: list[str]) -> list[str]:
        """The last lines of logs (a scheduler's, which may say why it killed a job)."""
        return ["\n".join((self.read(path) or "").splitlines()[-LOG_TAIL_LINES:]) for path in logs]

    def read(self, path: str) -> str | None:
        try:
            return Path(self.places.workdir, path).read_text(errors="replace")
        except OSError:
            return None

    def closing(self) -> list[str]:
        """Exceptions no job error explained, then the failed jobs again with their logs."""
        lines = list(self.held)
        if self.failed or self.groups:
            lines.append(f"{len(self.failed)} failed job(s):" if self.failed else "failed:")
            lines += [
                f"  {failed.job.label}{f' ({failed.attempts} attempts)' if failed.attempts > 1 else ''}: "
                f"log {', '.join(map(self.places.shown, failed.logs))}"
                for failed in self.failed.values()
            ] + self.groups
        return lines
