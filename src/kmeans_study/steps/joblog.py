"""The format of a job's log file (results/logs/...), written by ``steps.runner.run`` and read back by the
terminal view (``console``) to show why a job failed and how far a running job has got. Imports
nothing heavy: the terminal view loads it in every Snakemake process."""

from __future__ import annotations

import re

from kmeans_study.runtime import PROGRESS_MARK

LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"
# What runner.run logs as a step starts and as it ends well.
START, DONE = "start %s", "done %s in %.2f s (cpu %.2f s), peak resident memory %.0f MB"
# A line written by logging.error() under LOG_FORMAT (asctime's default format).
_ERROR_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ERROR (.+)$", re.MULTILINE)
# The runner's start and done lines (the group 1 says which).
_START_OR_DONE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO (start|done) \S+", re.MULTILINE)
# The runner's done line, its figures: the step, wall and CPU seconds, peak resident MB (as DONE writes them).
_DONE_FIGURES = re.compile(r"INFO done (\w+) in ([\d.]+) s \(cpu ([\d.]+) s\), peak resident memory (\d+) MB")
# A line written by runtime.Progress.
_PROGRESS_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO " + re.escape(PROGRESS_MARK) + r"(.+)$",
                            re.MULTILINE)


def error_line(log_text: str) -> str | None:
    """The last error a job logged (its one-line cause), or None when it logged none."""
    found = _ERROR_LINE.findall(log_text)
    return found[-1].strip() if found else None


def last_progress(log_text: str) -> str | None:
    """The last progress a running job logged (``runtime.Progress``), or None."""
    found = _PROGRESS_LINE.findall(log_text)
    return found[-1].strip() if found else None


def done_figures(log_text: str) -> list[tuple[str, float, float, int]]:
    """Every run of the log's job that ended well: (step, wall s, CPU s, peak resident MB)."""
    return [(step, float(wall), float(cpu), int(peak)) for step, wall, cpu, peak in _DONE_FIGURES.findall(log_text)]


def finished(log_text: str) -> bool:
    """Whether the step a log was last started for ended well (a log gathers the runs of its job)."""
    found = _START_OR_DONE.findall(log_text)
    return bool(found) and found[-1] == "done"
