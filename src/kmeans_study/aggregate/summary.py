"""The study's summary page (Markdown) and its provenance record."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kmeans_study.kchoice.verdict import summary_lines


def _table(frame: pd.DataFrame, floats: str = "{:.4g}") -> str:
    """A Markdown table (no extra dependency)."""
    def cell(value):
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return "none"
        if isinstance(value, float):
            return floats.format(value)
        return str(value)

    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def _link(path: str, base: Path) -> str:
    return f"[{Path(path).name}]({Path(path).relative_to(base)})"


def dataset_section(name: str, inputs: dict, base: Path) -> str:
    """Markdown for one dataset. ``inputs`` holds the loaded report files of that dataset:
    meta, elbows (backend -> dict), quality (backend -> DataFrame or absent), timing,
    agreement (by k), elbow_agreement, k_choice (k_choice.json) with k_choice_table (k_choice.csv),
    and ``files``: the paths to link."""
    meta, elbows = inputs["meta"], inputs["elbows"]
    ref = inputs["reference"]  # the backend whose elbow sets the k the tables are shown at
    k_ref = elbows[ref]["two_line"]["k"] or elbows[ref]["k"][len(elbows[ref]["k"]) // 2]
    out = [f"## Dataset `{name}`", ""]
    steps = ", ".join(s["step"] for s in meta["preprocessing"]) or "none"
    out += [
        f"Source `{meta['source']}`, {meta['shape'][0]} points x {meta['shape'][1]} features after preprocessing "
        f"({steps}); {meta['n_distinct_points']} distinct points; "
        + (f"{meta['n_label_classes']} label classes." if meta["has_labels"] else "no labels."),
        "",
        "### How many clusters",
        "",
        *summary_lines(inputs["k_choice"], inputs["k_choice_table"]),
        "",
        f"The tables below are at k = {k_ref}, the two-line elbow of `{ref}`; the CSV files have every k.",
        "",
    ]
    if inputs.get("quality"):
        rows = [q[q["k"] == k_ref].assign(backend=b) for b, q in inputs["quality"].items()]
        quality = pd.concat(rows)[["backend", "k", "inertia", "purity", "ari", "nmi", "homogeneity", "completeness"]]
        out += ["### How good: best init's clusters against the labels", "", _table(quality), ""]
    timing = inputs["timing"]
    at_k = timing[timing["k"] == k_ref][
        ["backend", "fit_wall_s_median", "n_iter_median", "s_per_iter_median", "speedup_vs_sklearn",
         "points_used", "n_points", "peak_rss_mb_max", "threads", "blas"]
    ]
    out += [
        "### Which backend is fastest (fit time per init, median over inits)",
        "",
        _table(at_k),
        "",
        "`points_used` is what the backend trained on (faiss_sampled subsamples); every inertia is measured "
        "on all `n_points`. `blas` names the kernel each BLAS library used: speeds are comparable only when "
        "none says Prescott.",
        "",
    ]
    pareto = inputs.get("pareto")
    if pareto is not None and len(elbows) > 1:
        picked = pareto[pareto["recommended"]][
            ["k", "backend", "fit_wall_s_median", "speedup_vs_reference", "inertia_gap_median",
             "exact_assignment_fraction_median"]
        ]
        budget, reference = pareto["inertia_budget"].iloc[0], pareto["reference"].iloc[0]
        out += [
            f"### Fastest within {100 * budget:g}% inertia of `{reference}` (Pareto report, every k)",
            "",
            _table(picked),
            "",
            "Gaps are paired by init (same start). `exact_assignment_fraction` is the share of points an "
            "approximate backend's own search puts on their exact nearest centroid (empty: exact search).",
            "",
        ]
    agree = inputs.get("agreement")
    if agree is None:
        return "\n".join(out + ["One backend: no agreement to report.", "", "Files: " + ", ".join(_link(p, base) for p in inputs["files"]), ""])
    at_k = agree[agree["k"] == k_ref][
        ["backend_a", "backend_b", "same_start", "inertia_ratio_median", "ari_median", "matched_agreement_median",
         "naive_agreement_unmatched_median"]
    ]
    out += [
        "### Do the backends agree (same start, median over inits)",
        "",
        _table(at_k),
        "",
        "`matched_agreement` matches cluster ids optimally (Hungarian) before comparing; "
        "`naive_agreement_unmatched` is mean(a == b) without matching, printed only to show it is meaningless.",
        "",
        _table(inputs["elbow_agreement"]),
        "",
        "Files: " + ", ".join(_link(p, base) for p in inputs["files"]),
        "",
    ]
    return "\n".join(out)


def summary_markdown(config: dict, sections: list[str], provenance: dict) -> str:
    head = [
        "# kmeans-study summary",
        "",
        f"Config SHA-256 `{provenance['config_sha256']}`. Datasets: {', '.join(config['datasets'])}. "
        f"Backends: {', '.join(config['backends'])}. Inits per k: {provenance['n_inits']}. "
        f"Stopping rule: max_iter {config['fit']['max_iter']}, tol {config['fit']['tol']}.",
        "",
        "Data checksums (SHA-256 of the prepared float32 array):",
        "",
        *[f"- `{name}`: `{digest}`" for name, digest in provenance["data_sha256"].items()],
        "",
        "Library versions: " + ", ".join(f"{k} {v}" for k, v in sorted(provenance["versions"].items())) + ".",
        "",
    ]
    return "\n".join(head + sections)
