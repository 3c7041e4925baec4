"""Figures, each drawn from result files only."""

from __future__ import annotations

from kmeans_study import io


def elbow_plot(*, dataset: str, backend: str, best: str, elbow: str, scores: str, plot: str, dpi: int) -> None:
    from kmeans_study.aggregate.plots import elbow_figure

    fig = elbow_figure(io.read_csv(best), io.read_json(elbow), io.read_csv(scores),
                       f"{dataset}: how many clusters, {backend} fits")
    io.save_figure(plot, fig, dpi)


def confusion_plot(
    *, dataset: str, backend: str, which: str, confusion: str, elbow: str, plot: str, dpi: int
) -> None:
    from kmeans_study.aggregate.elbow import ELBOW, shown_k
    from kmeans_study.aggregate.plots import confusion_figure

    table = io.read_csv(confusion)
    if which == "elbow":
        # The summary's rule for its tables, on this backend's own elbow; the table has a row per label.
        k, why = shown_k(io.read_json(elbow), n_classes=table["label"].nunique())
        label = why if why == ELBOW else f"no two-line elbow with fewer than 4 k values: {why}"
    else:
        k, label = int(which.removeprefix("k")), "a requested k"
    title = f"{dataset}, {backend}: labels vs clusters at k={k} ({label}), best init"
    fig = confusion_figure(table, k, title)
    io.save_figure(plot, fig, dpi)


def timing_plot(*, dataset: str, timing: str, plot: str, dpi: int) -> None:
    from kmeans_study.aggregate.plots import timing_figure

    io.save_figure(plot, timing_figure(io.read_csv(timing), f"{dataset}: which backend is fastest"), dpi)


def agreement_plot(*, dataset: str, agreement: str, plot: str, dpi: int) -> None:
    from kmeans_study.aggregate.plots import agreement_figure

    fig = agreement_figure(io.read_csv(agreement), f"{dataset}: do the backends agree? (same start)")
    io.save_figure(plot, fig, dpi)


def pareto_plot(*, dataset: str, pareto: str, plot: str, dpi: int) -> None:
    from kmeans_study.aggregate.pareto import pareto_ks
    from kmeans_study.aggregate.plots import pareto_figure

    frame = io.read_csv(pareto)
    fig = pareto_figure(frame, pareto_ks(frame["k"]), f"{dataset}: fit time against inertia gap, one point per backend")
    io.save_figure(plot, fig, dpi)


def k_choice_plot(*, choice: str, criteria: str, plot: str, dpi: int) -> None:
    import pandas as pd

    from kmeans_study.kchoice.figure import k_choice_figure

    io.save_figure(plot, k_choice_figure(io.read_json(choice), pd.read_csv(criteria)), dpi)

