"""Elbow of the inertia curve: the reference notebook's two-line method and kneedle.

Two-line method (the reference notebook's, exactly): with the N points (k, inertia) sorted by k,
for every cut t = 2 .. N-2 fit a least-squares straight line to the left part (the first t
points) and one to the right part (the other N - t), score each part by the R^2 of its own line,
and take the mean of the two. The cut with the highest mean wins (the first one on a tie), and
the elbow is the first k of the right-hand part, k[t]: the point where the two lines meet.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def line(x, y) -> tuple[float, float]:
    """(slope, intercept) of the least-squares straight line through (x, y), in float64."""
    slope, intercept = np.polyfit(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64), 1)
    return float(slope), float(intercept)


def cut_lines(ks, inertias, t: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """The two lines of cut t: (slope, intercept) fitted to the first t points by k and to the
    rest, the lines whose R^2 the two-line method scores."""
    order = np.argsort(ks)
    ks, y = np.asarray(ks)[order], np.asarray(inertias, dtype=np.float64)[order]
    return line(ks[:t], y[:t]), line(ks[t:], y[t:])


def line_r2(x: np.ndarray, y: np.ndarray) -> float:
    """R^2 of the least-squares line through (x, y); 1.0 for constant y, which a line fits exactly."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    slope, intercept = line(x, y)
    ss_res = float(((y - (slope * x + intercept)) ** 2).sum())
    ss_tot = float(((y - y.mean()) ** 2).sum())
    if ss_tot == 0:
        return 1.0
    return 1.0 - ss_res / ss_tot


def two_line_scores(ks, inertias) -> pd.DataFrame:
    """Scores of every cut: columns t, k_split (= k[t]), r2_left, r2_right, mean_r2."""
    order = np.argsort(ks)
    ks = np.asarray(ks)[order]
    y = np.asarray(inertias, dtype=np.float64)[order]
    rows = []
    for t in range(2, len(ks) - 1):
        left, right = line_r2(ks[:t], y[:t]), line_r2(ks[t:], y[t:])
        rows.append({"t": t, "k_split": int(ks[t]), "r2_left": left, "r2_right": right, "mean_r2": (left + right) / 2})
    return pd.DataFrame(rows, columns=["t", "k_split", "r2_left", "r2_right", "mean_r2"])


def two_line_elbow(ks, inertias) -> int | None:
    """The elbow k by the two-line method, or None with fewer than 4 points."""
    scores = two_line_scores(ks, inertias)
    if scores.empty:
        return None
    return int(scores["k_split"].iloc[int(np.argmax(scores["mean_r2"].to_numpy()))])


def kneedle_elbow(ks, inertias, sensitivity: float = 1.0) -> int | None:
    """kneed's KneeLocator on a decreasing convex curve; None when it finds no knee."""
    from kneed import KneeLocator

    if len(ks) < 3:
        return None
    order = np.argsort(ks)
    locator = KneeLocator(
        np.asarray(ks)[order], np.asarray(inertias)[order], S=sensitivity, curve="convex", direction="decreasing"
    )
    return None if locator.knee is None else int(locator.knee)


def elbow_summary(ks, inertias) -> dict:
    return {
        "k": [int(k) for k in ks],
        "inertia": [float(v) for v in inertias],
        "two_line": {
            "k": two_line_elbow(ks, inertias),
            "method": "reference notebook: max over cuts t=2..N-2 of mean R^2 of two straight lines; elbow = k[t]",
        },
        "kneedle": {
            "k": kneedle_elbow(ks, inertias), "method": "kneed.KneeLocator(curve=convex, direction=decreasing, S=1)"
        },
    }


def shown_k(elbow: dict) -> tuple[int, bool]:
    """The k at which the reports show a backend's clusters (the summary's tables, the heatmap
    ``confusion_elbow.png``): its two-line elbow, or, with fewer than 4 k values and so no elbow,
    the middle one of its k values. ``elbow`` is an elbow.json; returns (k, whether it is the
    elbow)."""
    if elbow["two_line"]["k"] is not None:
        return int(elbow["two_line"]["k"]), True
    ks = sorted(elbow["k"])
    return int(ks[len(ks) // 2]), False
