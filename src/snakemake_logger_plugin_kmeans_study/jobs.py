"""The jobs Snakemake announced (``job_info`` records), by id, and those still running."""

from __future__ import annotations

from dataclasses import dataclass, field

from snakemake_logger_plugin_kmeans_study.memory import mem_mb


@dataclass
class Job:
    """rule, wildcards and logs as Snakemake announced them; started: when (seconds since the
    epoch); mem_mb: the memory its resources ask for, where known."""

    rule: str
    wildcards: dict
    logs: list[str]
    started: float
    mem_mb: int | None = None

    @property
    def label(self) -> str:
        return " ".join([self.rule] + [f"{k}={v}" for k, v in self.wildcards.items()])


@dataclass
class Jobs:
    """known: every announced job by id; running: those not finished or failed yet (a dry run
    runs none)."""

    dryrun: bool = False
    known: dict[int, Job] = field(default_factory=dict)
    running: dict[int, Job] = field(default_factory=dict)

    def announced(self, record) -> None:
        job = Job(
            rule=record.rule_name,
            wildcards=dict(getattr(record, "wildcards", None) or {}),
            logs=list(getattr(record, "log", None) or []),
            started=record.created,
            mem_mb=mem_mb(getattr(record, "resources", None) or {}),
        )
        self.known[record.jobid] = job
        if not self.dryrun:
            self.running[record.jobid] = job

    def ended(self, jobid: int) -> Job | None:
        """The job of ``jobid``, no longer running; None when it was never announced."""
        return self.running.pop(jobid, None) or self.known.get(jobid)

    def wildcard_values(self) -> dict[str, dict[str, set]]:
        """Per rule, per wildcard, the values its announced jobs take."""
        values: dict[str, dict[str, set]] = {}
        for job in self.known.values():
            for name, value in job.wildcards.items():
                values.setdefault(job.rule, {}).setdefault(name, set()).add(value)
        return values
