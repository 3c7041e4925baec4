"""How many clusters: the summary's answer (the verdict of the k-choice report, or without one every
backend's elbow picks), and the one k at which the summary's tables are shown."""

from __future__ import annotations

from kmeans_study.aggregate.elbow import ELBOW
from kmeans_study.aggregate.elbow import shown_k as elbow_shown_k
from kmeans_study.kchoice.verdict import summary_lines
from kmeans_study.report.summary import formats as fmt


def shown_k(inputs: dict) -> tuple[int, str]:
    """The one k at which the summary's tables are shown, and why, as a phrase.

    The verdict's k (``k_choice.json``) when it has one; else the reference backend's k by the
    reports' rule (``aggregate.elbow.shown_k``: its two-line elbow, else the number of label
    classes if fitted, else the middle k).
    """
    choice = inputs.get("k_choice")
    if choice is not None and choice.get("k") is not None:
        sure = "confident" if choice["confident"] else "not confident"
        return int(choice["k"]), f"the k of the verdict on how many clusters ({sure})"
    ref = inputs["reference"]
    k, why = elbow_shown_k(inputs["elbows"][ref], inputs["meta"].get("n_label_classes") or 0)
    if why == ELBOW:
        return k, f"{ELBOW} of the reference backend `{ref}`"
    return k, f"{why} (`{ref}` has no two-line elbow: it needs 4 k values or more)"


def how_many_clusters(inputs: dict) -> tuple[str, list[str]]:
    """The answer to "how many clusters" as one sentence, and the section behind it: the verdict
    of ``k_choice.json`` with every criterion's pick (``kchoice.verdict.summary_lines``), or,
    without a verdict, every backend's elbow picks (two-line, kneedle)."""
    choice = inputs.get("k_choice")
    if choice is not None:
        body = summary_lines(choice, inputs["k_choice_table"])
        answer = choice["sentence"].removeprefix(f"{choice['dataset']}: ")  # the section names the dataset
        return answer, ["### How many clusters", "", *body[2:], ""]
    ref, elbows = inputs["reference"], inputs["elbows"]
    two_line, kneedle = elbows[ref]["two_line"]["k"], elbows[ref]["kneedle"]["k"]
    knee = "kneedle finds no knee" if kneedle is None else f"kneedle: k = {kneedle}"
    if two_line is None:
        answer = f"no two-line elbow (it needs 4 k values or more); {knee}."
    else:
        answer = f"the two-line elbow of `{ref}` is k = {two_line} ({knee})"
    others = {b: e["two_line"]["k"] for b, e in elbows.items() if b != ref}
    if others and set(others.values()) == {two_line}:
        answer += "; every other backend finds the same two-line elbow." if two_line is not None else ""
    elif others:
        answer += "; the other backends' two-line elbows: " + ", ".join(f"`{b}` {_k(k)}" for b, k in others.items())
        answer += "."
    picks = {b: (_k(e["two_line"]["k"]), _k(e["kneedle"]["k"])) for b, e in elbows.items()}
    if len(elbows) > 2 and len(set(picks.values())) == 1:  # one row says it for every backend
        rows = [[f"all {len(elbows)} backends", *next(iter(picks.values()))]]
    else:
        rows = [[f"`{b}`", *pick] for b, pick in picks.items()]
    lines = [
        "### How many clusters",
        "",
        *fmt.table(["backend", "two-line elbow k", "kneedle elbow k"], rows),
        "",
        "Two-line: the cut of the inertia curve whose two straight lines fit best (mean R²); kneedle: "
        "`kneed.KneeLocator`. Both read the best init's inertia per k (`elbow.png` draws the lines).",
        "",
    ]
    return answer, lines


def _k(k) -> str:
    return "none" if k is None else str(k)
