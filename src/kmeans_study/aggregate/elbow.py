"""Elbow of the inertia curve: the reference notebook's two-line method and kneedle.

Two-line method (the reference notebook's, exactly): with the N points (k, inertia) sorted by k,
for every cut t = 2 .. N-2 fit a least-squares straight line to the left part (the first t
points) and one to the right part (the other N - t), score each part by the R^2 of its own line,
and take the mean of the two. The cut with the highest mean wins (the first one on a tie), and
the elbow is the first k of the right-hand part, k[t]: the point where the two lines meet.

Which x. The two-line method fits its lines against k, always: its model is two straight lines
in k (merging K equal, equidistant clusters into k < K groups costs inertia in proportion to
K - k). Kneedle works on k for an arithmetic range and on log k for a geometric one (``log_k``:
the k values spaced more evenly in log k than in k, as ``values: [16, 32, 64, 128]``): it
normalises x by its span, so against k the small k of a geometric grid crowd near x = 0 and the
difference curve peaks late, while in log k a geometric grid is evenly spaced, as an arithmetic
one is in k. Measured on the k-means curves of 48 synthetic studies with a known number of
clusters K on geometric grids (``benchmarks/elbow_axis.py``, docs/choosing_k.md): kneedle finds K
in 46 on log k against 39 on k; the two-line method in 24 on k against 16 on log k (it misses
mostly by one grid step, 2K, on either x). The inertia stays as it is. An arithmetic range is
computed exactly as before.

Both methods take many curves at once (``two_line_picks``, ``kneedle_picks``): the k-choice
report re-picks the elbow on a thousand resampled curves per backend, which one call per curve
(a DataFrame of scores, or kneed's ``KneeLocator``) would make take a minute instead of a second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Why the reports show the k they show (``shown_k``), as phrases.
ELBOW = "the two-line elbow"
CLASSES = "the number of label classes"
MIDDLE = "the middle k of the study"


def log_k(ks) -> bool:
    """Whether the range ``ks`` is geometric, so that kneedle takes log k rather than k and the
    plots draw k on a log axis: where the distinct k values are spaced more evenly in log k than
    in k, by the ratio of the widest gap between consecutive values to the narrowest (1 for an
    even spacing). A geometric range is even in log k; an arithmetic one, even in k, is not
    geometric, and neither is a range of fewer than 3 values, which has one gap."""
    ks = np.unique(np.asarray(ks, dtype=np.float64))
    if len(ks) < 3:
        return False

    def unevenness(x: np.ndarray) -> float:
        gaps = np.diff(x)
        return float(gaps.max() / gaps.min())

    return unevenness(np.log(ks)) < unevenness(ks)


def kneedle_x(ks) -> np.ndarray:
    """The x kneedle takes for the k values ``ks`` (float64): log k on a geometric range
    (``log_k``), else k."""
    ks = np.asarray(ks, dtype=np.float64)
    return np.log(ks) if log_k(ks) else ks


def line(x, y) -> tuple[float, float]:
    """(slope, intercept) of the least-squares straight line through (x, y), in float64."""
    slope, intercept = np.polyfit(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64), 1)
    return float(slope), float(intercept)


def cut_lines(ks, inertias, t: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """The two lines of cut t: (slope, intercept) fitted to the first t points by k and to the
    rest, the lines whose R^2 the two-line method scores (inertia = slope * k + intercept)."""
    order = np.argsort(ks)
    ks, y = np.asarray(ks)[order], np.asarray(inertias, dtype=np.float64)[order]
    return line(ks[:t], y[:t]), line(ks[t:], y[t:])


def _r2(x: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """R^2 of the least-squares line through (x, y) for every row y of Y (R, m), float64; 1.0 for
    a constant row, which a line fits exactly. For a line with intercept R^2 = Sxy^2 / (Sxx Syy)."""
    xc = np.asarray(x, dtype=np.float64) - np.mean(x)
    Yc = Y - Y.mean(axis=1, keepdims=True)
    sxx, syy, sxy = xc @ xc, np.einsum("ij,ij->i", Yc, Yc), Yc @ xc
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(syy == 0, 1.0, sxy**2 / (sxx * syy))


def line_r2(x, y) -> float:
    """R^2 of the least-squares line through (x, y); 1.0 for constant y, which a line fits exactly."""
    return float(_r2(np.asarray(x), np.asarray(y, dtype=np.float64)[None, :])[0])


def _sorted(ks, curves) -> tuple[np.ndarray, np.ndarray]:
    """ks sorted ascending and the columns of curves (R, N) in the same order, float64."""
    order = np.argsort(ks)
    return np.asarray(ks)[order], np.atleast_2d(np.asarray(curves, dtype=np.float64))[:, order]


def cut_r2(ks, curves) -> tuple[np.ndarray, np.ndarray]:
    """R^2 of the left and the right line at every cut t = 2..N-2 of every curve.

    ks : (N,) k values; curves : (R, N) inertias over ks (any order of ks). Returns (r2_left,
    r2_right), each (R, N - 3) float64, column j for the cut t = j + 2 of the k values sorted."""
    ks, Y = _sorted(ks, curves)
    cuts = range(2, len(ks) - 1)
    left = np.stack([_r2(ks[:t], Y[:, :t]) for t in cuts], axis=1) if len(ks) >= 4 else np.empty((len(Y), 0))
    right = np.stack([_r2(ks[t:], Y[:, t:]) for t in cuts], axis=1) if len(ks) >= 4 else np.empty((len(Y), 0))
    return left, right


def two_line_scores(ks, inertias) -> pd.DataFrame:
    """Scores of every cut: columns t, k_split (= k[t]), r2_left, r2_right, mean_r2."""
    left, right = cut_r2(ks, inertias)
    sorted_ks = np.sort(np.asarray(ks))
    ts = np.arange(2, len(sorted_ks) - 1)
    return pd.DataFrame(
        {
            "t": ts,
            "k_split": sorted_ks[ts].astype(int),
            "r2_left": left[0],
            "r2_right": right[0],
            "mean_r2": (left[0] + right[0]) / 2,
        },
        columns=["t", "k_split", "r2_left", "r2_right", "mean_r2"],
    )


def two_line_picks(ks, curves) -> np.ndarray:
    """The two-line elbow of every curve: (R,) int k values (curves : (R, N) inertias over ks);
    empty with fewer than 4 k values."""
    left, right = cut_r2(ks, curves)
    if left.shape[1] == 0:
        return np.empty(0, dtype=int)
    return np.sort(np.asarray(ks))[2 + np.argmax((left + right) / 2, axis=1)].astype(int)


def two_line_elbow(ks, inertias) -> int | None:
    """The elbow k by the two-line method, or None with fewer than 4 points."""
    picks = two_line_picks(ks, inertias)
    return int(picks[0]) if picks.size else None


def _kneedle(x: np.ndarray, y: np.ndarray, sensitivity: float) -> int | None:
    """Kneedle (Satopaa et al. 2011) on one decreasing convex curve, x sorted ascending: the index
    of the x that ``kneed.KneeLocator(x, y, S=sensitivity, curve="convex",
    direction="decreasing")`` returns (offline, no smoothing), step for step (tested equal on
    random curves)."""
    span_x, span_y = x.max() - x.min(), y.max() - y.min()
    if span_x == 0 or span_y == 0:
        return None
    x_norm = (x - x.min()) / span_x
    y_norm = (y - y.min()) / span_y
    diff = (y_norm.max() - y_norm) - x_norm  # the difference curve of the flipped (knee-shaped) curve
    before, after = np.r_[diff[0], diff[:-1]], np.r_[diff[1:], diff[-1]]
    is_max = (diff >= before) & (diff >= after)
    is_min = (diff <= before) & (diff <= after)
    maxima = np.flatnonzero(is_max)
    if not maxima.size:
        return None
    drop = sensitivity * abs(np.diff(x_norm).mean())
    threshold, at, active = 0.0, int(maxima[0]), True
    for i in range(int(maxima[0]), len(diff) - 1):
        if is_max[i]:
            threshold, at, active = diff[i] - drop, i, True
        if is_min[i]:
            threshold, active = 0.0, False
        if active and diff[i + 1] < threshold:
            return at
    return None


def kneedle_picks(ks, curves, sensitivity: float = 1.0) -> list[int | None]:
    """Kneedle's elbow of every curve (curves : (R, N) inertias over ks) on ``kneedle_x``: log k
    on a geometric range; None where it finds no knee, and for all with fewer than 3 k values."""
    ks, Y = _sorted(ks, curves)
    if len(ks) < 3:
        return [None] * len(Y)
    x = kneedle_x(ks)
    return [None if at is None else int(ks[at]) for at in (_kneedle(x, y, sensitivity) for y in Y)]


def kneedle_elbow(ks, inertias, sensitivity: float = 1.0) -> int | None:
    """Kneedle on a decreasing convex curve; None when it finds no knee."""
    return kneedle_picks(ks, inertias, sensitivity)[0]


def elbow_summary(ks, inertias) -> dict:
    """elbow.json's content: the curve and both methods' picks, each with its method in words
    (kneedle's says ``on log k`` where the range is geometric)."""
    on_log_k = " on log k (a geometric k range)" if log_k(ks) else ""
    return {
        "k": [int(k) for k in ks],
        "inertia": [float(v) for v in inertias],
        "two_line": {
            "k": two_line_elbow(ks, inertias),
            "method": "reference notebook: max over cuts t=2..N-2 of mean R^2 of two straight lines; elbow = k[t]",
        },
        "kneedle": {
            "k": kneedle_elbow(ks, inertias),
            "method": "kneedle as kneed.KneeLocator(curve=convex, direction=decreasing, S=1) computes it" + on_log_k,
        },
    }


def shown_k(elbow: dict, n_classes: int = 0) -> tuple[int, str]:
    """The k at which the reports show a backend's clusters, and why (ELBOW, CLASSES or MIDDLE):
    its two-line elbow; without one (fewer than 4 k values), the number of label classes when the
    study ran that k, else the middle one of its k values.

    elbow : an elbow.json; n_classes : the data's label classes (0 without labels). The summary's
    tables follow the reference backend's (where no verdict picked a k), the heatmap
    ``confusion_elbow.png`` each backend's own.
    """
    if elbow["two_line"]["k"] is not None:
        return int(elbow["two_line"]["k"]), ELBOW
    ks = sorted(int(k) for k in elbow["k"])
    if n_classes in ks:
        return n_classes, CLASSES
    return ks[len(ks) // 2], MIDDLE
