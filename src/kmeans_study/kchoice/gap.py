"""The gap statistic (Tibshirani, Walther & Hastie 2001) with its reference (b): data drawn
uniformly over the box of the data's principal components.

Gap(k) = mean_b log W*_kb - log W_k, where W_k is the inertia (within-cluster sum of squares,
which is Tibshirani's pooled within-cluster dispersion) of the data's fit at k and W*_kb that of
reference dataset b's fit, each the best of as many k-means++ starts. sd_k is the standard
deviation of log W*_kb over b (ddof 0) and s_k = sd_k sqrt(1 + 1/B). Tibshirani's rule picks the
smallest k with Gap(k) >= Gap(k') - s_k', k' the next k of the range.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kmeans_study.io import chunks
from kmeans_study.runtime import Progress

# The box's mean and scatter matrix are float64 sums of per-block sums over blocks of this many
# rows: part of the reference data's definition, not a reading size. Another block changes the
# sums' last bits, and with them the references: of mnist5k entirely (its principal axes are
# nearly degenerate, so rounding turns them), of blobs a few values.
BOX_BLOCK_ROWS = 8192


def principal_box(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The data's mean (d,), principal axes V (d, d) as columns, and the lowest and highest
    coordinate of the centred data along each axis (d,), all float64. X : (n, d), memory-mapped
    is fine: read in chunks, V from the eigenvectors of the scatter matrix (d x d), the SVD's
    right singular vectors."""
    n, d = X.shape
    blocks = chunks(n, BOX_BLOCK_ROWS)
    mean = sum(np.asarray(X[c], dtype=np.float64).sum(axis=0) for c in blocks) / n
    scatter = np.zeros((d, d))
    for c in blocks:
        centred = np.asarray(X[c], dtype=np.float64) - mean
        scatter += centred.T @ centred
    _, V = np.linalg.eigh(scatter)
    low, high = np.full(d, np.inf), np.full(d, -np.inf)
    for c in chunks(n):
        projected = (np.asarray(X[c], dtype=np.float64) - mean) @ V
        low, high = np.minimum(low, projected.min(axis=0)), np.maximum(high, projected.max(axis=0))
    return mean, V, low, high


def gap_rows(n: int, size: int, seed: int) -> np.ndarray | None:
    """Sorted row indices of the gap statistic's sample of data of n points: ``size`` of them
    drawn without replacement with ``seed``, or None when the data has at most ``size`` points
    (it is used whole)."""
    if n <= size:
        return None
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


def reference_data(box: tuple, n: int, seed: int) -> np.ndarray:
    """One reference dataset: n points uniform in the principal box (``principal_box``), rotated
    back and moved to the data's mean. Returns (n, d) float32, drawn chunk by chunk from
    ``numpy.random.default_rng(seed)``."""
    mean, V, low, high = box
    rng = np.random.default_rng(seed)
    out = np.empty((n, len(mean)), dtype=np.float32)
    for c in chunks(n):
        uniform = low + (high - low) * rng.random((c.stop - c.start, len(mean)))
        out[c] = uniform @ V.T + mean
    return out


def gap_table(ks, data_inertia, reference_inertia) -> pd.DataFrame:
    """Gap(k) and s_k. ks : (K,); data_inertia : (K,) W_k; reference_inertia : (K, B) W*_kb.

    Columns: k, log_w (log W_k), log_w_ref_mean (mean_b log W*_kb), gap, sd (ddof 0), s (sd_k
    sqrt(1 + 1/B)), references (B); sorted by k."""
    order = np.argsort(ks)
    logs = np.log(np.asarray(reference_inertia, dtype=np.float64)[order])
    log_w = np.log(np.asarray(data_inertia, dtype=np.float64)[order])
    n_refs = logs.shape[1]
    sd = logs.std(axis=1, ddof=0)
    return pd.DataFrame(
        {
            "k": np.asarray(ks)[order].astype(int),
            "log_w": log_w,
            "log_w_ref_mean": logs.mean(axis=1),
            "gap": logs.mean(axis=1) - log_w,
            "sd": sd,
            "s": sd * np.sqrt(1 + 1 / n_refs),
            "references": n_refs,
        }
    )


def tibshirani_pick(table: pd.DataFrame) -> tuple[int, float | None]:
    """Tibshirani's rule on ``gap_table``: the smallest k with Gap(k) >= Gap(k') - s_k' (k' the
    next k), and its slack Gap(k) - Gap(k') + s_k' (>= 0). When no k of the range meets it, the
    gap still rises at the end: the last k, with no slack (the best k may lie beyond the range)."""
    gap, s, ks = table["gap"].to_numpy(), table["s"].to_numpy(), table["k"].to_numpy()
    for i in range(len(ks) - 1):
        slack = gap[i] - gap[i + 1] + s[i + 1]
        if slack >= 0:
            return int(ks[i]), float(slack)
    return int(ks[-1]), None


def fit_references(references: dict[int, np.ndarray], *, k: int, seeds: dict[int, dict[int, int]], backend: str,
                   base_backend: str, params: dict, threads: int, dataset: str) -> dict[int, dict]:
    """Fit every reference dataset at k from its own k-means++ starts with the study's machinery
    (``kmeans_plusplus_many``, ``run_fit``). references : ref -> (n, d) float32; seeds : ref ->
    {init id -> seed}. Returns ref -> record: the best inertia and one entry per init (seed,
    inertia, iterations, convergence, fit times)."""
    from kmeans_study.backends.run import run_fit
    from kmeans_study.lloyd.starts import kmeans_plusplus_many

    records = {}
    progress = Progress()
    for b, (ref, X) in enumerate(references.items(), start=1):
        ids = sorted(seeds[ref])
        with progress.within("reference %d of %d", b, len(references)):
            starts = kmeans_plusplus_many(X, k, [seeds[ref][i] for i in ids])
            fits = []
            for init_id, start in zip(ids, starts):
                _, _, record = run_fit(
                    X, start, backend=backend, params=params, k=k, seed=seeds[ref][init_id], threads=threads,
                    dataset=f"{dataset}/gap{ref}", init_id=init_id, base_backend=base_backend,
                )
                fits.append({key: record[key] for key in ("init_id", "seed", "inertia", "n_iter", "converged",
                                                          "fit_wall_s", "fit_cpu_s")})
        records[ref] = {
            "dataset": dataset, "ref": ref, "k": k, "backend": backend, "n_points": int(X.shape[0]),
            "inertia": min(f["inertia"] for f in fits), "inits": fits,
        }
    return records
