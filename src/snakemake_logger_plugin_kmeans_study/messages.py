"""Snakemake's plain messages (records with no event): its chatter dropped, its closing lines
shortened, a dry run's reasons wrapped, and the Snakefile's last line held until the end."""

from __future__ import annotations

import logging
import textwrap
from dataclasses import dataclass, field

from snakemake_logger_plugin_kmeans_study.cluster import Cluster
from snakemake_logger_plugin_kmeans_study.places import Places
from snakemake_logger_plugin_kmeans_study.text import WIDTH

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


@dataclass
class Messages:
    """complete_log: where Snakemake said its complete log is; last_lines: the held last lines;
    cluster: what notes the cluster executors' messages."""

    places: Places
    cluster: Cluster = field(default_factory=Cluster)
    complete_log: str | None = None
    last_lines: list[str] = field(default_factory=list)

    def lines(self, record: logging.LogRecord) -> list[str]:
        message = record.getMessage() if record.msg is not None else ""
        if getattr(record, LAST_LINE, False):
            self.last_lines.append(message)
            return []
        if not message or message.startswith(QUIET_MESSAGES) or self.cluster.message(message):
            return []
        if message.startswith(COMPLETE_LOG):
            self.complete_log = message[len(COMPLETE_LOG) :]
            return []
        if message.startswith(ELAPSED):
            elapsed = message[len(ELAPSED) :].split(".")[0]
            where = f"; Snakemake's complete log: {self.places.shown(self.complete_log)}" if self.complete_log else ""
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
