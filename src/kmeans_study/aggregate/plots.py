"""Plots drawn from result tables only.

Every figure fits a page width (PAGE_WIDTH_IN: 1920 pixels at the default 120 dpi), keeps its
legend off the data (below the panels) and lays itself out with constrained layout, so titles,
labels and legends do not overlap (tests/figures.py checks each figure as it renders).
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import EngFormatter, FuncFormatter, MaxNLocator, NullLocator  # noqa: E402

from kmeans_study.aggregate.elbow import cut_lines, log_k  # noqa: E402
from kmeans_study.aggregate.reports import FIXED_COST_RULE  # noqa: E402

PAGE_WIDTH_IN = 16.0
MARKERS = "osD^vP*Xh<>p"
MOST_K_TICKS = 16  # more k values than this get an integer locator instead of one tick each


def _figure(ncols: int, width: float, height: float, **kwargs):
    return plt.subplots(1, ncols, figsize=(min(width, PAGE_WIDTH_IN), height), layout="constrained", squeeze=False,
                        **kwargs)


def _style(i: int, n: int) -> dict:
    """Colour and marker of series i of n: ten colours, then twenty, markers cycling past them."""
    cmap = plt.get_cmap("tab10" if n <= 10 else "tab20")
    return {"color": cmap(i % cmap.N), "marker": MARKERS[(i // cmap.N + i) % len(MARKERS)]}


def _k_axis(ax, ks, study_ks=None) -> None:
    """An x axis of k values: base-2 log where the study's k range (``study_ks``, default ``ks``)
    is geometric (``log_k``: the rule kneedle follows), a tick at every k up to MOST_K_TICKS of
    them (on a log axis, every few k beyond), labelled with the k values."""
    ks = sorted({int(k) for k in ks})
    geometric = log_k(ks if study_ks is None else study_ks)
    if geometric:
        ax.set_xscale("log", base=2)
    ax.xaxis.set_minor_locator(NullLocator())
    if len(ks) <= MOST_K_TICKS or geometric:
        shown = ks[:: math.ceil(len(ks) / MOST_K_TICKS)]
        ax.set_xticks(shown, [str(k) for k in shown])
    else:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=10, integer=True))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xlabel("k (number of clusters)")


def _line_points(start: float, end: float, slope: float, intercept: float) -> tuple[np.ndarray, np.ndarray]:
    """A straight line in k from ``start`` to ``end``, in enough points to show it bent on a log
    k axis."""
    x = np.linspace(start, end, 64)
    return x, slope * x + intercept


def _meeting(order: np.ndarray, t: int, left: tuple[float, float], right: tuple[float, float]) -> float:
    """Where the two lines of cut t meet, held between the last k of the left part and the first
    of the right: each line is drawn up to there, so neither runs a whole grid step beyond."""
    (a1, b1), (a2, b2) = left, right
    meet = (b2 - b1) / (a1 - a2) if a1 != a2 else order[t]
    return float(np.clip(meet, order[t - 1], order[t]))


def _legend_below(fig, handles, labels, most_columns: int = 4, **kwargs):
    """One legend under all panels, off the data, in as many columns (up to ``most_columns``) as
    the figure's width holds. Entries fill the columns top to bottom; a column is as wide as its
    longest label (an 8-point character about 0.065 inch) plus its handle and gap (0.6 inch)."""
    def width(ncol):
        rows = math.ceil(len(labels) / ncol)
        return sum(0.065 * max(map(len, labels[c * rows:(c + 1) * rows]), default=0) + 0.6 for c in range(ncol))

    ncol = next((n for n in range(min(most_columns, len(labels)), 1, -1)
                 if width(n) <= 0.95 * fig.get_size_inches()[0]), 1)
    fig.legend(handles, labels, loc="outside lower center", ncol=ncol, fontsize=8, frameon=False, **kwargs)


def _seconds(value: float, _=None) -> str:
    if value >= 1:
        return f"{value:g} s"
    return f"{value * 1e3:g} ms"


def _log_time_axis(ax, values, axis: str = "x") -> None:
    """A log time axis (values in seconds) spanning the data with labelled ticks: decades first,
    then 2 and 5, then the other mantissas, each only where it lies at least a sixth of the axis
    (in log) from the ticks already taken (and off the ends of an x axis), so labels such as
    "700 ms" and "800 ms" never crowd together or into a neighbouring panel's; no minor labels."""
    values = np.asarray([v for v in values if v > 0 and np.isfinite(v)], dtype=float)
    lo, hi = values.min() / 1.25, values.max() * 1.25
    if hi / lo < 4:  # widen a narrow range around its middle so that ticks fall inside
        middle = math.sqrt(lo * hi)
        lo, hi = middle / 2, middle * 2
    decades = range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
    apart = math.log10(hi / lo) / 6
    # on an x axis, off the ends, where the label of the panel beside it sits
    margin = (hi / lo) ** 0.04 if axis == "x" else 1.0
    inside = (lo * margin, hi / margin)
    ticks: list[float] = []
    for mantissas in ((1,), (2, 5), (1.5, 3, 4, 6, 7, 8, 9)):
        for tick in (m * 10.0**e for e in decades for m in mantissas):
            if inside[0] <= tick <= inside[1] and all(abs(math.log10(tick / t)) >= apart for t in ticks):
                ticks.append(tick)
    ticks.sort()
    target = ax.xaxis if axis == "x" else ax.yaxis
    (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
    (ax.set_xlim if axis == "x" else ax.set_ylim)(lo, hi)
    target.set_major_locator(matplotlib.ticker.FixedLocator(ticks))
    target.set_major_formatter(FuncFormatter(_seconds))
    target.set_minor_locator(NullLocator())


# Elbow -----------------------------------------------------------------------------------------


def elbow_figure(best: pd.DataFrame, elbow: dict, scores: pd.DataFrame, title: str):
    """How many clusters, for one backend, in three panels.

    Left: the best init's inertia per k, the two straight lines of the winning cut of the two-line
    method, the two-line elbow (ring) and the kneedle elbow (square; both visible at the same k).
    Middle: the two-line score (mean R^2) of every cut, the winner marked. Right: the spread over
    inits from best_init.csv, the median and worst init's inertia above the best, in percent.

    best : best_init.csv; elbow : elbow.json; scores : elbow_scores.csv (empty below 4 k values).
    """
    fig, axes = _figure(3, 15, 4.8, width_ratios=[2, 1.1, 1.1])
    ax, cut_ax, spread_ax = axes[0]
    ks, inertia = best["k"].to_numpy(), best["inertia_best"].to_numpy(dtype=float)
    ax.plot(ks, inertia, "-", color="C0", marker="o", markersize=5, label="inertia of the best init", zorder=3)
    two_line, kneedle = elbow["two_line"]["k"], elbow["kneedle"]["k"]
    if two_line is not None:
        win = scores[scores["k_split"] == two_line].iloc[0]
        t = int(win["t"])
        (a1, b1), (a2, b2) = lines = cut_lines(ks, inertia, t)
        order = np.sort(ks)
        meet = _meeting(order, t, *lines)
        bent = ", a line in k" if log_k(ks) else ""
        ax.plot(*_line_points(order[0], meet, a1, b1), "--", color="C3", linewidth=1.3, gid="two-line-left",
                label=f"two-line fit left of the cut (R² {win['r2_left']:.3f}{bent})")
        ax.plot(*_line_points(meet, order[-1], a2, b2), ":", color="C3", linewidth=1.6, gid="two-line-right",
                label=f"two-line fit right of the cut (R² {win['r2_right']:.3f}{bent})")
        y = inertia[ks == two_line][0]
        ax.plot([two_line], [y], "o", markersize=15, markerfacecolor="none", markeredgecolor="C3", markeredgewidth=2,
                gid="elbow-two-line", label=f"two-line elbow: k = {two_line} (mean R² {win['mean_r2']:.3f})", zorder=4)
        cut_ax.plot(scores["k_split"], scores["mean_r2"], "o-", color="C3", markersize=4,
                    label="score of a cut: mean of its two R²")
        cut_ax.plot(scores["k_split"], scores["r2_left"], "--", color="0.55", linewidth=1, label="R² of its left line")
        cut_ax.plot(scores["k_split"], scores["r2_right"], ":", color="0.55", linewidth=1.2,
                    label="R² of its right line")
        cut_ax.plot([two_line], [win["mean_r2"]], "o", markersize=13, markerfacecolor="none", markeredgecolor="C3",
                    markeredgewidth=2)
        _k_axis(cut_ax, scores["k_split"], ks)
        cut_ax.set_xlabel("cut (first k of the right-hand line)")
        cut_ax.set_ylabel("R²")
    else:
        cut_ax.text(0.5, 0.5, "no two-line elbow:\nit needs 4 k values or more", ha="center", va="center",
                    transform=cut_ax.transAxes, fontsize=9)
        cut_ax.set_xticks([])
        cut_ax.set_yticks([])
    cut_ax.set_title("two-line score per cut", fontsize=10)
    if kneedle is not None:
        ax.plot([kneedle], [inertia[ks == kneedle][0]], "s", markersize=21, markerfacecolor="none",
                markeredgecolor="C2", markeredgewidth=1.8, gid="elbow-kneedle", label=f"kneedle elbow: k = {kneedle}",
                zorder=4)
    _k_axis(ax, ks)
    ax.yaxis.set_major_formatter(EngFormatter(sep=" "))
    ax.set_ylabel("inertia (sum of squared distances)")
    ax.set_title("inertia of the best init per k", fontsize=10)
    ax.grid(alpha=0.3)

    n_inits = int(best["n_inits"].max())
    if n_inits > 1:
        for column, style, label in (("inertia_median", "o-", "spread: the median init"),
                                     ("inertia_max", "^--", "spread: the worst init")):
            spread_ax.plot(ks, 100 * (best[column] / best["inertia_best"] - 1), style, markersize=4, label=label,
                           color="C4" if column == "inertia_max" else "C1")
        spread_ax.set_ylim(bottom=0)
        spread_ax.set_ylabel("inertia above the best init (%)")
        spread_ax.grid(alpha=0.3)
        _k_axis(spread_ax, ks)
    else:
        spread_ax.text(0.5, 0.5, "one init per k:\nno spread to show", ha="center", va="center",
                       transform=spread_ax.transAxes, fontsize=9)
        spread_ax.set_xticks([])
        spread_ax.set_yticks([])
    spread_ax.set_title(f"spread over the {n_inits} inits" if n_inits > 1 else "spread over inits", fontsize=10)
    handles, labels = [], []
    for panel in (ax, cut_ax, spread_ax):
        more = panel.get_legend_handles_labels()
        handles += more[0]
        labels += more[1]
    _legend_below(fig, handles, labels, most_columns=4, markerscale=0.6)
    fig.suptitle(title)
    return fig


# Confusion -------------------------------------------------------------------------------------


def confusion_figure(confusion: pd.DataFrame, k: int, title: str):
    """Heatmap of the label x cluster counts of one k, clusters ordered by their majority label."""
    block = confusion[confusion["k"] == k]
    counts = block[[f"cluster_{j}" for j in range(k)]].to_numpy(dtype=float)
    order = np.lexsort((-counts.max(axis=0), counts.argmax(axis=0)))
    counts = counts[:, order]
    # Wide k (a large-k study) keeps a readable page: the figure stops growing, ticks thin out.
    width = min(PAGE_WIDTH_IN, max(5.5, 0.55 * k + 2.5))
    fig, ax = plt.subplots(figsize=(width, min(12, max(3.5, 0.45 * len(block) + 1.5))), layout="constrained")
    image = ax.imshow(counts, cmap="Blues", aspect="auto", interpolation="nearest")
    if k <= 40:
        ax.set_xticks(range(k), [str(j) for j in order])
    if len(block) <= 40:
        ax.set_yticks(range(len(block)), [str(v) for v in block["label"]])
    ax.set_xlabel("cluster id (ordered by majority label)")
    ax.set_ylabel("true label")
    threshold = counts.max() / 2
    if counts.size <= 400:
        for (i, j), value in np.ndenumerate(counts):
            ax.text(j, i, f"{int(value)}", ha="center", va="center", fontsize=7,
                    color="white" if value > threshold else "black")
    fig.colorbar(image, ax=ax, label="points")
    ax.set_title(title, fontsize=10)
    return fig


# Timing ----------------------------------------------------------------------------------------


def timing_figure(timing: pd.DataFrame, title: str):
    """Which backend is fastest, per k, in three panels on log scales.

    Left: the fit call's time per fit (median, band min-max over inits); a per-k job's fits get
    their share of the job's fit time by iterations, drawn dashed and said in the legend. Middle:
    the jobs' wall time per fit (startup, imports and loading included): what the run costs.
    Right: time per iteration; hollow markers where fits are too short to time (FIXED_COST_RULE,
    ``fixed_cost_dominated``): a per-call cost, not an iteration's time.
    """
    fig, axes = _figure(3, 15.5, 5.4)
    fit_ax, job_ax, iter_ax = axes[0]
    backends = list(dict.fromkeys(timing["backend"]))
    handles, labels = [], []
    for i, backend in enumerate(backends):
        rows = timing[timing["backend"] == backend].sort_values("k")
        style = _style(i, len(backends))
        shared = bool(rows["fit_time_attributed"].all())
        line = "--" if shared else "-"
        (handle,) = fit_ax.plot(rows["k"], rows["fit_wall_s_median"], line, markersize=4, **style)
        fit_ax.fill_between(rows["k"], rows["fit_wall_s_min"], rows["fit_wall_s_max"], color=style["color"], alpha=0.12)
        job_ax.plot(rows["k"], rows["job_wall_s_per_fit"], line, markersize=4, **style)
        timed = rows[~rows["fixed_cost_dominated"]]
        short = rows[rows["fixed_cost_dominated"]]
        iter_ax.plot(timed["k"], timed["s_per_iter_median"], line, markersize=4, **style)
        iter_ax.plot(short["k"], short["s_per_iter_median"], linestyle="none", marker=style["marker"],
                     markersize=5, markerfacecolor="none", markeredgecolor=style["color"], gid=f"short:{backend}")
        handles.append(handle)
        labels.append(f"{backend}: fit time is its share of a {int(rows['fits_per_job'].max())}-fit job, by iterations"
                      if shared else backend)
    if timing["fixed_cost_dominated"].any():
        handles.append(Line2D([], [], linestyle="none", marker="o", markerfacecolor="none", markeredgecolor="0.3"))
        labels.append(f"hollow: too short to time ({FIXED_COST_RULE})")
    untimed = " (no fit long enough to time)" if timing["fixed_cost_dominated"].all() else ""
    panels = (
        (fit_ax, ["fit_wall_s_min", "fit_wall_s_max"], "fit call per fit", "fit call: median, band min-max over inits"),
        (job_ax, ["job_wall_s_per_fit"], "job wall time per fit", "whole jobs (start, imports, data) / fits per job"),
        (iter_ax, ["s_per_iter_median"], "time per iteration", "per iteration, median over inits" + untimed),
    )
    for ax, columns, ylabel, panel_title in panels:
        _log_time_axis(ax, timing[columns].to_numpy().ravel(), axis="y")
        ax.set_ylabel(f"{ylabel} (log scale)")
        ax.set_title(panel_title, fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
        _k_axis(ax, timing["k"])
    _legend_below(fig, handles, labels, most_columns=2 if len(labels) <= 6 else 4)
    fig.suptitle(title)
    return fig


# Agreement -------------------------------------------------------------------------------------


def agreement_figure(by_k: pd.DataFrame, title: str):
    """Per pair of backends and k: ARI and matched agreement, median over inits (marker) with a
    line down to the minimum. k values are categories and each pair has its own slot inside a k,
    so pairs with equal values stay visible side by side. The naive unmatched agreement is left
    out (with shared starts it repeats the matched one; agreement.csv has it)."""
    pairs = list(dict.fromkeys(zip(by_k["backend_a"], by_k["backend_b"])))
    ks = sorted(by_k["k"].unique())
    position = {k: i for i, k in enumerate(ks)}
    fig, axes = _figure(2, 15.5, 5.6)
    ari_ax, matched_ax = axes[0]
    step = 0.8 / len(pairs)
    handles, labels = [], []
    for i, (a, b) in enumerate(pairs):
        rows = by_k[(by_k["backend_a"] == a) & (by_k["backend_b"] == b)].sort_values("k")
        x = rows["k"].map(position).to_numpy() + (i - (len(pairs) - 1) / 2) * step
        style = _style(i, len(pairs))
        for ax, median, low, scale in ((ari_ax, "ari_median", "ari_min", 1), (matched_ax, "matched_agreement_median",
                                                                                "matched_agreement_min", 100)):
            ax.vlines(x, rows[low] * scale, rows[median] * scale, color=style["color"], linewidth=1)
            (handle,) = ax.plot(x, rows[median] * scale, linestyle="none", markersize=5, gid=f"pair:{b} vs {a}",
                                **style)
        handles.append(handle)
        labels.append(f"{b} vs {a}")
    ari_low = float(by_k["ari_min"].min())
    matched_low = 100 * float(by_k["matched_agreement_min"].min())
    ari_ax.set_ylim(max(-0.05, ari_low - 0.05 * (1.0 - ari_low) - 0.01), 1.0 + 0.03 * (1.0 - min(ari_low, 0.9)) + 0.005)
    matched_ax.set_ylim(max(0.0, matched_low - 5 * (1 - matched_low / 100) - 0.5),
                        100 + 3 * (1 - min(matched_low / 100, 0.9)) + 0.5)
    for ax, ylabel, panel_title in (
        (ari_ax, "adjusted Rand index", "ARI: median over inits, line to the minimum"),
        (matched_ax, "points in the same cluster (%)", "after matching cluster ids (Hungarian)"),
    ):
        ax.set_xticks(range(len(ks)), [str(k) for k in ks])
        for boundary in np.arange(len(ks) - 1) + 0.5:
            ax.axvline(boundary, color="0.85", linewidth=0.8)
        ax.set_xlim(-0.5, len(ks) - 0.5)
        ax.set_xlabel("k (number of clusters)")
        ax.set_ylabel(ylabel)
        ax.set_title(panel_title, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    _legend_below(fig, handles, labels)
    fig.suptitle(title)
    return fig


# Pareto ----------------------------------------------------------------------------------------


def _backend_styles(backends: list[str]) -> dict[str, dict]:
    """A colour per backend family (the name before the first '-') and a marker per grid point."""
    families = list(dict.fromkeys(b.split("-")[0] for b in backends))
    seen: dict[str, int] = {}
    styles = {}
    for backend in backends:
        family = backend.split("-")[0]
        index = seen.get(family, 0)
        seen[family] = index + 1
        styles[backend] = {"color": plt.get_cmap("tab10")(families.index(family) % 10),
                           "marker": MARKERS[index % len(MARKERS)]}
    return styles


def _gap_axis(axes, gaps_pct: np.ndarray, budget_pct: float) -> None:
    """A shared symmetric-log axis of inertia gaps in percent, spanning the data and the budget
    with a margin: linear within budget/100 of zero, so exact backends (gaps of 1e-8%) sit on
    zero and a gap of 0.01% is already a decade up."""
    linthresh = budget_pct / 100 if budget_pct > 0 else 1e-3
    lo = min(0.0, float(np.nanmin(gaps_pct)))
    hi = max(budget_pct, float(np.nanmax(gaps_pct)), 10 * linthresh)
    axes[0].set_yscale("symlog", linthresh=linthresh, linscale=0.5)
    transform = axes[0].yaxis.get_transform()
    low, high = transform.transform(np.array([lo if lo < 0 else -linthresh / 4, hi]))
    margin = 0.07 * (high - low)
    bottom, top = transform.inverted().transform(np.array([low - margin, high + margin]))
    axes[0].set_ylim(bottom, top)
    decades = [10.0**e for e in range(math.ceil(math.log10(linthresh)), math.floor(math.log10(top)) + 1)]
    negative = [-d for d in decades if -d >= bottom]
    # the budget gets its own label unless a decade's label sits within a factor 3 of it
    budget = [budget_pct] if budget_pct > 0 and all(abs(math.log10(budget_pct / d)) > 0.45 for d in decades) else []
    axes[0].yaxis.set_major_locator(matplotlib.ticker.FixedLocator(sorted(negative + [0.0] + decades + budget)))
    axes[0].yaxis.set_major_formatter(FuncFormatter(lambda v, _: "0" if v == 0 else f"{v:g}%"))
    axes[0].yaxis.set_minor_locator(NullLocator())


def pareto_figure(table: pd.DataFrame, ks: list[int], title: str):
    """Speed against quality, one panel per k in ``ks`` (a grid of up to four columns): median fit
    time per fit (log) against the median inertia gap to the reference (symmetric log, shared by
    the panels), one marker per backend or grid point (colour: family, marker: grid point), the
    Pareto frontier as a step line, the recommended backend ringed, the inertia budget dashed."""
    columns = min(4, len(ks))
    rows = math.ceil(len(ks) / columns)
    backends = sorted(set(table["backend"]))
    styles = _backend_styles(backends)
    legend_rows = math.ceil((len(backends) + 3) / 4)
    fig, axes = plt.subplots(rows, columns, figsize=(min(PAGE_WIDTH_IN, 3.9 * columns + 0.9),
                                                     3.2 * rows + 0.9 + 0.22 * legend_rows),
                             layout="constrained", squeeze=False, sharey=True)
    flat = axes.ravel()
    for ax in flat[len(ks):]:
        ax.remove()
    budget_pct = 100 * float(table["inertia_budget"].iloc[0])
    shown = table[table["k"].isin(ks)]
    _gap_axis(flat, 100 * shown["inertia_gap_median"].to_numpy(dtype=float), budget_pct)
    for ax, k in zip(flat, ks):
        block = table[table["k"] == k]
        for backend, row in block.set_index("backend").iterrows():
            ax.plot(row["fit_wall_s_median"], 100 * row["inertia_gap_median"], linestyle="none", markersize=6,
                    alpha=0.9, gid=f"point:{backend}", zorder=3, **styles[backend])
        frontier = block[block["on_frontier"]].sort_values("fit_wall_s_median")
        ax.step(frontier["fit_wall_s_median"], 100 * frontier["inertia_gap_median"], where="post", color="0.45",
                linewidth=1, zorder=2, gid="frontier")
        best = block[block["recommended"]]
        ax.plot(best["fit_wall_s_median"], 100 * best["inertia_gap_median"], "o", markersize=15,
                markerfacecolor="none", markeredgecolor="k", markeredgewidth=1.5, zorder=4, gid="recommended")
        ax.axhline(budget_pct, color="C3", linestyle="--", linewidth=1, gid="budget")
        ax.axhline(0, color="0.6", linewidth=0.8)
        _log_time_axis(ax, block["fit_wall_s_median"])
        ax.set_title(f"k = {k}", fontsize=10)
        ax.grid(alpha=0.3)
    for index, ax in enumerate(flat[: len(ks)]):
        if index + columns >= len(ks):  # nothing below it
            ax.set_xlabel("median fit time per fit (log scale)", fontsize=9)
    handles = [Line2D([], [], linestyle="none", markersize=6, **styles[b]) for b in backends]
    labels = list(backends)
    handles += [
        Line2D([], [], color="0.45", linewidth=1),
        Line2D([], [], marker="o", linestyle="none", markersize=11, markerfacecolor="none", markeredgecolor="k"),
        Line2D([], [], color="C3", linestyle="--", linewidth=1),
    ]
    labels += ["Pareto frontier", "recommended: fastest within the budget", f"inertia budget {budget_pct:g}%"]
    _legend_below(fig, handles, labels)
    fig.supylabel(f"inertia gap to {table['reference'].iloc[0]}, median over inits (%)", fontsize=10)
    fig.suptitle(title)
    return fig


# Worked examples -------------------------------------------------------------------------------


def quantization_figure(original, images: dict, table: pd.DataFrame, title: str):
    """The original image and its quantized versions, with PSNR and colours in each title."""
    panels = [("original", original)] + [
        (f"k={k}: {row.psnr_db:.1f} dB PSNR, {row.n_colours} colours", images[k])
        for k, row in zip(table["k"], table.itertuples())
    ]
    columns = min(3, len(panels))
    rows = -(-len(panels) // columns)
    height, width = original.shape[:2]
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, rows * (4.2 * height / width + 0.5) + 0.5),
                             squeeze=False, layout="constrained")
    for ax in axes.ravel():
        ax.axis("off")
    for ax, (label, image) in zip(axes.ravel(), panels):
        ax.imshow(image)
        ax.set_title(label, fontsize=9)
    fig.suptitle(title)
    return fig
