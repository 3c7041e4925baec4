"""The study's summary page (Markdown) and its provenance record.

Each dataset's section leads with the answers in words and numbers (how many clusters, how good
against the labels, which backend is fastest at what cost in quality, whether the backends
agree), then gives the tables behind them at one k (``shown_k``), then its files.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from kmeans_study import paths
from kmeans_study.aggregate.reports import FIXED_COST_RULE, fixed_cost_dominated

SAME_PARTITION_ARI = 0.999  # two fits this close (ARI, every init) end in the same partition
NO_LOSS_GAP = 1e-6  # an inertia gap (fraction) this small is no loss in quality
FLOAT_NOISE = 1e-9  # an inertia gap (fraction) this small is float rounding in the sums, shown as ≈0
SHORT = "†"  # marks a time or speedup of fits too short to time the algorithm
SHARED = "‡"  # marks a per-k job's fit time shared out to its inits


# Number formats ---------------------------------------------------------------------------------


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _gap(fraction) -> str:
    """An inertia gap (a fraction) in percent, with the digits that keep small gaps apart."""
    if _missing(fraction):
        return "n/a"
    percent = 100 * fraction
    if abs(fraction) < FLOAT_NOISE:
        return "0%" if fraction == 0 else "≈0%"
    if abs(percent) >= 0.01:
        return f"{percent:+.2f}%"
    return f"{percent:+.1e}%"


def _ratio(value) -> str:
    return "n/a" if _missing(value) else f"{value:.1f}x" if value >= 10 else f"{value:.2f}x"


def _near_one(value: float, decimals: int) -> str:
    """``value`` with ``decimals`` decimals, or more where that would round a value below one up
    to one: 0.99996 is no perfect agreement."""
    if value == 1:
        return "1"
    while decimals < 8 and round(value, decimals) >= 1:
        decimals += 1
    return f"{value:.{decimals}f}"


def _share(value) -> str:
    """A fraction in [0, 1] as a percentage: 0.725 -> '72.50%', 0.99996 -> '99.996%' (a share
    below one never shows as 100%)."""
    if _missing(value):
        return "n/a"
    if value == 1:
        return "100%"
    decimals = len(_near_one(value, 4).split(".")[1]) - 2
    return f"{100 * value:.{decimals}f}%"


def _score(value) -> str:
    """An ARI, NMI or other score up to one."""
    return "n/a" if _missing(value) else _near_one(value, 3)


def _time_unit(seconds: pd.Series) -> tuple[str, float]:
    """Milliseconds when every value is under a second, else seconds."""
    return ("ms", 1e3) if seconds.max() < 1 else ("s", 1.0)


def _time(seconds, unit: tuple[str, float]) -> str:
    """Three significant digits, never in exponent notation."""
    if _missing(seconds):
        return "n/a"
    value = seconds * unit[1]
    return f"{value:.0f}" if value >= 100 else f"{value:.3g}"


EMPTY = {"none", "n/a", ""}


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table of already formatted cells; a column with no value in any row is left
    out and named below the table instead."""
    empty = [i for i in range(len(header)) if rows and all(str(row[i]) in EMPTY for row in rows)]
    keep = [i for i in range(len(header)) if i not in empty]
    lines = ["| " + " | ".join(header[i] for i in keep) + " |", "|" + "---|" * len(keep)]
    lines += ["| " + " | ".join(str(row[i]) for i in keep) + " |" for row in rows]
    if empty:
        lines += ["", "No value for any row: " + ", ".join(header[i] for i in empty) + "."]
    return lines


# The k the tables are shown at -------------------------------------------------------------------


