"""Which bounds to prune with, by counting: along one init's exact Lloyd trajectory per k, the
point-centroid distances that Hamerly's bounds (one lower bound per point, as the engine keeps
them) and Elkan's (one lower bound per point and centroid) leave to compute, beside the measured
cost of a distance on each path. Yinyang's bounds with the paper's k / 10 groups are Hamerly's at
k < 20.
"""

from __future__ import annotations

import numpy as np

from benchmarks.common import params_of, shared_starts


def bound_counts(X: np.ndarray, init: np.ndarray, max_iter: int, tol_abs: float) -> dict:
    """Exact Lloyd from ``init`` (float64 distances, the core's update and stopping rule), and
    per pass after the first the distances each bound family must compute: Hamerly (a point
    whose bound test fails has its upper bound tightened, 1 distance, then if it still fails is
    scored against all k) and Elkan (per centroid: tighten once, then each centroid whose own
    lower bound and half-gap do not exclude it; counted against the point's previous centroid
    throughout, which overstates Elkan's work a little: Elkan moves to a nearer centroid found on
    the way and tests the rest against it)."""
    from kmeans_study.lloyd.core import centre_shift, new_centres, stop_reason

    X64 = X.astype(np.float64)
    n, k = X.shape[0], init.shape[0]
    C = init.astype(np.float32)
    counts = {"hamerly": 0, "elkan": 0, "unpruned": 0}
    labels = upper = lower = lower_each = previous = None
    sums, sizes = np.zeros((k, X.shape[1])), np.zeros(k, dtype=np.int64)
    rows = np.arange(n)
    for iteration in range(1, max_iter + 1):
        C64 = C.astype(np.float64)
        dist = np.sqrt(np.maximum((X64**2).sum(1)[:, None] - 2 * X64 @ C64.T + (C64**2).sum(1)[None], 0))
        new = dist.argmin(1)
        gaps = np.sqrt(((C64[:, None] - C64[None]) ** 2).sum(-1))
        np.fill_diagonal(gaps, np.inf)
        half = gaps.min(1) / 2
        if labels is not None:
            counts["unpruned"] += n * k
            drift = np.sqrt(((C64 - previous) ** 2).sum(1))
            others = np.array([np.delete(drift, a).max() if k > 1 else 0.0 for a in range(k)])
            # Hamerly
            u, low = upper + drift[labels], lower - others[labels]
            failed = u >= np.maximum(low, half[labels])
            tight = dist[rows, labels]
            still = failed & (tight >= np.maximum(low, half[labels]))
            counts["hamerly"] += int(failed.sum() + still.sum() * k)
            # Elkan
            u, each = upper + drift[labels], lower_each - drift[None, :]
            settled = u <= half[labels]
            tightened = np.zeros(n, dtype=bool)
            for c in range(k):
                check = ~settled & (labels != c) & (u > each[:, c]) & (u > gaps[labels, c] / 2)
                first = check & ~tightened
                counts["elkan"] += int(first.sum())
                u = np.where(first, dist[rows, labels], u)
                tightened |= first
                check &= (u > each[:, c]) & (u > gaps[labels, c] / 2)
                counts["elkan"] += int(check.sum())
        # The next pass's bounds, as an exact pass leaves them (distances of the new labels).
        own = dist[rows, new]
        rest = dist.copy()
        rest[rows, new] = np.inf
        upper, lower, lower_each = own, rest.min(1), dist
        old = np.full(n, -1) if labels is None else labels
        moved = old != new
        for a, b, x in zip(old[moved], new[moved], X64[moved]):
            sums[b] += x
            sizes[b] += 1
            if a >= 0:
                sums[a] -= x
                sizes[a] -= 1
        labels, previous = new, C64
        C_new, _ = new_centres(X, labels, C, sums, sizes)
        stop = stop_reason(bool(moved.any()), centre_shift(C_new, C), tol_abs, iteration, max_iter)
        C = C_new
        if stop:
            break
    return {**counts, "n_iter": iteration}


def bounds(X_path: str, name: str, ks: list[int]) -> dict:
    """``bound_counts`` for init 0 of each k."""
    from kmeans_study.lloyd.core import absolute_tol

    X = np.load(X_path)
    fit = params_of("fused")
    out = {}
    for k in ks:
        counts = bound_counts(X, shared_starts(X_path, name, k)[0], fit["max_iter"], absolute_tol(X, fit["tol"]))
        out[k] = counts
        print(f"   k={k:2d} ({counts['n_iter']:3d} passes): distances left, share of unpruned: Hamerly "
              f"{counts['hamerly'] / counts['unpruned']:.1%}, Elkan {counts['elkan'] / counts['unpruned']:.1%}",
              flush=True)
    return out


def run(X_path: str, name: str, ks: list[int]) -> dict:
    """``bounds``, printed per k as it goes."""
    print(f"\n== {name}: distances left to compute by each family of bounds "
          "(init 0 per k, after the first pass)")
    return bounds(X_path, name, ks)
