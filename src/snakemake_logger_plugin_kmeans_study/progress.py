"""Progress: one line per finished job (or group job on a cluster) with the count done, the time
so far and what still runs; after a silence of HEARTBEAT_S, the jobs still running, longest
first, each with the progress its log last reported (``kmeans_study.runtime.Progress``) where it
has one."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from kmeans_study.steps.joblog import finished, last_progress
from snakemake_logger_plugin_kmeans_study.cluster import Cluster
from snakemake_logger_plugin_kmeans_study.jobs import Job, Jobs
from snakemake_logger_plugin_kmeans_study.places import Places
from snakemake_logger_plugin_kmeans_study.text import clock, duration

# Seconds without output after which the running jobs are listed again.
HEARTBEAT_S = 30.0
MAX_LISTED = 3
# A running job's log is read from its end, where its last progress line is: a long job's log
# grows by a line every few seconds at most, so this holds the last one many times over.
LOG_TAIL_BYTES = 8192


def log_tail(places: Places, job: Job) -> str | None:
    """The end of a job's first log that can be read (None before the job wrote one)."""
    for log in job.logs:
        try:
            with open(Path(places.workdir, log), "rb") as file:
                file.seek(0, 2)
                file.seek(max(0, file.tell() - LOG_TAIL_BYTES))
                return file.read().decode(errors="replace")
        except OSError:
            continue
    return None


def logged_progress(places: Places, job: Job) -> str | None:
    """The progress a running job's log last reported, or None (no log yet, or no progress line)."""
    return last_progress(log_tail(places, job) or "")


def group_progress(places: Places, jobs: list[Job]) -> str | None:
    """How far the jobs of a group job running on a cluster have got, from their logs: how many
    are done, and the progress one of those still running reported (None before either)."""
    tails = [log_tail(places, job) for job in jobs]
    done = sum(finished(tail) for tail in tails if tail)
    running = [(job, last_progress(tail)) for job, tail in zip(jobs, tails) if tail and not finished(tail)]
    reported = next(((job, progress) for job, progress in running if progress), None)
    if not done and not reported:
        return None
    return f"{done} of {len(jobs)} done" + (f"; {reported[0].label}: {reported[1]}" if reported else "")


@dataclass
class Progress:
    """start: when the run started (seconds since the epoch); last_output: when a line was last
    printed; finished: jobs finished since the last ``progress`` record, by id, with their end."""

    start: float
    jobs: Jobs
    places: Places = field(default_factory=Places)
    cluster: Cluster = field(default_factory=Cluster)
    done: int = 0
    total: int = 0
    last_output: float = 0.0
    finished: list[tuple[int, Job, float]] = field(default_factory=list)

    def __post_init__(self):
        self.last_output = self.start

    def count(self, now: float) -> str:
        width = len(str(self.total))
        percent = 100 * self.done // self.total if self.total else 0
        return f"[{self.done:>{width}}/{self.total} {percent:>3}% {clock(now - self.start)}]"

    def running_summary(self) -> str:
        if not self.jobs.running:
            return ""
        counts = Counter(job.rule for job in self.jobs.running.values())
        return "; running: " + ", ".join(f"{rule} x{n}" if n > 1 else rule for rule, n in counts.items())

    def job_finished(self, record) -> list[str]:
        # Printed at the progress record that follows, which carries the new count.
        job = self.jobs.ended(record.job_id) or Job(f"job {record.job_id}", {}, [], record.created)
        self.finished.append((record.job_id, job, record.created))
        return []

    def progressed(self, record) -> list[str]:
        """The jobs finished since the last count, one line each; the jobs of a group job on a
        cluster, which end together, on one line."""
        self.done, self.total = record.done, record.total
        finished, self.finished = self.finished, []
        done, groups = [], {}
        for jobid, job, end in finished:
            submission = self.cluster.where(jobid)
            if submission and submission.group:
                groups.setdefault(submission.external, [submission, job.started, end, 0])[3] += 1
            else:
                done.append((job.label, end - job.started))
        done += [(f"group {submission.group} ({n} jobs, {submission})", end - started)
                 for submission, started, end, n in groups.values()]
        return [f"{self.count(record.created)} {what}: {duration(took)}{self.running_summary()}" for what, took in done]

    def heartbeat(self, now: float) -> list[str]:
        """The jobs still running, longest first, once nothing was printed for HEARTBEAT_S: on one
        line (a single job with its progress), or one line each where one of several reported its
        progress. The jobs of a group job on a cluster are one entry: they run inside one
        scheduler job."""
        if not self.jobs.running or now - self.last_output < HEARTBEAT_S:
            return []
        self.last_output = now
        entries = self.entries(now)
        listed, more = entries[:MAX_LISTED], len(entries) - MAX_LISTED
        if len(entries) == 1 and listed[0][1]:
            return [f"{self.count(now)} running: {listed[0][0]}: {listed[0][1]}"]
        if not any(progress for _, progress in listed):
            return [f"{self.count(now)} running: {', '.join(entry for entry, _ in listed)}"
                    + (f" and {more} more" if more > 0 else "")]
        lines = [f"    {entry}: {progress}" if progress else f"    {entry}" for entry, progress in listed]
        return [f"{self.count(now)} running:"] + lines + ([f"    and {more} more"] if more > 0 else [])

    def entries(self, now: float) -> list[tuple[str, str | None]]:
        """The running jobs, longest first, as (what and for how long, its last progress)."""
        submissions = {jobid: self.cluster.where(jobid) for jobid in self.jobs.running}
        entries, seen = [], set()
        for jobid, job in sorted(self.jobs.running.items(), key=lambda item: item[1].started):
            submission, since = submissions[jobid], duration(now - job.started)
            if submission and submission.group:
                if submission.external not in seen:
                    seen.add(submission.external)
                    members = [self.jobs.running[i] for i, s in submissions.items() if s is submission]
                    entries.append((f"group {submission.group} ({len(members)} jobs, {submission}, {since})",
                                    group_progress(self.places, members)))
                continue
            where = f"{submission}, " if submission else ""
            entries.append((f"{job.label} ({where}{since})", logged_progress(self.places, job)))
        return entries
