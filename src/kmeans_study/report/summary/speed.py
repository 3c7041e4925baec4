"""Which backend is fastest at the shown k and at what cost in quality, and the fastest within the
inertia budget at every k (the Pareto report's recommendation)."""

from __future__ import annotations

import pandas as pd

from kmeans_study.aggregate.reports import FIXED_COST_RULE, fixed_cost_dominated
from kmeans_study.report.summary import formats as fmt


def _speed_rows(inputs: dict, k: int) -> pd.DataFrame:
    """timing.csv at k joined with the Pareto columns (gap, ARI with the reference), fastest first."""
    timing = inputs["timing"][inputs["timing"]["k"] == k]
    pareto = inputs.get("pareto")
    if pareto is not None:
        quality = pareto[pareto["k"] == k][["backend", "inertia_gap_median", "ari_median", "matched_agreement_median",
                                            "exact_assignment_fraction_median"]]
        timing = timing.merge(quality, on="backend", how="left")
    return timing.sort_values(["fit_wall_s_median", "backend"]).reset_index(drop=True)


def _short_speedup(rows: pd.DataFrame, ref: str) -> pd.Series:
    """Whether each row's speedup against ``ref`` compares fits too short to time (either side)."""
    ref_short = bool(rows.loc[rows["backend"] == ref, "fixed_cost_dominated"].any())
    return rows["fixed_cost_dominated"] | ref_short


def fastest(inputs: dict, k: int) -> tuple[str, list[str]]:
    """Which backend is fastest at k and what it costs in quality, then the timing table."""
    ref = inputs["reference"]
    rows = _speed_rows(inputs, k)
    short = _short_speedup(rows, ref)
    unit = fmt.time_unit(rows["fit_wall_s_median"])
    win = rows.iloc[0]
    ref_short = bool(rows.loc[rows["backend"] == ref, "fixed_cost_dominated"].any())
    answer = _fastest_sentence(win, ref=ref, k=k, unit=unit, short=bool(short.iloc[0]), ref_short=ref_short,
                               inputs=inputs)
    answer += _job_sentence(inputs["timing"], ref)
    if short.any():
        answer += (
            f" {fmt.SHORT} Too short to time ({FIXED_COST_RULE}): such fits time the cost of a call (Python, "
            "thread pools, allocation), not the algorithm, so their speedups say nothing about the algorithms."
        )
    return answer, _timing_section(rows, short, ref, k, unit)


def _timing_section(rows: pd.DataFrame, short: pd.Series, ref: str, k: int, unit) -> list[str]:
    """The timing table at k (rows fastest first, ``short``: their speedups too short to time)
    and its notes; a column with one value for every backend is said once, below the table."""
    columns = _timing_columns(ref, rows.iloc[0]["backend"], unit)
    records = [dict(r, short=bool(is_short)) for (_, r), is_short in zip(rows.iterrows(), short)]
    header, cells, constant = [], [[] for _ in records], []
    for title, cell, always in columns:
        values = [cell(r) for r in records]
        if always or len(set(values)) > 1:
            header.append(title)
            for row, value in zip(cells, values):
                row.append(value)
        else:
            constant.append(f"{title}: {values[0]}")
    notes = [
        f"Fastest first. Fit time: the backend's fit call only, median over the {int(rows['n_inits'].max())} inits; "
        f"gap and ARI: median over inits against `{ref}` from the same start, inertia on all points.",
        "Job-seconds per fit: the wall time of the Snakemake jobs (process start, imports, loading, fits, "
        "evaluation) over the fits they ran; a per-k backend runs all inits of a k in one job.",
        "Peak memory: the fit's Python process's own peak resident memory (Linux VmHWM), interpreter and "
        f"libraries included (the data itself is {rows['data_mb'].max():.3g} MB). `timing.csv` also has "
        "Snakemake's benchmark `max_rss` (`job_sampled_rss_mb`): the shell and Python process sampled every "
        "0.5 s, then every 30 s, so a lower bound that misses short peaks.",
    ]
    sampled = rows[rows["points_used"] < rows["n_points"]]
    if not sampled.empty:
        notes.append("Fitted on fewer points than the data's: " + ", ".join(
            f"`{r['backend']}` {int(r['points_used'])} of {int(r['n_points'])}" for _, r in sampled.iterrows())
            + " (a seeded sample, or faiss's own subsampling); the inertia, the gaps and every report are on all "
            "points.")
    if rows["fit_time_attributed"].any():
        notes.append(f"{fmt.SHARED} One job fits all inits of a k together: each init's fit time is the job's fit time "
                     "shared out by iterations.")
    if constant:
        notes.append("The same for every backend: " + "; ".join(constant) + ".")
    return [
        f"### Which backend is fastest at k = {k}",
        "",
        *fmt.table(header, cells),
        "",
        *[f"- {note}" for note in notes],
        "",
    ]


