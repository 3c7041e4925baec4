"""Plots drawn from result tables only."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator, NullFormatter  # noqa: E402


def elbow_figure(best: pd.DataFrame, elbow: dict, title: str):
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


def confusion_figure(confusion: pd.DataFrame, k: int, title: str):
    """Heatmap of the label x cluster counts of one k, clusters ordered by their majority label."""
    import numpy as np

    block = confusion[confusion["k"] == k]
    counts = block[[f"cluster_{j}" for j in range(k)]].to_numpy(dtype=float)
    order = np.lexsort((-counts.max(axis=0), counts.argmax(axis=0)))
    counts = counts[:, order]
    # Wide k (a large-k study) keeps a readable page: the figure stops growing, ticks thin out.
    fig, ax = plt.subplots(figsize=(min(18, max(4.5, 0.55 * k + 2.5)), min(12, max(3.5, 0.45 * len(block) + 1.5))))
    image = ax.imshow(counts, cmap="Blues", aspect="auto")
    if k <= 40:
        ax.set_xticks(range(k), [str(j) for j in order])
    if len(block) <= 40:
        ax.set_yticks(range(len(block)), [str(v) for v in block["label"]])
    ax.set_xlabel("cluster id (ordered by majority label)")
    ax.set_ylabel("true label")
    threshold = counts.max() / 2
    if counts.size <= 400:
        for (i, j), value in np.ndenumerate(counts):
            ax.text(j, i, f"{int(value)}", ha="center", va="center", fontsize=7, color="white" if value > threshold else "black")
    fig.colorbar(image, ax=ax, label="points")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def timing_figure(timing: pd.DataFrame, title: str):
    """Median fit time per init against k for each backend (min-max band), log scale."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for i, (backend, rows) in enumerate(timing.groupby("backend", sort=True)):
        color = f"C{i}"
        axes[0].plot(rows["k"], rows["fit_wall_s_median"], "o-", color=color, label=backend)
        axes[0].fill_between(rows["k"], rows["fit_wall_s_min"], rows["fit_wall_s_max"], color=color, alpha=0.15)
        axes[1].plot(rows["k"], rows["s_per_iter_median"] * 1e3, "o-", color=color, label=backend)
    axes[0].set_ylabel("fit wall time per init (s), median and min-max")
    axes[1].set_ylabel("time per iteration (ms), median over inits")
    for ax in axes:
        ax.set_yscale("log")
        ax.set_xlabel("k (number of clusters)")
        ks = sorted(timing["k"].unique())
        if len(ks) <= 25:
            ax.set_xticks(ks)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def agreement_figure(by_k: pd.DataFrame, title: str):
    """Per pair of backends: ARI and matched agreement against k (medians over inits), and the
    naive unmatched agreement for contrast. Pairs get their own marker and size, so pairs with
    equal values stay visible on top of each other."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.8), sharey=True)
    pairs = list(by_k.groupby(["backend_a", "backend_b"], sort=False))
    markers = "osD^vP"
    for i, ((a, b), rows) in enumerate(pairs):
        style = {"color": f"C{i}", "marker": markers[i % len(markers)], "markersize": 9 - 2 * (i % 3), "alpha": 0.85}
        axes[0].plot(rows["k"], rows["ari_median"], "-", label=f"{b} vs {a}", **style)
        axes[1].plot(rows["k"], rows["matched_agreement_median"], "-", label=f"{b} vs {a}: matched ids", **style)
        axes[1].plot(rows["k"], rows["naive_agreement_unmatched_median"], ":", color=style["color"], alpha=0.6,
                     label=f"{b} vs {a}: mean(a==b), unmatched (meaningless)")
    axes[0].set_ylabel("adjusted Rand index (median over inits)")
    axes[1].set_ylabel("fraction of points in the same cluster")
    for ax in axes:
        ax.set_xlabel("k (number of clusters)")
        ks = sorted(by_k["k"].unique())
        if len(ks) <= 25:
            ax.set_xticks(ks)
        ax.set_ylim(-0.05, 1.05)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=1 if ax is axes[1] else 2)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def pareto_figure(table: pd.DataFrame, ks: list[int], title: str):
    """Per k: median fit time (log) vs median inertia gap to the reference (symmetric log, so
    gaps of 0.001% and 100% both show), one point per backend coloured by family, the Pareto
    frontier as a line with its points named, the recommended backend starred, the budget dashed."""
    import numpy as np

    fig, axes = plt.subplots(1, len(ks), figsize=(5.2 * len(ks), 5.0), squeeze=False)
    families = sorted({b.split("-")[0] for b in table["backend"]})
    colours = {family: f"C{i % 10}" for i, family in enumerate(families)}
    for ax, k in zip(axes[0], ks):
        block = table[table["k"] == k]
        gap_pct = 100 * block["inertia_gap_median"]
        for family in families:
            rows = block["backend"].str.split("-").str[0] == family
            ax.scatter(block.loc[rows, "fit_wall_s_median"], gap_pct[rows], color=colours[family], label=family,
                       zorder=3, alpha=0.85)
        frontier = block[block["on_frontier"]].sort_values("fit_wall_s_median")
        ax.step(frontier["fit_wall_s_median"], 100 * frontier["inertia_gap_median"], where="post", color="0.4",
                linewidth=1, label="Pareto frontier", zorder=2)
        best = block[block["recommended"]]
        ax.scatter(best["fit_wall_s_median"], 100 * best["inertia_gap_median"], marker="*", s=300,
                   facecolor="none", edgecolor="k", label="recommended", zorder=4)
        budget = 100 * float(block["inertia_budget"].iloc[0])
        ax.axhline(budget, color="C3", linestyle="--", linewidth=1, label=f"budget {budget:g}%")
        ax.axhline(0, color="0.6", linewidth=0.8)
        for _, row in block[block["on_frontier"] | block["recommended"]].iterrows():
            ax.annotate(row["backend"], (row["fit_wall_s_median"], 100 * row["inertia_gap_median"]), fontsize=6,
                        xytext=(4, 4), textcoords="offset points", rotation=20)
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())
        finite = np.abs(gap_pct[np.isfinite(gap_pct)])
        small = max(1e-3, float(np.percentile(finite[finite > 0], 10)) if (finite > 0).any() else 1e-3)
        ax.set_yscale("symlog", linthresh=min(small, budget / 10))
        ax.set_xlabel("fit wall time per init, median (s, log scale)")
        ax.set_ylabel(f"inertia gap to {block['reference'].iloc[0]} (%, median over inits, symlog)")
        ax.set_title(f"k = {k}")
        ax.grid(alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 6), fontsize=8)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def quantization_figure(original, images: dict, table: pd.DataFrame, title: str):
    """The original image and its quantized versions, with PSNR and colours in each title."""
    panels = [("original", original)] + [
        (f"k={k}: {row.psnr_db:.1f} dB PSNR, {row.n_colours} colours", images[k])
        for k, row in zip(table["k"], table.itertuples())
    ]
    columns = min(3, len(panels))
    rows = -(-len(panels) // columns)
    height, width = original.shape[:2]
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, rows * (4.2 * height / width + 0.5) + 0.5), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, (label, image) in zip(axes.ravel(), panels):
        ax.imshow(image)
        ax.set_title(label, fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