def shown_k(inputs: dict) -> tuple[int, str]:
    """The one k at which the summary's tables are shown, and why, as a phrase.

    The verdict's k (``k_choice.json``) when it has one; else the reference backend's two-line
    elbow; without one (fewer than 4 k values), the number of label classes when the study ran
    that k, else the middle k of the study.
    """
    choice = inputs.get("k_choice")
    if choice is not None and choice.get("k") is not None:
        sure = "confident" if choice["confident"] else "not confident"
        return int(choice["k"]), f"the k of the verdict on how many clusters ({sure})"
    ref = inputs["reference"]
    elbow = inputs["elbows"][ref]
    if elbow["two_line"]["k"] is not None:
        return int(elbow["two_line"]["k"]), f"the two-line elbow of the reference backend `{ref}`"
    ks = sorted(int(k) for k in elbow["k"])
    classes = inputs["meta"].get("n_label_classes") or 0
    if classes in ks:
        return classes, f"the number of label classes (`{ref}` has no two-line elbow: it needs 4 k values or more)"
    return ks[len(ks) // 2], f"the middle k of the study (`{ref}` has no two-line elbow: it needs 4 k values or more)"


# Sections ----------------------------------------------------------------------------------------


def how_many_clusters(inputs: dict) -> tuple[str, list[str]]:
    """The answer to "how many clusters" as one sentence, and the section behind it: the verdict
    of ``k_choice.json`` with every criterion's pick (``kchoice.verdict.summary_lines``), or,
    without a verdict, every backend's elbow picks (two-line, kneedle)."""
    choice = inputs.get("k_choice")
    if choice is not None:
        from kmeans_study.kchoice.verdict import summary_lines

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
        *_table(["backend", "two-line elbow k", "kneedle elbow k"], rows),
        "",
        "Two-line: the cut of the inertia curve whose two straight lines fit best (mean R²); kneedle: "
        "`kneed.KneeLocator`. Both read the best init's inertia per k (`elbow.png` draws the lines).",
        "",
    ]
    return answer, lines


def _k(k) -> str:
    return "none" if k is None else str(k)


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
        [f"`{b}`", _score(r["ari"]), _score(r["nmi"]), _share(r["purity"]), _score(r["homogeneity"]),
         _score(r["completeness"]), _gap(r["inertia"] / ref_inertia - 1)]
        for b, r in rows
    ]
    r = at_k[ref]
    best = quality[ref].loc[quality[ref]["ari"].idxmax()]
    classes = inputs["meta"]["n_label_classes"]
    answer = (
        f"at k = {k}, `{ref}`'s best init against the {classes} label classes: ARI {_score(r['ari'])}, "
        f"NMI {_score(r['nmi'])}, purity {_share(r['purity'])}"
    )
    answer += (
        "; that is its highest ARI over the k values." if int(best["k"]) == k
        else f"; its highest ARI over the k values is {_score(best['ari'])} at k = {int(best['k'])}."
    )
    lines = [
        f"### How good: the best init's clusters against the labels at k = {k}",
        "",
        *_table(["backend", "ARI", "NMI", "purity", "homogeneity", "completeness",
                 f"best inertia vs `{ref}`"], table),
        "",
        "Purity: share of points carrying their cluster's majority label. The last column compares "
        "the lowest inertia over inits (measured on all points) with the reference's.",
        "",
    ]
    return answer, lines


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
    unit = _time_unit(rows["fit_wall_s_median"])
    win = rows.iloc[0]
    ref_short = bool(rows.loc[rows["backend"] == ref, "fixed_cost_dominated"].any())
    answer = _fastest_sentence(win, ref, k, unit, bool(short.iloc[0]), ref_short, inputs)
    answer += _job_sentence(inputs["timing"], ref)
    if short.any():
        answer += (
            f" {SHORT} Too short to time ({FIXED_COST_RULE}): such fits time the cost of a call (Python, "
            "thread pools, allocation), not the algorithm, so their speedups say nothing about the algorithms."
        )
    columns = [  # (header, cell of a row, shown even when every row has the same value)
        ("backend", lambda r: f"**`{r['backend']}`**" if r["backend"] == win["backend"] else f"`{r['backend']}`", True),
        (f"fit time per fit, median ({unit[0]})",
         lambda r: _time(r["fit_wall_s_median"], unit) + (SHARED if r["fit_time_attributed"] else ""), True),
        (f"speedup vs `{ref}`", lambda r: _ratio(r["speedup_vs_reference"]) + (SHORT if r["short"] else ""), True),
        ("iterations (median)", lambda r: f"{r['n_iter_median']:g}", False),
        (f"time per iteration ({unit[0]})",
         lambda r: _time(r["s_per_iter_median"], unit) + (SHORT if r["fixed_cost_dominated"] else ""), True),
        (f"inertia gap vs `{ref}`", lambda r: _gap(r.get("inertia_gap_median")), True),
        (f"ARI vs `{ref}`", lambda r: _score(r.get("ari_median")), True),
        ("points on their exact nearest centroid", lambda r: "all (exact search)"
         if _missing(r.get("exact_assignment_fraction_median")) else _share(r["exact_assignment_fraction_median"]),
         False),
        ("points trained on", lambda r: f"{int(r['points_used'])}", False),
        ("job-seconds per fit", lambda r: f"{r['job_wall_s_per_fit']:.3g}", True),
        ("fits per job", lambda r: f"{int(r['fits_per_job'])}", False),
        ("peak memory of the fit process (MB)", lambda r: f"{r['fit_process_peak_rss_mb']:.0f}", True),
    ]
    records = [dict(r, short=bool(is_short)) for (_, r), is_short in zip(rows.iterrows(), short)]
    header, cells, constant = [], [[] for _ in records], []
    # A column with one value for every backend is said once, below the table.
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
    if rows["fit_time_attributed"].any():
        notes.append(f"{SHARED} One job fits all inits of a k together: each init's fit time is the job's fit time "
                     "shared out by iterations.")
    if constant:
        notes.append("The same for every backend: " + "; ".join(constant) + ".")
    lines = [
        f"### Which backend is fastest at k = {k}",
        "",
        *_table(header, cells),
        "",
        *[f"- {note}" for note in notes],
        "",
    ]
    return answer, lines