def _timing_columns(ref: str, winner: str, unit) -> list[tuple]:
    """The timing table's columns: (header, cell of a row, shown even when every row has the same value)."""
    return [
        ("backend", lambda r: f"**`{r['backend']}`**" if r["backend"] == winner else f"`{r['backend']}`", True),
        (f"fit time per fit, median ({unit[0]})",
         lambda r: fmt.time(r["fit_wall_s_median"], unit) + (fmt.SHARED if r["fit_time_attributed"] else ""), True),
        (f"speedup vs `{ref}`",
         lambda r: fmt.ratio(r["speedup_vs_reference"]) + (fmt.SHORT if r["short"] else ""), True),
        ("iterations (median)", lambda r: f"{r['n_iter_median']:g}", False),
        (f"time per iteration ({unit[0]})",
         lambda r: fmt.time(r["s_per_iter_median"], unit) + (fmt.SHORT if r["fixed_cost_dominated"] else ""), True),
        (f"inertia gap vs `{ref}`", lambda r: fmt.gap(r.get("inertia_gap_median")), True),
        (f"ARI vs `{ref}`", lambda r: fmt.score(r.get("ari_median")), True),
        ("points on their exact nearest centroid",
         lambda r: "all (exact search)" if fmt.missing(r.get("exact_assignment_fraction_median"))
         else fmt.share(r["exact_assignment_fraction_median"]), False),
        ("points trained on", lambda r: f"{int(r['points_used'])}", False),
        ("job-seconds per fit", lambda r: f"{r['job_wall_s_per_fit']:.3g}", True),
        ("fits per job", lambda r: f"{int(r['fits_per_job'])}", False),
        ("peak memory of the fit process (MB)", lambda r: f"{r['fit_process_peak_rss_mb']:.0f}", True),
    ]


def _fastest_sentence(win, *, ref: str, k: int, unit, short: bool, ref_short: bool, inputs: dict) -> str:
    """The winner at k against the reference; no ranking at all when the reference's own fits are
    too short to time (every speedup then compares per-call costs)."""
    name = win["backend"]
    if ref_short:
        ref_time = win["fit_wall_s_median"] * win["speedup_vs_reference"]
        times = f"`{name}` {fmt.time(win['fit_wall_s_median'], unit)} {unit[0]}"
        if name != ref:
            times += f", `{ref}` {fmt.time(ref_time, unit)} {unit[0]}"
        text = (
            f"at k = {k}, no backend can be called fastest: the fits are too short to time{fmt.SHORT} "
            f"({times} per fit, median), so their differences are per-call costs, not the algorithms' speed."
        )
        if name != ref and not fmt.missing(win.get("inertia_gap_median")):
            text += (
                f" `{name}`'s quality against `{ref}`: inertia gap {fmt.gap(win['inertia_gap_median'])}, ARI "
                f"{fmt.score(win.get('ari_median'))}."
            )
        return text
    if name == ref:
        text = f"at k = {k}, `{ref}` itself ({fmt.time(win['fit_wall_s_median'], unit)} {unit[0]} per fit, median)."
    else:
        ref_time = win["fit_wall_s_median"] * win["speedup_vs_reference"]
        text = (
            f"at k = {k}, `{name}`: {fmt.ratio(win['speedup_vs_reference'])}{fmt.SHORT if short else ''} "
            f"the speed of `{ref}` "
            f"({fmt.time(win['fit_wall_s_median'], unit)} vs {fmt.time(ref_time, unit)} {unit[0]} per fit, median), "
        )
        gap, ari = win.get("inertia_gap_median"), win.get("ari_median")
        if fmt.missing(gap):
            text += "with no paired inertia to compare."
        else:
            no_loss = gap <= fmt.NO_LOSS_GAP and not fmt.missing(ari) and ari >= fmt.SAME_PARTITION_ARI
            text += (
                f"{'with no loss in quality' if no_loss else 'at a cost'}: inertia gap {fmt.gap(gap)} and ARI "
                f"{fmt.score(ari)} against `{ref}` from the same start (medians over inits)."
            )
    wins = inputs["timing"].loc[inputs["timing"].groupby("k")["fit_wall_s_median"].idxmin(), "backend"]
    n_k = inputs["timing"]["k"].nunique()
    if n_k > 1:
        count = int((wins == name).sum())
        text += f" It is the fastest at {count} of the {n_k} k values."
    return text


