"""Realistic result tables without running a study: fit records shaped like load_records() rows,
with the times, iterations and inertia gaps the default study and the large-k study show, passed
through the project's own table functions (timing, Pareto, agreement, best init, elbow)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kmeans_study.aggregate.best_init import best_init_table
from kmeans_study.aggregate.elbow import elbow_summary, two_line_scores
from kmeans_study.aggregate.pareto import pareto_table
from kmeans_study.aggregate.reports import agreement_tables, timing_table

N_POINTS = 400

# backend -> (fit seconds at k=10, iterations, inertia gap to the reference, share of labels moved)
DEFAULT_STUDY = {
    "sklearn": (0.30, 40, 0.0, 0.0),
    "faiss": (0.20, 40, 1e-9, 0.0),
    "faiss_sampled": (0.05, 20, 0.012, 0.3),
    "fused": (0.03, 40, 0.0, 0.0),
}
# blobs: exact fits converge in 2-3 iterations and take milliseconds
BLOBS = {
    "sklearn": (0.012, 2, 0.0, 0.0),
    "faiss": (0.004, 2, 0.0, 0.0),
    "faiss_sampled": (0.002, 20, 0.0, 0.0),
    "fused": (0.001, 2, 0.0, 0.0),
}


def large_k_backends() -> dict:
    """20 backends the way large_k.yaml's grid names them, with gaps from 0 to a few percent."""
    rng = np.random.default_rng(7)
    names = ["faiss", "hybrid"]
    names += [f"restricted-candidates{c}-refresh{r}-lists_every{e}" for c in (16, 64) for r in (0, 10) for e in (1, 5)]
    names += [f"bounded-candidates{c}" for c in (16, 64)]
    names += [f"faiss_ivf-nlist{n}-nprobe{p}" for n in (64, 256) for p in (4, 16)]
    names += [f"faiss_hnsw-efSearch{e}" for e in (16, 64)]
    names += ["faiss_sampled", "sklearn"]
    table = {}
    for name in names:
        exact = name.split("-")[0] in ("faiss", "bounded", "sklearn") and name != "faiss_sampled"
        gap = 0.0 if exact else float(10 ** rng.uniform(-5, -1.3))
        table[name] = (float(10 ** rng.uniform(-0.5, 1.5)), int(rng.integers(20, 100)), gap, 0.0 if exact else 0.2)
    return table


def fit_records(backends: dict, ks, inits: int, attributed=("fused",), seed: int = 0) -> pd.DataFrame:
    """load_records()-shaped rows: inertia per (k, init) shared by exact backends (plus the
    backend's gap), times growing with k."""
    rng = np.random.default_rng(seed)
    base = {(k, i): 4e6 * (1 - 0.25 * np.log(k / min(ks)) / np.log(max(ks) / min(ks) + 1)) * (1 + 0.01 * rng.random())
            for k in ks for i in range(inits)}
    rows = []
    for backend, (seconds, n_iter, gap, _) in backends.items():
        for k in ks:
            for i in range(inits):
                wall = seconds * (k / 10) * (1 + 0.2 * rng.random())
                rows.append({
                    "dataset": "d", "backend": backend, "k": k, "init_id": i, "init": "shared",
                    "inertia": base[(k, i)] * (1 + gap), "n_iter": n_iter + int(rng.integers(0, 2)), "converged": True,
                    "fit_wall_s": wall, "fit_cpu_s": wall, "threads": 1, "n_points": N_POINTS,
                    "peak_rss_mb": 180 + 20 * rng.random(), "data_mb": 15.7,
                    "points_used": min(N_POINTS, 256 * k) if backend == "faiss_sampled" else N_POINTS,
                    "blas": "openblas 0.3.31 Haswell", "own_assignment_exact_fraction": None if gap == 0 else 0.97,
                    "assignment": "exact", "fit_time_attributed": backend in attributed, "record_path": "",
                })
    return pd.DataFrame(rows)


def fit_labels(records: pd.DataFrame, backends: dict, seed: int = 1) -> dict:
    rng = np.random.default_rng(seed)
    truth = {key: rng.integers(0, key[0], N_POINTS) for key in set(zip(records["k"], records["init_id"]))}
    labels = {}
    for backend, k, init_id in zip(records["backend"], records["k"], records["init_id"]):
        moved = rng.random(N_POINTS) < backends[backend][3]
        labels[(backend, k, init_id)] = np.where(moved, rng.integers(0, k, N_POINTS), truth[(k, init_id)])
    return labels


def study_tables(backends: dict, ks, inits: int, reference: str, pairs=None, budget: float = 0.005) -> dict:
    """Every table a report reads, computed by the project's functions from fake records."""
    records = fit_records(backends, ks, inits)
    per_k = records["fit_time_attributed"]
    jobs = [
        {"job": f"{b}/k{k}" if attributed else f"{b}/k{k}/init{i}",
         "job_wall_s": 1.5 + (3.0 if attributed else 0.0), "job_sampled_rss_mb": 150.0}
        for b, k, i, attributed in zip(records["backend"], records["k"], records["init_id"], per_k)
    ]
    best = {b: best_init_table(records[records["backend"] == b]) for b in backends}
    elbows = {b: elbow_summary(t["k"], t["inertia_best"]) for b, t in best.items()}
    by_init, by_k, _ = agreement_tables(records, fit_labels(records, backends), elbows, pairs)
    return {
        "records": records,
        "timing": timing_table(records, jobs, reference),
        "pareto": pareto_table(records, by_init, reference, budget),
        "agreement": by_k,
        "best": best,
        "elbows": elbows,
        "scores": {b: two_line_scores(t["k"], t["inertia_best"]) for b, t in best.items()},
    }
