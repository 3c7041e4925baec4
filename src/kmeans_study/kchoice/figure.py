"""The k-choice figure: every criterion against k with its pick, the two-line elbow with its two
lines, the gap with its error bars, stability, and the elbow's picks over the resamples."""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import NullLocator  # noqa: E402

from kmeans_study.aggregate.elbow import cut_lines, log_k, two_line_scores  # noqa: E402
from kmeans_study.kchoice.verdict import CRITERIA  # noqa: E402

PICK = {"color": "C3", "linestyle": "--", "linewidth": 1.2}
WIDTH_IN = 16  # 1920 px at the default 120 dpi: a page width
TITLE_CHARS = 46  # a panel title wider than a quarter of the page would run into its neighbour's


def _title(ax, text: str) -> None:
    ax.set_title("\n".join(textwrap.wrap(text, TITLE_CHARS)), fontsize=9)


def _pick_title(name: str, choice: dict, extra: str = "") -> str:
    k = choice["criteria"].get(name)
    edge = " (edge: no evidence)" if choice["at_edge"].get(name) else ""
    return f"{CRITERIA[name][0]}{extra}: pick {'none' if k is None else k}{edge}"


def _mark(ax, ks, values, k) -> None:
    """The pick: a dashed vertical line and a star on the curve."""
    if k is None:
        return
    ax.axvline(k, **PICK)
    at = np.flatnonzero(np.asarray(ks) == k)
    if at.size:
        ax.plot([k], [np.asarray(values)[at[0]]], "*", color="C3", markersize=13, zorder=5)


def _elbow_panel(ax, ks, inertia, choice) -> None:
    """Inertia of the best init with the two-line elbow's two fitted lines and both elbow picks."""
    ax.plot(ks, inertia, "o-", color="C0", label="inertia (best init)")
    scores = two_line_scores(ks, inertia)
    if not scores.empty:
        t = int(scores["t"].to_numpy()[np.argmax(scores["mean_r2"].to_numpy())])
        for part, color, (slope, intercept) in zip((slice(None, t), slice(t, None)), ("C1", "C2"),
                                                   cut_lines(ks, inertia, t)):
            ends = np.asarray(ks)[part][[0, -1]]
            x = np.linspace(*ends, 64)  # a line in k, bent on a log k axis
            ax.plot(x, slope * x + intercept, "-", color=color, linewidth=2, alpha=0.7,
                    label=f"line through k={ends[0]}..{ends[1]}")
    _mark(ax, ks, inertia, choice["criteria"].get("two_line"))
    knee = choice["criteria"].get("kneedle")
    if knee is not None:
        # An open diamond around the point: still visible where kneedle and the two-line elbow agree.
        at = np.flatnonzero(np.asarray(ks) == knee)
        ax.plot([knee], [np.asarray(inertia)[at[0]]], "D", markersize=16, markerfacecolor="none",
                markeredgecolor="C4", markeredgewidth=1.5, linestyle="none", zorder=6, label=f"kneedle pick {knee}")
    _title(ax, f"{_pick_title('two_line', choice)}, kneedle {'none' if knee is None else knee}")
    ax.set_ylabel("inertia")
    ax.legend(fontsize=7, loc="upper right")


def _cuts_panel(ax, ks, inertia, choice) -> None:
    """Mean R² of every cut: how much the winning cut beats the others."""
    scores = two_line_scores(ks, inertia)
    if scores.empty:  # too few k values for two lines of at least two points each
        ax.set_xlim(min(ks) / 1.2, max(ks) * 1.2)
        ax.text(0.5, 0.5, f"no cut to score:\n{len(ks)} k values are too few for two lines", ha="center",
                va="center", transform=ax.transAxes, fontsize=9)
    ax.plot(scores["k_split"], scores["mean_r2"], "o-", color="C0")
    _mark(ax, scores["k_split"].to_numpy(), scores["mean_r2"].to_numpy(), choice["criteria"].get("two_line"))
    margin = choice["margins"].get("two_line")
    _title(ax, f"two-line: mean R² per cut, margin {margin:.2g}" if margin is not None else "two-line")
    ax.set_ylabel("mean R² of the two lines")


