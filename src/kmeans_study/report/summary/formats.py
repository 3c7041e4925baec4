"""How the summary writes numbers and tables, and the thresholds below which its prose calls two
results the same."""

from __future__ import annotations

import math

import pandas as pd

SAME_PARTITION_ARI = 0.999  # two fits this close (ARI, every init) end in the same partition
NO_LOSS_GAP = 1e-6  # an inertia gap (fraction) this small is no loss in quality
FLOAT_NOISE = 1e-9  # an inertia gap (fraction) this small is float rounding in the sums, shown as ≈0
SHORT = "†"  # marks a time or speedup of fits too short to time the algorithm
SHARED = "‡"  # marks a per-k job's fit time shared out to its inits


def missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def gap(fraction) -> str:
    """An inertia gap (a fraction) in percent, with the digits that keep small gaps apart."""
    if missing(fraction):
        return "n/a"
    percent = 100 * fraction
    if abs(fraction) < FLOAT_NOISE:
        return "0%" if fraction == 0 else "≈0%"
    if abs(percent) >= 0.01:
        return f"{percent:+.2f}%"
    return f"{percent:+.1e}%"


def ratio(value) -> str:
    return "n/a" if missing(value) else f"{value:.1f}x" if value >= 10 else f"{value:.2f}x"


def _near_one(value: float, decimals: int) -> str:
    """``value`` with ``decimals`` decimals, or more where that would round a value below one up
    to one: 0.99996 is no perfect agreement."""
    if value == 1:
        return "1"
    while decimals < 8 and round(value, decimals) >= 1:
        decimals += 1
    return f"{value:.{decimals}f}"


def share(value) -> str:
    """A fraction in [0, 1] as a percentage: 0.725 -> '72.50%', 0.99996 -> '99.996%' (a share
    below one never shows as 100%)."""
    if missing(value):
        return "n/a"
    if value == 1:
        return "100%"
    decimals = len(_near_one(value, 4).split(".")[1]) - 2
    return f"{100 * value:.{decimals}f}%"


def score(value) -> str:
    """An ARI, NMI or other score up to one."""
    return "n/a" if missing(value) else _near_one(value, 3)


def time_unit(seconds: pd.Series) -> tuple[str, float]:
    """Milliseconds when every value is under a second, else seconds."""
    return ("ms", 1e3) if seconds.max() < 1 else ("s", 1.0)


def time(seconds, unit: tuple[str, float]) -> str:
    """Three significant digits, never in exponent notation."""
    if missing(seconds):
        return "n/a"
    value = seconds * unit[1]
    return f"{value:.0f}" if value >= 100 else f"{value:.3g}"


EMPTY = {"none", "n/a", ""}


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table of already formatted cells; a column with no value in any row is left
    out and named below the table instead."""
    empty = [i for i in range(len(header)) if rows and all(str(row[i]) in EMPTY for row in rows)]
    keep = [i for i in range(len(header)) if i not in empty]
    lines = ["| " + " | ".join(header[i] for i in keep) + " |", "|" + "---|" * len(keep)]
    lines += ["| " + " | ".join(str(row[i]) for i in keep) + " |" for row in rows]
    if empty:
        lines += ["", "No value for any row: " + ", ".join(header[i] for i in empty) + "."]
    return lines
