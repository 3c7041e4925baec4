"""One verdict per dataset: each criterion's pick, the votes, and how sure the answer is.

The rule (``rule_text``, also written into k_choice.json and the README): on the reference backend,
each of six criteria picks a k: the two-line elbow, kneedle, silhouette (highest),
Calinski-Harabasz (highest), Davies-Bouldin (lowest) and the gap statistic (Tibshirani's rule).
A pick at the lowest or highest k of the range is no evidence (the best k may lie outside the
range, or there is no structure: Calinski-Harabasz falling steadily picks the lowest k). The
verdict's k is the interior k picked by the most criteria (null on a tie or with fewer than 2
votes); it is confident iff at least ``min_votes`` criteria pick it AND the two-line elbow picks
it in at least ``min_share`` of the resamples of the inits. Other backends' picks are reported,
not counted: exact backends from the same start mostly end in the same partition, so their picks
are one piece of evidence repeated, not several.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from kmeans_study.kchoice.resample import modal

# criterion -> (label in sentences and tables, how its margin over the runner-up is measured)
CRITERIA = {
    "two_line": ("two-line", "mean R^2 of the winning cut minus the runner-up cut's"),
    "kneedle": ("kneedle", None),
    "silhouette": ("silhouette", "silhouette at the pick minus the runner-up k's"),
    "calinski_harabasz": ("Calinski-Harabasz", "score at the pick minus the runner-up k's"),
    "davies_bouldin": ("Davies-Bouldin", "runner-up k's index minus the pick's (lower is better)"),
    "gap": ("gap", "Gap(k) - Gap(k') + s_k' at the pick (Tibshirani's rule holds by this much)"),
}
ELBOWS = ("two_line", "kneedle")


def rule_text(min_votes: int, min_share: float) -> str:
    return (
        "On the reference backend each criterion picks a k: two-line elbow, kneedle, silhouette (max), "
        "Calinski-Harabasz (max), Davies-Bouldin (min), gap statistic (Tibshirani's rule: smallest k with "
        "Gap(k) >= Gap(k+1) - s_(k+1); the last k if none). A pick at the lowest or highest k of the range is no "
        "evidence (edge). k = the interior k picked by the most criteria (null on a tie or with fewer than 2 "
        f"votes). Confident iff at least {min_votes} criteria pick k and the two-line elbow picks k in at least "
        f"{min_share:.0%} of the resamples of the inits. Other backends' picks are reported, not counted: exact "
        "backends from the same start mostly end in the same partition: their agreement is no evidence for k."
    )


def _extreme(table: pd.DataFrame, column: str, best: str) -> tuple[int | None, float | None]:
    """The k with the highest (best="max") or lowest value of ``column``, and its margin over the
    runner-up k; (None, None) when the column has no values."""
    values = table[["k", column]].dropna()
    if values.empty:
        return None, None
    order = values[column].to_numpy().argsort(kind="stable")
    order = order[::-1] if best == "max" else order
    ranked = values[column].to_numpy()[order]
    margin = abs(float(ranked[0] - ranked[1])) if len(ranked) > 1 else None
    return int(values["k"].to_numpy()[order[0]]), margin


def two_line_margin(scores: pd.DataFrame) -> float | None:
    """The winning cut's mean R^2 minus the runner-up cut's (elbow_scores.csv)."""
    ranked = np.sort(scores["mean_r2"].to_numpy())[::-1]
    return float(ranked[0] - ranked[1]) if len(ranked) > 1 else None


def backend_picks(criteria: pd.DataFrame, elbow: dict, scores: pd.DataFrame) -> dict[str, tuple]:
    """criterion -> (k, margin) for one backend, without the gap statistic."""
    return {
        "two_line": (elbow["two_line"]["k"], two_line_margin(scores)),
        "kneedle": (elbow["kneedle"]["k"], None),
        "silhouette": _extreme(criteria, "silhouette", "max"),
        "calinski_harabasz": _extreme(criteria, "calinski_harabasz", "max"),
        "davies_bouldin": _extreme(criteria, "davies_bouldin", "min"),
    }


def decide(picks: dict[str, int | None], ks: list[int], two_line_shares: dict[str, float], min_votes: int,
           min_share: float) -> dict:
    """The verdict from one backend's picks (criterion -> k or None), the k range and the two-line
    elbow's shares over the resamples (k as a string -> share)."""
    edge = {name: k is not None and k in (min(ks), max(ks)) for name, k in picks.items()}
    votes = Counter(k for name, k in picks.items() if k is not None and not edge[name])
    ranked = votes.most_common()
    tied = len(ranked) > 1 and ranked[0][1] == ranked[1][1]
    k = ranked[0][0] if ranked and ranked[0][1] >= 2 and not tied else None
    share = two_line_shares.get(str(k), 0.0) if k is not None else None
    return {
        "k": k,
        "confident": bool(k is not None and votes[k] >= min_votes and share >= min_share),
        "votes": {str(key): count for key, count in ranked},
        "at_edge": edge,
        "two_line_share_of_k": share,
    }


