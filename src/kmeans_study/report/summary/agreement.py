"""Do the backends agree: every pair from the same start at the shown k, and what it means."""

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
    rows = [
        [f"`{r['backend_b']}` vs `{r['backend_a']}`", fmt.gap(r["inertia_ratio_median"] - 1),
         fmt.score(r["ari_median"]), fmt.score(r["ari_min"]), fmt.share(r["matched_agreement_median"]),
         fmt.share(r["matched_agreement_min"])]
        for _, r in at_k.iterrows()
    ]
    both_exact = at_k["backend_a"].map(exact).fillna(False) & at_k["backend_b"].map(exact).fillna(False)
    same = at_k["ari_min"] >= fmt.SAME_PARTITION_ARI
    answer = f"at k = {k}, from the same start:"
    agreeing = at_k[both_exact & same]
    if not agreeing.empty:
        names = ", ".join(f"`{b}`" for b in sorted(set(agreeing["backend_a"]) | set(agreeing["backend_b"])))
        ari, matched = agreeing["ari_min"].min(), agreeing["matched_agreement_min"].min()
        how = ("identical partitions (ARI 1 at every init)" if ari == 1 else
               f"the same partition (ARI at least {fmt.score(ari)}, matched agreement at least {fmt.share(matched)} at "
               "every init)")
        answer += (
            f" the exact backends {names} end in {how}, as exact Lloyd from one start does unless a float near-tie "
            "sends two of them down other paths: a check of the implementations, no evidence for the k."
        )
    for _, r in at_k[both_exact & ~same].iterrows():
        answer += (
            f" `{r['backend_b']}` vs `{r['backend_a']}`, both exact, end in other partitions (ARI "
            f"{fmt.score(r['ari_median'])}, inertia {fmt.gap(r['inertia_ratio_median'] - 1)}): their paths differ, "
            "so do their local minima."
        )
    answer += _exact_elsewhere(agree, exact, k)
    approximate = at_k[~both_exact]
    if not approximate.empty:
        low, high = approximate.iloc[-1], approximate["ari_median"].max()
        spread = "" if high == low["ari_median"] else f" to {fmt.score(high)}"
        if spread:
            answer += (
                f" Pairs with an approximate backend: ARI {fmt.score(low['ari_median'])}{spread} (lowest: "
                f"`{low['backend_b']}` vs `{low['backend_a']}`)."
            )
        else:
            answer += (
                f" Every pair with an approximate backend: ARI {fmt.score(low['ari_median'])} (median), "
                f"{fmt.score(approximate['ari_min'].min())} at worst."
            )
    shared = bool(at_k["same_start"].all())
    lines = [
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
    return answer, lines


def _exact_elsewhere(agree: pd.DataFrame, exact: dict, k: int) -> str:
    """A sentence naming the other k values where two exact backends ended in other partitions from
    the same start (and the worst such pair), or nothing when they never did."""
    both = agree["backend_a"].map(exact).fillna(False) & agree["backend_b"].map(exact).fillna(False)
    parted = agree[both & (agree["k"] != k) & (agree["ari_min"] < fmt.SAME_PARTITION_ARI)]
    if parted.empty:
        return ""
    worst = parted.loc[parted["ari_min"].idxmin()]
    ks = ", ".join(str(int(v)) for v in sorted(parted["k"].unique()))
    return (
        f" At k = {ks}, exact backends parted at some init (worst: `{worst['backend_b']}` vs "
        f"`{worst['backend_a']}` at k = {int(worst['k'])}, ARI {fmt.score(worst['ari_min'])}): a float near-tie in one "
        "assignment step is enough."
    )
