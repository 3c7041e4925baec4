"""The study's reports, computed from result files only: confusion pivots and cluster quality,
timing, agreement between backends, and the summary with provenance."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations

import numpy as np
import pandas as pd

from kmeans_study import io
from kmeans_study.aggregate.labelings import agreement, confusion_pivot, contingency, quality

BENCHMARK_MEMORY = "max_rss"


def confusion_and_quality(
    labels: np.ndarray, label_names: list[str] | None, best: pd.DataFrame,
    fit_labels: Mapping[tuple[int, int], np.ndarray],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """For every k, the best init's label x cluster counts and its quality against the labels,
    both from one contingency table (labels and clusters read in chunks: memory maps stay on disk).

    labels : (n,) int true labels; best : best_init table (k, best_init_id, inertia_best);
    fit_labels : (k, init_id) -> (n,) int clusters. Returns (confusion, quality). confusion has
    columns k, best_init_id, label, cluster_0 .. cluster_{max k - 1} (empty where a k has fewer
    clusters); quality has one row per k.
    """
    blocks, rows = [], []
    for k, init_id, inertia in best[["k", "best_init_id", "inertia_best"]].itertuples(index=False):
        table = contingency(labels, fit_labels[(int(k), int(init_id))], n_b=int(k))
        pivot = confusion_pivot(table, label_names).reset_index()
        pivot.insert(0, "best_init_id", int(init_id))
        pivot.insert(0, "k", int(k))
        blocks.append(pivot)
        rows.append({"k": int(k), "best_init_id": int(init_id), "inertia": inertia, **quality(table)})
    confusion = pd.concat(blocks, ignore_index=True)
    cluster_columns = sorted((c for c in confusion.columns if c.startswith("cluster_")), key=lambda c: int(c[8:]))
    confusion = confusion[["k", "best_init_id", "label", *cluster_columns]]
    confusion = confusion.astype({c: "Int64" for c in cluster_columns})
    return confusion, pd.DataFrame(rows)


def read_benchmark(path) -> dict[str, float]:
    """Snakemake's benchmark of one job: its wall seconds (process start, imports, loading, the
    fit(s), evaluation and writing) and ``max_rss``, the largest sum of resident memory over the
    job's process tree (the shell and the script's Python process) among Snakemake's samples: one
    at the start, then every 0.5 s for 15 s and every 30 s after (snakemake/benchmark.py), so a
    lower bound that misses peaks between samples."""
    table = io.read_csv(path, sep="\t")
    return {"job_wall_s": float(table["s"].iloc[-1]), "job_sampled_rss_mb": float(table[BENCHMARK_MEMORY].iloc[-1])}


# A fit this short measures the cost of a call (Python, argument checks, thread pools, allocation,
# a copy of the data), not the algorithm: its time per iteration is mostly that cost spread over
# the iterations, and a speedup between two such fits says nothing about the algorithms. A few
# iterations are enough to time when they take long (large k: 4 iterations of 0.5 s and more).
SHORT_FIT_S = 0.05
FEW_ITERATIONS = 5
FEW_ITERATIONS_S = 0.5
FIXED_COST_RULE = (
    f"median fit under {SHORT_FIT_S * 1e3:g} ms, or under {FEW_ITERATIONS} iterations and {FEW_ITERATIONS_S:g} s"
)


def fixed_cost_dominated(fit_wall_s, n_iter):
    """Whether fits of median wall time ``fit_wall_s`` (s) and median iterations ``n_iter`` are
    too short to time the algorithm (FIXED_COST_RULE). Scalars or aligned Series."""
    return (fit_wall_s < SHORT_FIT_S) | ((n_iter < FEW_ITERATIONS) & (fit_wall_s < FEW_ITERATIONS_S))


def timing_table(records: pd.DataFrame, jobs: list[dict], reference: str) -> pd.DataFrame:
    """Per backend and k, over inits: fit time (median, min, max), iterations, seconds per
    iteration, whether those are fixed-cost dominated, speedup against ``reference`` (ratio of
    median fit times), the jobs behind the fits, peak memory, what the backend trained on and the
    BLAS kernels it ran with.

    records : load_records() rows; jobs : one dict per record, same order: ``job`` (its job's
    benchmark path, shared by the fits of a per-k job) and read_benchmark()'s fields.

    Columns beyond the names: ``fit_time_attributed`` is true where a per-k job fitted all inits
    together and each init's fit time is its share of the job's by iterations; ``fits_per_job``
    and ``job_wall_s_per_fit`` (the jobs' wall seconds summed, over the fits they ran) compare what
    the jobs cost, startup included; ``fit_process_peak_rss_mb`` is the largest of the fit
    processes' own peaks (runtime.peak_rss_mb: interpreter, imported libraries, the pages of the
    memory-mapped data they touched, the fit's arrays); ``job_sampled_rss_mb`` the largest of
    Snakemake's sampled peaks (see read_benchmark).
    """
    frame = pd.concat([records.reset_index(drop=True), pd.DataFrame(jobs)], axis=1)
    frame["s_per_iter"] = frame["fit_wall_s"] / frame["n_iter"]
    frame["fits_in_job"] = frame.groupby("job")["job"].transform("size")
    grouped = frame.groupby(["backend", "k"], sort=True)
    table = grouped.agg(
        n_inits=("init_id", "size"),
        fit_wall_s_median=("fit_wall_s", "median"),
        fit_wall_s_min=("fit_wall_s", "min"),
        fit_wall_s_max=("fit_wall_s", "max"),
        fit_time_attributed=("fit_time_attributed", "all"),
        fit_cpu_s_median=("fit_cpu_s", "median"),
        n_iter_median=("n_iter", "median"),
        s_per_iter_median=("s_per_iter", "median"),
        inertia_best=("inertia", "min"),
        n_jobs=("job", "nunique"),
        fits_per_job=("fits_in_job", "max"),
        fit_process_peak_rss_mb=("peak_rss_mb", "max"),
        job_sampled_rss_mb=("job_sampled_rss_mb", "max"),
        data_mb=("data_mb", "max"),
        threads=("threads", "max"),
        points_used=("points_used", "max"),
        n_points=("n_points", "max"),
        blas=("blas", "first"),
    ).reset_index()
    job_seconds = (
        frame.drop_duplicates("job").groupby(["backend", "k"])["job_wall_s"]
        .agg(job_wall_s_median="median", job_wall_s_total="sum").reset_index()
    )
    table = table.merge(job_seconds, on=["backend", "k"], how="left", validate="one_to_one")
    table["job_wall_s_per_fit"] = table.pop("job_wall_s_total") / table["n_inits"]
    table["fixed_cost_dominated"] = fixed_cost_dominated(table["fit_wall_s_median"], table["n_iter_median"])
    ref_time = table[table["backend"] == reference].set_index("k")["fit_wall_s_median"]
    table["speedup_vs_reference"] = table["k"].map(ref_time) / table["fit_wall_s_median"]
    table["reference"] = reference
    return table


def agreement_tables(
    records: pd.DataFrame,
    fit_labels: Mapping[tuple[str, int, int], np.ndarray],
    elbows: dict[str, dict],
    pairs: list[tuple[str, str]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Agreement between pairs of backends (``pairs``, default every pair), for every k and init
    they both ran.

    records : load_records() rows of every backend of one dataset; fit_labels : (backend, k,
    init_id) -> (n,) int clusters (read in chunks); elbows : backend -> elbow.json content, in the
    config's backend order: pairs follow that order, so with sklearn first every ratio is against
    sklearn.
    Returns (by_init, by_k, elbow_agreement): by_init has one row per (k, init_id, pair) with the
    inertia ratio (b / a), ARI, matched agreement (Hungarian) and the unmatched naive agreement;
    by_k summarises over inits (median, min); elbow_agreement compares the picks per pair
    (``agree`` is None where a backend has no elbow by that method: two missing elbows are no
    agreement).
    """
    indexed = records.set_index(["backend", "k", "init_id"])
    pairs = list(combinations(elbows, 2)) if pairs is None else [tuple(p) for p in pairs]
    rows = []
    for a, b in pairs:
        for (k, init_id) in sorted(set(indexed.loc[a].index) & set(indexed.loc[b].index)):
            ra, rb = indexed.loc[(a, k, init_id)], indexed.loc[(b, k, init_id)]
            rows.append(
                {
                    "k": int(k),
                    "init_id": int(init_id),
                    "backend_a": a,
                    "backend_b": b,
                    "same_start": ra["init"] == "shared" and rb["init"] == "shared",
                    "inertia_ratio": rb["inertia"] / ra["inertia"],
                    **agreement(fit_labels[(a, k, init_id)], fit_labels[(b, k, init_id)]),
                }
            )
    by_init = pd.DataFrame(rows)
    by_k = (
        by_init.groupby(["backend_a", "backend_b", "k"], sort=False)
        .agg(
            n_inits=("init_id", "size"),
            same_start=("same_start", "all"),
            inertia_ratio_median=("inertia_ratio", "median"),
            inertia_ratio_max=("inertia_ratio", "max"),
            ari_median=("ari", "median"),
            ari_min=("ari", "min"),
            matched_agreement_median=("matched_agreement", "median"),
            matched_agreement_min=("matched_agreement", "min"),
            naive_agreement_unmatched_median=("naive_agreement_unmatched", "median"),
        )
        .reset_index()
    )
    elbow_rows = []
    for a, b in pairs:
        for method in ("two_line", "kneedle"):
            ka, kb = elbows[a][method]["k"], elbows[b][method]["k"]
            elbow_rows.append({"backend_a": a, "backend_b": b, "method": method, "k_a": ka, "k_b": kb,
                               "agree": None if ka is None or kb is None else ka == kb})
    return by_init, by_k, pd.DataFrame(elbow_rows)
