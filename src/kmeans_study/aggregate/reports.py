"""The study's reports, computed from result files only: confusion pivots and cluster quality,
timing, agreement between backends, and the summary with provenance."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from kmeans_study import io
from kmeans_study.aggregate.labelings import agreement, confusion_pivot, quality

BENCHMARK_MEMORY = "max_rss"


def confusion_and_quality(
    labels: np.ndarray, label_names: list[str] | None, best: pd.DataFrame, fit_labels: dict[tuple[int, int], np.ndarray]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """For every k, the best init's label x cluster counts and its quality against the labels.

    best : best_init table (k, best_init_id, inertia_best); fit_labels : (k, init_id) -> clusters.
    Returns (confusion, quality). confusion has columns k, best_init_id, label, cluster_0 ..
    cluster_{max k - 1} (empty where a k has fewer clusters); quality has one row per k.
    """
    blocks, rows = [], []
    for k, init_id, inertia in best[["k", "best_init_id", "inertia_best"]].itertuples(index=False):
        clusters = fit_labels[(int(k), int(init_id))]
        pivot = confusion_pivot(labels, clusters, int(k), label_names).reset_index()
        pivot.insert(0, "best_init_id", int(init_id))
        pivot.insert(0, "k", int(k))
        blocks.append(pivot)
        rows.append({"k": int(k), "best_init_id": int(init_id), "inertia": inertia, **quality(labels, clusters)})
    confusion = pd.concat(blocks, ignore_index=True)
    cluster_columns = sorted((c for c in confusion.columns if c.startswith("cluster_")), key=lambda c: int(c[8:]))
    confusion = confusion[["k", "best_init_id", "label", *cluster_columns]].astype({c: "Int64" for c in cluster_columns})
    return confusion, pd.DataFrame(rows)


def read_benchmark(path) -> dict[str, float]:
    """Snakemake benchmark file: wall seconds and peak resident memory (MB) of the whole job, as
    Snakemake sampled it (a job shorter than the sampling interval may show too little)."""
    table = io.read_csv(path, sep="\t")
    return {"job_wall_s": float(table["s"].iloc[-1]), "benchmark_rss_mb": float(table[BENCHMARK_MEMORY].iloc[-1])}


def timing_table(records: pd.DataFrame, benchmarks: list[dict]) -> pd.DataFrame:
    """Per backend and k, over inits: fit time (median, min, max), iterations, seconds per
    iteration, speedup against sklearn (ratio of median fit times), peak memory (the fit process's
    own peak RSS from getrusage, and the Snakemake benchmark's sampled peak), what the backend
    trained on and the BLAS kernels it ran with.

    records : load_records() rows; benchmarks : read_benchmark() of each record's job, same order.
    """
    frame = pd.concat([records.reset_index(drop=True), pd.DataFrame(benchmarks)], axis=1)
    frame["s_per_iter"] = frame["fit_wall_s"] / frame["n_iter"]
    grouped = frame.groupby(["backend", "k"], sort=True)
    table = grouped.agg(
        n_inits=("init_id", "size"),
        fit_wall_s_median=("fit_wall_s", "median"),
        fit_wall_s_min=("fit_wall_s", "min"),
        fit_wall_s_max=("fit_wall_s", "max"),
        fit_cpu_s_median=("fit_cpu_s", "median"),
        n_iter_median=("n_iter", "median"),
        s_per_iter_median=("s_per_iter", "median"),
        inertia_best=("inertia", "min"),
        job_wall_s_median=("job_wall_s", "median"),
        peak_rss_mb_max=("peak_rss_mb", "max"),
        benchmark_rss_mb_max=("benchmark_rss_mb", "max"),
        threads=("threads", "max"),
        points_used=("points_used", "max"),
        n_points=("n_points", "max"),
        blas=("blas", "first"),
    ).reset_index()
    if "sklearn" in set(table["backend"]):
        reference = table[table["backend"] == "sklearn"].set_index("k")["fit_wall_s_median"]
        table["speedup_vs_sklearn"] = table["k"].map(reference) / table["fit_wall_s_median"]
    else:
        table["speedup_vs_sklearn"] = np.nan
    return table


def agreement_tables(
    records: pd.DataFrame,
    fit_labels: dict[tuple[str, int, int], np.ndarray],
    elbows: dict[str, dict],
    pairs: list[tuple[str, str]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Agreement between pairs of backends (``pairs``, default every pair), for every k and init
    they both ran.

    records : load_records() rows of every backend of one dataset; fit_labels : (backend, k,
    init_id) -> clusters; elbows : backend -> elbow.json content, in the config's backend order:
    pairs follow that order, so with sklearn first every ratio is against sklearn.
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