def _resample_panel(ax, ks, choice) -> None:
    """Share of the resamples of the inits in which each elbow method picks each k."""
    resampled = choice["resamples"][choice["backend"]]
    # two bars side by side at every k, each 0.4 of the narrowest gap wide, in k or on a log axis in log k
    x = np.log2(ks) if log_k(ks) else np.asarray(ks, dtype=np.float64)
    to_k = np.exp2 if log_k(ks) else np.asarray
    width = 0.4 * (np.diff(x).min() if len(x) > 1 else 1.0)
    for offset, (name, color) in zip((-width, 0.0), (("two_line", "C3"), ("kneedle", "C4"))):
        shares = [resampled[name].get(str(k), 0.0) for k in ks]
        left = to_k(x + offset)
        ax.bar(left, shares, to_k(x + offset + width) - left, align="edge", color=color, label=CRITERIA[name][0])
    none = resampled["kneedle"].get("none", 0.0)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share of resamples")
    _title(
        ax,
        f"elbow picks over {resampled['resamples']} resamples (best of {resampled['subset_size']} of "
        f"{resampled['n_inits']} inits)" + (f"; kneedle none {100 * none:.0f}%" if none else ""),
    )
    ax.legend(fontsize=7, loc="upper right")


def _gap_panel(ax, choice) -> None:
    gap = choice["gap"]
    if gap is None:
        ax.text(0.5, 0.5, "no gap statistic\n(k_choice.gap.references: 0,\nor no exact backend)", ha="center",
                va="center", transform=ax.transAxes)
        _title(ax, "gap: not computed")
        return
    table = pd.DataFrame(gap["table"])
    ax.errorbar(table["k"], table["gap"], yerr=table["s"], fmt="o-", color="C0", capsize=3, label="Gap(k) +- s_k")
    _mark(ax, table["k"].to_numpy(), table["gap"].to_numpy(), choice["criteria"].get("gap"))
    ax.set_ylabel("Gap(k)")
    _title(ax, _pick_title("gap", choice, f" (B={gap['references']}, {gap['backend']})"))


def _criterion_panel(ax, criteria, column, name, choice, extra="") -> None:
    ax.plot(criteria["k"], criteria[column], "o-", color="C0")
    _mark(ax, criteria["k"].to_numpy(), criteria[column].to_numpy(), choice["criteria"].get(name))
    _title(ax, _pick_title(name, choice, extra))


def _stability_panel(ax, criteria, choice) -> None:
    """Agreement of the best inits (ARI), and subsample stability when it was computed."""
    ax.plot(criteria["k"], criteria["ari_top_median"], "o-", color="C0", label="best inits: median ARI")
    ax.plot(criteria["k"], criteria["ari_top_min"], "v:", color="C0", label="best inits: min ARI")
    if choice["subsample_stability"]:
        pairs = pd.DataFrame(choice["subsample_stability"])
        median = pairs.groupby("k")["ari"].median()
        ax.plot(median.index, median.to_numpy(), "s-", color="C2", label="subsamples: median ARI")
    ax.set_ylim(-0.05, 1.05)
    ax.set_ylabel("adjusted Rand index")
    _title(ax, "stability (evidence, not a vote)")
    ax.legend(fontsize=7, loc="lower left")


def k_choice_figure(choice: dict, criteria: pd.DataFrame):
    """Two rows of four panels, 16 inches wide. choice : k_choice.json; criteria : criteria.csv of
    the verdict's backend. The title is the verdict sentence."""
    criteria = criteria.sort_values("k")
    ks, inertia = criteria["k"].to_numpy(), criteria["inertia"].to_numpy(dtype=np.float64)
    fig, axes = plt.subplots(2, 4, figsize=(WIDTH_IN, 8))
    (elbow, cuts, resample, gap), (silhouette, ch, db, stability) = axes
    _elbow_panel(elbow, ks, inertia, choice)
    _cuts_panel(cuts, ks, inertia, choice)
    _resample_panel(resample, ks, choice)
    _gap_panel(gap, choice)
    sample = int(criteria["silhouette_sample_size"].iloc[0])
    _criterion_panel(silhouette, criteria, "silhouette", "silhouette", choice, f" (sample of {sample})")
    _criterion_panel(ch, criteria, "calinski_harabasz", "calinski_harabasz", choice)
    _criterion_panel(db, criteria, "davies_bouldin", "davies_bouldin", choice)
    _stability_panel(stability, criteria, choice)
    ch.ticklabel_format(axis="y", style="sci", scilimits=(-3, 4))
    ticks = ks if len(ks) <= 16 else ks[:: int(np.ceil(len(ks) / 16))]
    for ax in axes.flat:
        ax.set_xlabel("k")
        if log_k(ks):  # a geometric k range: k on a base-2 log axis, labelled with the k values
            ax.set_xscale("log", base=2)
            ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xticks(ticks, [str(k) for k in ticks])
        ax.grid(True, alpha=0.3)
    fig.suptitle(
        "\n".join(textwrap.wrap(choice["sentence"], 150))
        + f"\ncriteria of the {choice['backend']} fits (the reference backend); a pick at the edge of the range is "
        "no evidence",
        fontsize=11,
    )
    fig.tight_layout()
    return fig