def _pct(share: float) -> str:
    return f"{100 * share:.0f}%"


def _pick_list(picks: dict, edge: dict) -> str:
    return ", ".join(
        f"{CRITERIA[name][0]} {'none' if k is None else k}{' at the edge' if edge[name] else ''}"
        for name, k in picks.items()
    )


def sentence(dataset: str, verdict: dict, *, picks: dict, ks: list[int], resampled: dict, min_votes: int,
             min_share: float) -> str:
    """The verdict in one sentence with its numbers."""
    k, n_criteria, n_resamples = verdict["k"], len(picks), resampled["resamples"]
    shares = resampled["two_line"]
    if verdict["confident"]:
        return (
            f"{dataset}: k = {k}, confident: {verdict['votes'][str(k)]} of {n_criteria} criteria pick {k} and the "
            f"two-line elbow picks {k} in {_pct(shares.get(str(k), 0.0))} of {n_resamples} resamples of the inits."
        )
    if k is None:
        criteria_part = f"the criteria disagree ({_pick_list(picks, verdict['at_edge'])})"
    elif verdict["votes"][str(k)] < min_votes:
        criteria_part = (
            f"only {verdict['votes'][str(k)]} of {n_criteria} criteria pick {k} "
            f"({_pick_list(picks, verdict['at_edge'])})"
        )
    else:
        criteria_part = f"{verdict['votes'][str(k)]} of {n_criteria} criteria pick {k}"
    elbow_k = picks["two_line"] if k is None else k
    share = shares.get(str(elbow_k), 0.0)
    modal_k, modal_share = modal(shares)
    elbow_part = (
        f"the two-line elbow picks {elbow_k} in {'only ' if share < min_share else ''}{_pct(share)} of "
        f"{n_resamples} resamples"
    )
    if modal_k != str(elbow_k):
        elbow_part += f" ({modal_k} in {_pct(modal_share)})"
    return f"{dataset}: no clear k in {min(ks)}..{max(ks)}: {criteria_part} and {elbow_part}."


def choice_table(by_backend: dict[str, dict[str, tuple]], resampled: dict[str, dict], reference: str,
                 ks: list[int]) -> pd.DataFrame:
    """One row per criterion and backend: k, at_edge, margin (and its unit), and for the elbows
    the share of the resamples picking that k and the resamples' most frequent pick with its share;
    ``counted`` marks the reference backend's rows, which the verdict counts."""
    rows = []
    for backend, picks in by_backend.items():
        for name, (k, margin) in picks.items():
            row = {
                "criterion": name, "backend": backend, "k": k,
                "at_edge": k is not None and k in (min(ks), max(ks)),
                "margin": margin, "margin_unit": CRITERIA[name][1],
                "resample_share": None, "resample_modal_k": None, "resample_modal_share": None,
                "counted": backend == reference,
            }
            if name in ELBOWS and backend in resampled:
                shares = resampled[backend][name]
                modal_k, modal_share = modal(shares)
                row.update(
                    resample_share=shares.get("none" if k is None else str(k), 0.0),
                    resample_modal_k=None if modal_k == "none" else int(modal_k),
                    resample_modal_share=modal_share,
                )
            rows.append(row)
    table = pd.DataFrame(rows)
    table["k"] = table["k"].astype("Int64")
    table["resample_modal_k"] = table["resample_modal_k"].astype("Int64")
    return table


