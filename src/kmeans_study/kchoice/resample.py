"""The elbow's uncertainty over the inits already computed.

Each resample takes, at every k, the best (lowest inertia) of a random subset of the inits and
picks the elbow of that curve again; the distribution of the picks over many resamples says how
much the elbow depends on which starts happened to be run. The subsets are drawn from one seed
per dataset, so every backend is resampled with the same init ids (whose starts it shares).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from kmeans_study.aggregate.elbow import kneedle_picks, two_line_picks


def inertia_matrix(records: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """ks (K,) sorted and the inertia of every init (K, n_inits) float64, columns by init id,
    from one backend's fit records (columns k, init_id, inertia)."""
    table = records.pivot(index="k", columns="init_id", values="inertia").sort_index().sort_index(axis=1)
    if table.isna().any().any():
        raise ValueError("every k needs a fit of every init id to be resampled")
    return table.index.to_numpy(dtype=int), table.to_numpy(dtype=np.float64)


def subset_size(n_inits: int, fraction: float) -> int:
    return max(1, round(fraction * n_inits))


def resampled_curves(inertia: np.ndarray, resamples: int, fraction: float, seed: int) -> np.ndarray:
    """(resamples, K) curves: at every k, the lowest inertia of a random ``subset_size`` of the
    inits (inertia : (K, n_inits)), drawn without replacement, independently per k, from
    ``numpy.random.default_rng(seed)``."""
    n_k, n_inits = inertia.shape
    chosen = np.argsort(np.random.default_rng(seed).random((resamples, n_k, n_inits)), axis=2)
    chosen = chosen[:, :, : subset_size(n_inits, fraction)]
    return np.take_along_axis(np.broadcast_to(inertia, (resamples, n_k, n_inits)), chosen, axis=2).min(axis=2)


def shares(picks) -> dict[str, float]:
    """Share of each pick (a k, or None: no elbow found), keyed by the k as a string or "none"
    (JSON keys: k_choice.json stores them sorted as strings)."""
    counts = Counter("none" if p is None else str(int(p)) for p in picks)
    return {key: count / len(picks) for key, count in counts.items()}


def modal(pick_shares: dict[str, float]) -> tuple[str, float]:
    """The most frequent pick and its share (on a tie, the first in k order, "none" last)."""
    order = sorted(pick_shares, key=lambda key: (-pick_shares[key], key == "none", int(key) if key != "none" else 0))
    return order[0], pick_shares[order[0]]


def resampled_picks(records: pd.DataFrame, resamples: int, fraction: float, seed: int) -> dict:
    """The two-line elbow's and kneedle's pick on every resampled curve of one backend's fits:
    {"resamples", "subset_size", "n_inits", "two_line": shares, "kneedle": shares}."""
    ks, inertia = inertia_matrix(records)
    curves = resampled_curves(inertia, resamples, fraction, seed)
    return {
        "resamples": resamples,
        "subset_size": subset_size(inertia.shape[1], fraction),
        "n_inits": int(inertia.shape[1]),
        "two_line": shares(two_line_picks(ks, curves).tolist() or [None] * resamples),
        "kneedle": shares(kneedle_picks(ks, curves)),
    }
