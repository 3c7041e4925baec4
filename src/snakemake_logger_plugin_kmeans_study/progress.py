"""Progress: one line per finished job with the count done, the time so far and what still runs;
after a silence of HEARTBEAT_S, the jobs still running, longest first."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from snakemake_logger_plugin_kmeans_study.jobs import Job, Jobs
from snakemake_logger_plugin_kmeans_study.text import clock, duration

# Seconds without output after which the running jobs are listed again.
HEARTBEAT_S = 30.0
MAX_LISTED = 3


@dataclass
class Progress:
    """start: when the run started (seconds since the epoch); last_output: when a line was last
    printed; finished: jobs finished since the last ``progress`` record, with their end."""

    start: float
    jobs: Jobs
    done: int = 0
    total: int = 0
    last_output: float = 0.0
    finished: list[tuple[Job, float]] = field(default_factory=list)

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
        self.finished.append((job, record.created))
        return []

    def progressed(self, record) -> list[str]:
        self.done, self.total = record.done, record.total
        finished, self.finished = self.finished, []
        return [
            f"{self.count(record.created)} {job.label}: {duration(end - job.started)}{self.running_summary()}"
            for job, end in finished
        ]

    def heartbeat(self, now: float) -> list[str]:
        """The jobs still running, longest first, once nothing was printed for HEARTBEAT_S."""
        if not self.jobs.running or now - self.last_output < HEARTBEAT_S:
            return []
        self.last_output = now
        jobs = sorted(self.jobs.running.values(), key=lambda job: job.started)
        listed = ", ".join(f"{job.label} ({duration(now - job.started)})" for job in jobs[:MAX_LISTED])
        more = f" and {len(jobs) - MAX_LISTED} more" if len(jobs) > MAX_LISTED else ""
        return [f"{self.count(now)} running: {listed}{more}"]