def summary_lines(k_choice: dict, table: pd.DataFrame) -> list[str]:
    """The summary's "How many clusters" section body (Markdown lines): the verdict sentence, then
    each criterion's pick per backend (the verdict counts the reference backend's only)."""
    reference = k_choice["backend"]
    backends = [reference] + [b for b in dict.fromkeys(table["backend"]) if b != reference]

    def cell(value, edge=False):
        if value is None or pd.isna(value):
            return "-"
        return f"{int(value)}{' (edge)' if edge else ''}"  # a k (a column with a null reads as float)

    head = ["criterion", *(f"`{b}`" + (" (counted)" if b == reference else "") for b in backends),
            f"margin (`{reference}`)", f"share of resamples (`{reference}`)"]
    lines = [f"**{k_choice['sentence']}**", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, (label, _) in CRITERIA.items():
        rows = table[table["criterion"] == name].set_index("backend")
        if rows.empty:
            continue
        picks = [cell(rows.loc[b, "k"], rows.loc[b, "at_edge"]) if b in rows.index else "-" for b in backends]
        ref = rows.loc[reference] if reference in rows.index else None
        margin = "-" if ref is None or pd.isna(ref["margin"]) else f"{ref['margin']:.4g}"
        share = "-" if ref is None or pd.isna(ref["resample_share"]) else f"{100 * ref['resample_share']:.0f}%"
        lines.append("| " + " | ".join([label, *picks, margin, share]) + " |")
    lines += [
        "",
        "A pick at the lowest or highest k of the range is no evidence (edge). Backends that agree from the same "
        "start are not more evidence: exact Lloyd from one start mostly ends in the same partition. "
        "Rule, margins and the gap table: `k_choice.json`; every criterion against k: `k_choice.png`.",
    ]
    return lines


def k_choice_report(dataset: str, reference: str, *, criteria: dict[str, pd.DataFrame], elbows: dict[str, dict],
                    scores: dict[str, pd.DataFrame], resampled: dict[str, dict], gap: dict | None,
                    subsample: pd.DataFrame | None, min_votes: int, min_share: float) -> tuple[dict, pd.DataFrame]:
    """k_choice.json and k_choice.csv of one dataset. criteria, elbows, scores, resampled : by
    backend (criteria.csv, elbow.json, elbow_scores.csv, ``resampled_picks``); gap : {"backend",
    "inits", "table": ``gap_table``} or None; subsample : one row per (k, pair) with its ARI, or None."""
    from kmeans_study.kchoice.gap import tibshirani_pick

    ks = sorted(int(k) for k in criteria[reference]["k"])
    by_backend = {b: backend_picks(criteria[b], elbows[b], scores[b]) for b in criteria}
    gap_facts = None
    if gap is not None:
        by_backend[gap["backend"]]["gap"] = tibshirani_pick(gap["table"])
        gap_facts = {
            "backend": gap["backend"],
            "references": int(gap["table"]["references"].iloc[0]),
            "inits": gap["inits"],
            "table": gap["table"].to_dict(orient="records"),
        }
        if "sample" in gap:
            gap_facts["sample"] = gap["sample"]
    gap_pick = by_backend[gap["backend"]]["gap"] if gap is not None else None
    picks = {name: k for name, (k, _) in by_backend[reference].items() if name != "gap"}
    margins = {name: margin for name, (_, margin) in by_backend[reference].items() if name != "gap"}
    if gap_pick is not None:
        picks["gap"], margins["gap"] = gap_pick
    verdict = decide(picks, ks, resampled[reference]["two_line"], min_votes, min_share)
    report = {
        "dataset": dataset,
        "backend": reference,
        "k_range": [ks[0], ks[-1]],
        **verdict,
        "sentence": sentence(dataset, verdict, picks=picks, ks=ks, resampled=resampled[reference], min_votes=min_votes,
                             min_share=min_share),
        "criteria": picks,
        "margins": margins,
        "rule": rule_text(min_votes, min_share),
        "thresholds": {"min_votes": min_votes, "min_share": min_share},
        "resamples": resampled,
        "gap": gap_facts,
        "silhouette_sample_size": int(criteria[reference]["silhouette_sample_size"].iloc[0]),
        "subsample_stability": None if subsample is None else subsample.to_dict(orient="records"),
        "by_backend": {b: {name: k for name, (k, _) in p.items()} for b, p in by_backend.items()},
    }
    return report, choice_table(by_backend, resampled, reference, ks)