def _fastest_sentence(win, ref: str, k: int, unit, short: bool, ref_short: bool, inputs: dict) -> str:
    """The winner at k against the reference; no ranking at all when the reference's own fits are
    too short to time (every speedup then compares per-call costs)."""
    name = win["backend"]
    if ref_short:
        ref_time = win["fit_wall_s_median"] * win["speedup_vs_reference"]
        times = f"`{name}` {_time(win['fit_wall_s_median'], unit)} {unit[0]}"
        if name != ref:
            times += f", `{ref}` {_time(ref_time, unit)} {unit[0]}"
        text = (
            f"at k = {k}, no backend can be called fastest: the fits are too short to time{SHORT} "
            f"({times} per fit, median), so their differences are per-call costs, not the algorithms' speed."
        )
        if name != ref and not _missing(win.get("inertia_gap_median")):
            text += (
                f" `{name}`'s quality against `{ref}`: inertia gap {_gap(win['inertia_gap_median'])}, ARI "
                f"{_score(win.get('ari_median'))}."
            )
        return text
    if name == ref:
        text = f"at k = {k}, `{ref}` itself ({_time(win['fit_wall_s_median'], unit)} {unit[0]} per fit, median)."
    else:
        ref_time = win["fit_wall_s_median"] * win["speedup_vs_reference"]
        text = (
            f"at k = {k}, `{name}`: {_ratio(win['speedup_vs_reference'])}{SHORT if short else ''} the speed of `{ref}` "
            f"({_time(win['fit_wall_s_median'], unit)} vs {_time(ref_time, unit)} {unit[0]} per fit, median), "
        )
        gap, ari = win.get("inertia_gap_median"), win.get("ari_median")
        if _missing(gap):
            text += "with no paired inertia to compare."
        else:
            no_loss = gap <= NO_LOSS_GAP and not _missing(ari) and ari >= SAME_PARTITION_ARI
            text += (
                f"{'with no loss in quality' if no_loss else 'at a cost'}: inertia gap {_gap(gap)} and ARI "
                f"{_score(ari)} against `{ref}` from the same start (medians over inits)."
            )
    wins = inputs["timing"].loc[inputs["timing"].groupby("k")["fit_wall_s_median"].idxmin(), "backend"]
    n_k = inputs["timing"]["k"].nunique()
    if n_k > 1:
        count = int((wins == name).sum())
        text += f" It is the fastest at {count} of the {n_k} k values."
    return text


