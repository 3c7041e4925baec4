"""How good: every backend's best init at the shown k against the labels."""

from __future__ import annotations

from kmeans_study.report.summary import formats as fmt


def how_good(inputs: dict, k: int) -> tuple[str | None, list[str]]:
    """Quality of every backend's best init at k against the labels, best ARI first."""
    quality = inputs.get("quality")
    if not quality:
        return None, []
    ref = inputs["reference"]
    at_k = {b: q[q["k"] == k].iloc[0] for b, q in quality.items()}
    ref_inertia = at_k[ref]["inertia"]
    rows = sorted(at_k.items(), key=lambda item: -item[1]["ari"])
    table = [
        [f"`{b}`", fmt.score(r["ari"]), fmt.score(r["nmi"]), fmt.share(r["purity"]), fmt.score(r["homogeneity"]),
         fmt.score(r["completeness"]), fmt.gap(r["inertia"] / ref_inertia - 1)]
        for b, r in rows
    ]
    r = at_k[ref]
    best = quality[ref].loc[quality[ref]["ari"].idxmax()]
    classes = inputs["meta"]["n_label_classes"]
    answer = (
        f"at k = {k}, `{ref}`'s best init against the {classes} label classes: ARI {fmt.score(r['ari'])}, "
        f"NMI {fmt.score(r['nmi'])}, purity {fmt.share(r['purity'])}"
    )
    answer += (
        "; that is its highest ARI over the k values." if int(best["k"]) == k
        else f"; its highest ARI over the k values is {fmt.score(best['ari'])} at k = {int(best['k'])}."
    )
    lines = [
        f"### How good: the best init's clusters against the labels at k = {k}",
        "",
        *fmt.table(["backend", "ARI", "NMI", "purity", "homogeneity", "completeness",
                 f"best inertia vs `{ref}`"], table),
        "",
        "Purity: share of points carrying their cluster's majority label. The last column compares "
        "the lowest inertia over inits (measured on all points) with the reference's.",
        "",
    ]
    return answer, lines
