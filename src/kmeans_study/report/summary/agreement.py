"""Do the backends agree: every pair from the same start at the shown k, and what it means.

Every sentence says what the table beside it shows: a pair of exact backends is said to end in
the same partition only where its lowest ARI over the inits reaches SAME_PARTITION_ARI, and a pair
that parts at some inits is described by its median and its lowest ARI, never by one of them as if
it held at every init.
"""

from __future__ import annotations

import pandas as pd

from kmeans_study.report.summary import formats as fmt


def agreement(inputs: dict, k: int) -> tuple[str | None, list[str]]:
    """Whether the backends agree at k (same start), most agreeing pair first, and what it means."""
    agree = inputs.get("agreement")
    if agree is None:
        return None, []
    exact = inputs["exact"]
    at_k = agree[agree["k"] == k].sort_values(["ari_median", "matched_agreement_median"], ascending=False)
    both_exact = _both_exact(at_k, exact)
    answer = (
        f"at k = {k}, from the same start:"
        + _exact_pairs(at_k[both_exact])
        + _exact_elsewhere(agree, exact, k)
        + _approximate_pairs(at_k[~both_exact])
    )
    return answer, _agreement_table(at_k, k)


def _both_exact(pairs: pd.DataFrame, exact: dict) -> pd.Series:
    return pairs["backend_a"].map(exact).fillna(False) & pairs["backend_b"].map(exact).fillna(False)


def _pair(row) -> str:
    return f"`{row['backend_b']}` vs `{row['backend_a']}`"


def _exact_pairs(pairs: pd.DataFrame) -> str:
    """Sentences on the pairs of exact backends at one k: those that end in the same partition at
    every init (named together as backends when every pair among them does), then each pair that
    parts at some init, with its median and lowest ARI."""
    same = pairs["ari_min"] >= fmt.SAME_PARTITION_ARI
    agreeing, text = pairs[same], ""
    if not agreeing.empty:
        backends = sorted(set(agreeing["backend_a"]) | set(agreeing["backend_b"]))
        if len(agreeing) == len(backends) * (len(backends) - 1) // 2:
            who = "the exact backends " + ", ".join(f"`{b}`" for b in backends)
        else:  # some pair among these backends parted: name the pairs that did not
            who = "the exact pairs " + ", ".join(_pair(r) for _, r in agreeing.iterrows())
        ari, matched = agreeing["ari_min"].min(), agreeing["matched_agreement_min"].min()
        how = ("identical partitions (ARI 1 at every init)" if ari == 1 else
               f"the same partition (ARI at least {fmt.score(ari)}, matched agreement at least {fmt.share(matched)} at "
               "every init)")
        text += (
            f" {who} end in {how}, as exact Lloyd from one start does unless a float near-tie "
            "sends two of them down other paths: a check of the implementations, no evidence for the k."
        )
    for _, r in pairs[~same].iterrows():
        text += f" {_pair(r)}, both exact, " + _parted(r)
    return text


def _parted(row) -> str:
    """What a pair of exact backends whose lowest ARI is below SAME_PARTITION_ARI did: a median
    at or above it means the same partition at half of the inits or more (with an even count the
    upper of the two middle values reaches it), below it other partitions at half or more."""
    median, lowest = fmt.score(row["ari_median"]), fmt.score(row["ari_min"])
    if row["ari_median"] >= fmt.SAME_PARTITION_ARI:
        return (
            f"end in the same partition at half of the inits or more (median ARI {median}) but not at every "
            f"init (lowest ARI {lowest}): where their paths differ, so do their local minima."
        )
    return (
        f"end in other partitions at half of the inits or more (median ARI {median}, lowest {lowest}, median "
        f"inertia {fmt.gap(row['inertia_ratio_median'] - 1)}): their paths differ, so do their local minima."
    )


def _approximate_pairs(pairs: pd.DataFrame) -> str:
    """A sentence on the pairs with an approximate backend at one k (sorted most agreeing first)."""
    if pairs.empty:
        return ""
    low, high = pairs.iloc[-1], pairs["ari_median"].max()
    if high != low["ari_median"]:
        return (
            f" Pairs with an approximate backend: median ARI {fmt.score(low['ari_median'])} to {fmt.score(high)} "
            f"(lowest: {_pair(low)})."
        )
    return (
        f" Every pair with an approximate backend: ARI {fmt.score(low['ari_median'])} (median), "
        f"{fmt.score(pairs['ari_min'].min())} at worst."
    )


def _agreement_table(at_k: pd.DataFrame, k: int) -> list[str]:
    rows = [
        [_pair(r), fmt.gap(r["inertia_ratio_median"] - 1), fmt.score(r["ari_median"]), fmt.score(r["ari_min"]),
         fmt.share(r["matched_agreement_median"]), fmt.share(r["matched_agreement_min"])]
        for _, r in at_k.iterrows()
    ]
    shared = bool(at_k["same_start"].all())
    return [
        f"### Do the backends agree at k = {k}",
        "",
        *fmt.table(["pair (b vs a)", "inertia b vs a", "ARI, median", "ARI, min", "matched agreement, median",
                    "matched agreement, min"], rows),
        "",
        f"Medians and minima over the inits{' (every pair from the same start)' if shared else ''}. Matched "
        "agreement: the share of points in the same cluster after the optimal matching of cluster ids "
        "(Hungarian). `agreement.csv` also has the unmatched `mean(a == b)`: with shared starts both fits' "
        "cluster ids begin on the same centroids and mostly keep them, so it reads like the matched agreement "
        "and is left out here.",
        "",
    ]


def _exact_elsewhere(agree: pd.DataFrame, exact: dict, k: int) -> str:
    """A sentence naming the other k values where two exact backends ended in other partitions from
    the same start (and the worst such pair), or nothing when they never did."""
    parted = agree[_both_exact(agree, exact) & (agree["k"] != k) & (agree["ari_min"] < fmt.SAME_PARTITION_ARI)]
    if parted.empty:
        return ""
    worst = parted.loc[parted["ari_min"].idxmin()]
    ks = ", ".join(str(int(v)) for v in sorted(parted["k"].unique()))
    return (
        f" At k = {ks}, exact backends parted at some init (worst: {_pair(worst)} at k = {int(worst['k'])}, ARI "
        f"{fmt.score(worst['ari_min'])}): a float near-tie in one assignment step is enough."
    )