def _job_sentence(timing: pd.DataFrame, ref: str) -> str:
    """Whole-job cost where a per-k backend changes the picture (fewer, longer jobs)."""
    fused = timing[timing["fits_per_job"] > 1]
    if fused.empty or ref not in set(timing["backend"]):
        return ""
    cost = timing.groupby("backend")["job_wall_s_per_fit"].median()
    parts = [f"`{b}` {cost[b]:.2g} s" for b in cost.sort_values().index]
    return f" Counting whole jobs (startup included), the job-seconds per fit, median over k: {', '.join(parts)}."


def within_budget(inputs: dict) -> list[str]:
    """The Pareto report's recommendation at every k: the fastest backend within the budget."""
    pareto, ref = inputs.get("pareto"), inputs["reference"]
    if pareto is None or pareto["backend"].nunique() < 2:
        return []
    budget = pareto["inertia_budget"].iloc[0]
    picked = pareto[pareto["recommended"]].sort_values("k")
    short = fixed_cost_dominated(picked["fit_wall_s_median"], picked["n_iter_median"])
    ref_rows = pareto[pareto["backend"] == ref].set_index("k")
    ref_short = fixed_cost_dominated(ref_rows["fit_wall_s_median"], ref_rows["n_iter_median"])
    short = short.to_numpy() | picked["k"].map(ref_short).fillna(False).to_numpy(dtype=bool)
    unit = fmt.time_unit(picked["fit_wall_s_median"]) if len(picked) else ("ms", 1e3)
    header = ["k", "backend", f"fit time ({unit[0]})", f"speedup vs `{ref}`", "inertia gap", f"ARI vs `{ref}`"]
    approximate = picked["exact_assignment_fraction_median"].notna().any()
    if approximate:
        header.append("points on their exact nearest centroid")
    rows = []
    for (_, r), is_short in zip(picked.iterrows(), short):
        row = [str(int(r["k"])), f"`{r['backend']}`", fmt.time(r["fit_wall_s_median"], unit),
               fmt.ratio(r["speedup_vs_reference"]) + (fmt.SHORT if is_short else ""), fmt.gap(r["inertia_gap_median"]),
               fmt.score(r["ari_median"])]
        if approximate:
            frac = r["exact_assignment_fraction_median"]
            row.append("all (exact search)" if fmt.missing(frac) else fmt.share(frac))
        rows.append(row)
    counts = picked["backend"].value_counts()
    lines = [
        f"### Fastest within {100 * budget:g}% inertia of `{ref}`, at every k",
        "",
        f"Recommended most often: `{counts.index[0]}` ({counts.iloc[0]} of {len(picked)} k values)."
        if len(picked) else "No backend is within the budget at any k.",
        "",
        *fmt.table(header, rows),
        "",
        f"Gaps are medians over inits, each paired with `{ref}` from the same start (`pareto.csv`, `pareto.png`)."
        + (f" {fmt.SHORT} as above: fits too short to time." if short.any() else ""),
        "",
    ]
    return lines
