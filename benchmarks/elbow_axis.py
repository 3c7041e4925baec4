"""Which x the elbow methods find the number of clusters on, over a geometric k range.

Synthetic data with a known number of clusters K (unequal sizes and spreads): Gaussian blobs in 16
dimensions, and embedding-like data on the unit sphere in 64 dimensions. Each is fitted at every
k of a geometric grid by the exact engine (``fused``, k-means++ starts, the best of 2 inits) and
both elbow methods pick a k from the inertia curve, against k and against log k. Prints every
study's picks and, per method and x, in how many studies the pick is K:

    .venv/bin/python -m benchmarks.elbow_axis       # about 10 minutes on 2 cores

docs/choosing_k.md quotes the counts (the study's rule, ``kmeans_study.aggregate.elbow``: the
two-line method on k, kneedle on log k on a geometric range).
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from kmeans_study.aggregate.elbow import cut_r2, kneedle_picks, two_line_picks
from kmeans_study.backends.run import run_fused
from kmeans_study.lloyd.starts import kmeans_plusplus_many

PARAMS = {"max_iter": 300, "tol": 1e-4, "init": "shared"}
N_POINTS = 6000
INITS = 2
# (grid, the numbers of clusters K tried on it); every K has at least two grid points each side
STUDIES = (
    ([2, 4, 8, 16, 32, 64, 128, 256, 512], [8, 16, 32, 64, 128]),
    ([16, 32, 64, 128, 256, 512], [32, 64, 128]),
    ([16, 32, 64, 128, 256, 512, 1024], [32, 64, 128, 256]),
)
FAMILIES = {"blobs d=16": (16, False), "sphere d=64": (64, True)}
SEEDS = (0, 1)


def clustered(K: int, d: int, sphere: bool, rng: np.random.Generator) -> np.ndarray:
    """N_POINTS float32 rows in K clusters of unequal sizes (Dirichlet) and spreads (x0.5..1.5):
    Gaussian blobs whose centres are N(0, 36), or directions on the unit sphere around random
    unit centres."""
    sizes = rng.multinomial(N_POINTS, rng.dirichlet(np.full(K, 2.0)))
    centres = rng.normal(size=(K, d))
    centres = centres / np.linalg.norm(centres, axis=1, keepdims=True) if sphere else 6 * centres
    spreads = rng.uniform(0.5, 1.5, K) * (0.12 if sphere else 1.0)
    X = np.concatenate([c + s * rng.normal(size=(m, d)) for c, s, m in zip(centres, spreads, sizes)])
    if sphere:
        X /= np.linalg.norm(X, axis=1, keepdims=True)
    return np.ascontiguousarray(X, dtype=np.float32)


def inertia_curve(X: np.ndarray, ks: list[int], seed: int) -> np.ndarray:
    """The best of INITS exact fits at every k (float64)."""
    best = []
    for k in ks:
        seeds = [1000 * seed + 10 * k + i for i in range(INITS)]
        fits = run_fused(X, kmeans_plusplus_many(X, k, seeds), backend="fused", params=PARAMS, k=k, seeds=seeds,
                         threads=1, dataset="elbow_axis", init_ids=list(range(INITS)))
        best.append(min(record["inertia"] for _, _, record in fits))
    return np.array(best)


def picks(ks: list[int], curve: np.ndarray) -> dict[str, int | None]:
    """Both methods' picks against k and against log k (the study's own where it uses that x)."""
    from kneed import KneeLocator

    grid = np.asarray(ks)
    left, right = cut_r2(np.log(grid), curve[None, :])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        on_k = KneeLocator(grid, curve, S=1.0, curve="convex", direction="decreasing").knee
    return {
        "two-line on k": int(two_line_picks(grid, curve[None, :])[0]),
        "two-line on log k": int(grid[2 + np.argmax((left + right)[0])]),
        "kneedle on k": None if on_k is None else int(on_k),
        "kneedle on log k": kneedle_picks(grid, curve[None, :])[0],
    }


def main() -> None:
    start = time.perf_counter()
    hits: dict[str, list[bool]] = {}
    for ks, clusters in STUDIES:
        for K in clusters:
            for family, (d, sphere) in FAMILIES.items():
                for seed in SEEDS:
                    X = clustered(K, d, sphere, np.random.default_rng([K, d, seed]))
                    chosen = picks(ks, inertia_curve(X, ks, seed))
                    print(f"k {ks[0]}..{ks[-1]}, K = {K}, {family}, seed {seed}: {chosen}", flush=True)
                    for method, k in chosen.items():
                        hits.setdefault(method, []).append(k == K)
    print(f"\nstudies in which the pick is K ({time.perf_counter() - start:.0f} s):")
    for method, found in hits.items():
        print(f"  {method}: {sum(found)} of {len(found)}")


if __name__ == "__main__":
    main()
