"""Plots drawn from result tables only."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402


def elbow_figure(best: "pd.DataFrame", elbow: dict, title: str):
    """Best-init inertia vs k with the two picks marked; fit time per k on a second axis."""
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.plot(best["k"], best["inertia_best"], "o-", color="C0", label="inertia (best init)")
    ax.set_xlabel("k (number of clusters)")
    ax.set_ylabel("inertia (sum of squared distances)", color="C0")
    if len(best) <= 25:
        ax.set_xticks(best["k"])
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    styles = {"two_line": ("C3", "--", "two-line elbow"), "kneedle": ("C2", ":", "kneedle elbow")}
    for key, (color, style, label) in styles.items():
        if elbow[key]["k"] is not None:
            ax.axvline(elbow[key]["k"], color=color, linestyle=style, label=f"{label}: k={elbow[key]['k']}")
    time_ax = ax.twinx()
    time_ax.plot(best["k"], best["fit_wall_s_median"], "s-", color="C1", alpha=0.7, label="fit time (median over inits)")
    time_ax.fill_between(best["k"], best["fit_wall_s_min"], best["fit_wall_s_max"], color="C1", alpha=0.15, label="fit time min-max")
    time_ax.set_ylabel("fit wall time per init (s)", color="C1")
    time_ax.set_ylim(bottom=0)
    handles = ax.get_legend_handles_labels()
    time_handles = time_ax.get_legend_handles_labels()
    ax.legend(handles[0] + time_handles[0], handles[1] + time_handles[1], fontsize=8, loc="upper right")
    ax.set_title(title)
    fig.tight_layout()
    return fig