def _job_sentence(timing: pd.DataFrame, ref: str) -> str:
    """Whole-job cost where a per-k backend changes the picture (fewer, longer jobs)."""
    per_k = timing[timing["fits_per_job"] > 1]
    if per_k.empty or ref not in set(timing["backend"]):
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
    unit = _time_unit(picked["fit_wall_s_median"]) if len(picked) else ("ms", 1e3)
    header = ["k", "backend", f"fit time ({unit[0]})", f"speedup vs `{ref}`", "inertia gap", f"ARI vs `{ref}`"]
    approximate = picked["exact_assignment_fraction_median"].notna().any()
    if approximate:
        header.append("points on their exact nearest centroid")
    rows = []
    for (_, r), is_short in zip(picked.iterrows(), short):
        row = [str(int(r["k"])), f"`{r['backend']}`", _time(r["fit_wall_s_median"], unit),
               _ratio(r["speedup_vs_reference"]) + (SHORT if is_short else ""), _gap(r["inertia_gap_median"]),
               _score(r["ari_median"])]
        if approximate:
            frac = r["exact_assignment_fraction_median"]
            row.append("all (exact search)" if _missing(frac) else _share(frac))
        rows.append(row)
    counts = picked["backend"].value_counts()
    lines = [
        f"### Fastest within {100 * budget:g}% inertia of `{ref}`, at every k",
        "",
        f"Recommended most often: `{counts.index[0]}` ({counts.iloc[0]} of {len(picked)} k values)."
        if len(picked) else "No backend is within the budget at any k.",
        "",
        *_table(header, rows),
        "",
        f"Gaps are medians over inits, each paired with `{ref}` from the same start (`pareto.csv`, `pareto.png`)."
        + (f" {SHORT} as above: fits too short to time." if short.any() else ""),
        "",
    ]
    return lines


