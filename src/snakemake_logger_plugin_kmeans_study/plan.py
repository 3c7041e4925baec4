"""The plan of a run (``run_info`` records): how many jobs of each rule will run, on how many
cores, with which config; for a dry run, per rule the jobs and the wildcard values they cover."""

from __future__ import annotations

from dataclasses import dataclass, field

from snakemake_logger_plugin_kmeans_study.jobs import Jobs
from snakemake_logger_plugin_kmeans_study.text import packed, value_range


@dataclass
class Plan:
    """cores, nodes (cluster jobs at once) and configfiles: as Snakemake reported them before the
    plan; planned: a dry run's jobs per rule once known, until printed."""

    jobs: Jobs
    cores: int | None = None
    nodes: int | None = None
    configfiles: list[str] = field(default_factory=list)
    planned: dict[str, int] | None = None

    def to_run(self, total: int, stats: dict[str, int]) -> list[str]:
        """A run's plan: the job count, then the jobs per rule."""
        config = f", config {', '.join(self.configfiles)}" if self.configfiles else ""
        cores = f" on {self.cores} cores" if self.cores else ""
        cores += f", up to {self.nodes} cluster jobs at once" if self.nodes else ""
        return [f"{total} jobs to run{cores}{config}"] + packed(
            [f"{rule} {n}" for rule, n in stats.items()], first="  per rule: ", rest="    "
        )

    def dry_run(self, stats: dict[str, int]) -> list[str]:
        """A dry run's plan, printed at its second report (after the jobs were listed, so their
        wildcards are known) or on close when Snakemake stops after the first (--quiet)."""
        first = self.planned is None
        self.planned = stats
        return [] if first else self.lines()

    def unprinted(self) -> list[str]:
        """The dry run's plan if Snakemake stopped before it was printed."""
        return self.lines() if self.planned else []

    def lines(self) -> list[str]:
        """The dry run's plan: per rule, how many jobs and over which wildcard values."""
        planned, self.planned = self.planned or {}, {}
        values = self.jobs.wildcard_values()
        width = max((len(rule) for rule in planned), default=0)
        count_width = max((len(str(n)) for n in planned.values()), default=0)
        lines = [f"{sum(planned.values())} jobs would run:"]
        for rule, n in planned.items():
            over = "  ".join(f"{name}: {value_range(v)}" for name, v in values.get(rule, {}).items())
            lines.append(f"  {rule:<{width}}  {n:>{count_width}}  {over}".rstrip())
        return lines