def agreement(inputs: dict, k: int) -> tuple[str | None, list[str]]:
    """Whether the backends agree at k (same start), most agreeing pair first, and what it means."""
    agree = inputs.get("agreement")
    if agree is None:
        return None, []
    exact = inputs["exact"]
    at_k = agree[agree["k"] == k].sort_values(["ari_median", "matched_agreement_median"], ascending=False)
    rows = [
        [f"`{r['backend_b']}` vs `{r['backend_a']}`", _gap(r["inertia_ratio_median"] - 1), _score(r["ari_median"]),
         _score(r["ari_min"]), _share(r["matched_agreement_median"]), _share(r["matched_agreement_min"])]
        for _, r in at_k.iterrows()
    ]
    both_exact = at_k["backend_a"].map(exact).fillna(False) & at_k["backend_b"].map(exact).fillna(False)
    same = at_k["ari_min"] >= SAME_PARTITION_ARI
    answer = f"at k = {k}, from the same start:"
    agreeing = at_k[both_exact & same]
    if not agreeing.empty:
        names = ", ".join(f"`{b}`" for b in sorted(set(agreeing["backend_a"]) | set(agreeing["backend_b"])))
        ari, matched = agreeing["ari_min"].min(), agreeing["matched_agreement_min"].min()
        how = ("identical partitions (ARI 1 at every init)" if ari == 1 else
               f"the same partition (ARI at least {_score(ari)}, matched agreement at least {_share(matched)} at "
               "every init)")
        answer += (
            f" the exact backends {names} end in {how}, as exact Lloyd from one start does unless a float near-tie "
            "sends two of them down other paths: a check of the implementations, no evidence for the k."
        )
    for _, r in at_k[both_exact & ~same].iterrows():
        answer += (
            f" `{r['backend_b']}` vs `{r['backend_a']}`, both exact, end in other partitions (ARI "
            f"{_score(r['ari_median'])}, inertia {_gap(r['inertia_ratio_median'] - 1)}): their paths differ, so do "
            "their local minima."
        )
    answer += _exact_elsewhere(agree, exact, k)
    approximate = at_k[~both_exact]
    if not approximate.empty:
        low, high = approximate.iloc[-1], approximate["ari_median"].max()
        spread = "" if high == low["ari_median"] else f" to {_score(high)}"
        if spread:
            answer += (
                f" Pairs with an approximate backend: ARI {_score(low['ari_median'])}{spread} (lowest: "
                f"`{low['backend_b']}` vs `{low['backend_a']}`)."
            )
        else:
            answer += (
                f" Every pair with an approximate backend: ARI {_score(low['ari_median'])} (median), "
                f"{_score(approximate['ari_min'].min())} at worst."
            )
    shared = bool(at_k["same_start"].all())
    lines = [
        f"### Do the backends agree at k = {k}",
        "",
        *_table(["pair (b vs a)", "inertia b vs a", "ARI, median", "ARI, min", "matched agreement, median",
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
    parted = agree[both & (agree["k"] != k) & (agree["ari_min"] < SAME_PARTITION_ARI)]
    if parted.empty:
        return ""
    worst = parted.loc[parted["ari_min"].idxmin()]
    ks = ", ".join(str(int(v)) for v in sorted(parted["k"].unique()))
    return (
        f" At k = {ks}, exact backends parted at some init (worst: `{worst['backend_b']}` vs "
        f"`{worst['backend_a']}` at k = {int(worst['k'])}, ARI {_score(worst['ari_min'])}): a float near-tie in one "
        "assignment step is enough."
    )


def files(name: str, inputs: dict, base: Path) -> list[str]:
    """The dataset's result files, grouped: the dataset's own, then one line per file name kept
    per backend (in the backend's folder), linked by backend."""
    folder = Path(paths.fmt(paths.TIMING, dataset=name)).parent
    own, per_backend = [], {}
    for path in map(Path, inputs["files"]):
        if path.parent == folder:
            own.append(path)
        else:
            per_backend.setdefault(path.name, []).append(path)

    def link(text, path):
        return f"[{text}]({path.relative_to(base)})"

    lines = ["### Files", "", "- this dataset: " + " · ".join(link(p.name, p) for p in own)]
    lines += [f"- {file}: " + " · ".join(link(p.parent.name, p) for p in group) for file, group in per_backend.items()]
    return lines + [""]


def dataset_section(name: str, inputs: dict, base: Path) -> str:
    """Markdown for one dataset. ``inputs`` holds the loaded report files of that dataset: meta,
    reference (the reference backend's name), exact (backend -> whether it computes exact Lloyd),
    elbows (backend -> elbow.json), quality (backend -> quality.csv frame; labelled data only),
    timing, pareto, agreement (by k; absent with one backend), and ``files``: the paths to link."""
    meta = inputs["meta"]
    k, why = shown_k(inputs)
    steps = ", ".join(s["step"] for s in meta["preprocessing"]) or "none"
    labels = f"{meta['n_label_classes']} label classes" if meta["has_labels"] else "no labels"
    clusters_answer, clusters = how_many_clusters(inputs)
    good_answer, good = how_good(inputs, k)
    fast_answer, fast = fastest(inputs, k)
    agree_answer, agree = agreement(inputs, k)
    answers = [f"- **How many clusters:** {clusters_answer}"]
    if good_answer:
        answers.append(f"- **How good:** {good_answer}")
    answers.append(f"- **Fastest:** {fast_answer}")
    if agree_answer:
        answers.append(f"- **Do the backends agree:** {agree_answer}")
    out = [
        f"## Dataset `{name}`",
        "",
        f"Source `{meta['source']}`: {meta['shape'][0]} points x {meta['shape'][1]} features after preprocessing "
        f"({steps}), {meta['n_distinct_points']} distinct; {labels}. Reference backend: `{inputs['reference']}`.",
        "",
        *answers,
        "",
        f"The tables are at k = {k}, {why}; the CSV files have every k.",
        "",
        *clusters,
        *good,
        *fast,
        *within_budget(inputs),
        *agree,
        *files(name, inputs, base),
    ]
    return "\n".join(out)


def summary_markdown(config: dict, sections: list[str], provenance: dict) -> str:
    head = [
        "# kmeans-study summary",
        "",
        f"{len(config['datasets'])} dataset(s), backends {', '.join(f'`{b}`' for b in config['backends'])}, "
        f"{provenance['n_inits']} inits per k from shared k-means++ starts; stopping rule: max_iter "
        f"{config['fit']['max_iter']}, tol {config['fit']['tol']}. Provenance at the end.",
        "",
    ]
    tail = [
        "## Provenance",
        "",
        f"Config SHA-256 `{provenance['config_sha256']}` (full record: `provenance.json`).",
        "",
        "Data checksums (SHA-256 of the prepared float32 array):",
        "",
        *[f"- `{name}`: `{digest}`" for name, digest in provenance["data_sha256"].items()],
        "",
        "Library versions: " + ", ".join(f"{k} {v}" for k, v in sorted(provenance["versions"].items())) + ".",
        "",
    ]
    return "\n".join(head + sections + tail)
