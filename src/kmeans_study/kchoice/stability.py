"""Stability of the partition at each k: agreement of the best inits, and subsample stability.

Agreement of the exact backends from the same start is NOT here and is no evidence for k: it
measures the backends, not the data. What is measured is whether different k-means++ starts (or
different subsamples, Ben-Hur, Elisseeff & Guyon 2002) find the same partition.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from kmeans_study.aggregate.labelings import adjusted_rand, contingency


def top_inits(inertia_by_init: dict[int, float], fraction: float) -> list[int]:
    """The init ids with the lowest inertia (ties to the lower id): ``fraction`` of them, at least 2."""
    ranked = sorted(inertia_by_init, key=lambda i: (inertia_by_init[i], i))
    return ranked[: max(2, math.ceil(fraction * len(ranked)))]


def pairwise_ari(labelings: list[np.ndarray]) -> list[float]:
    """Adjusted Rand index of every pair of labelings (each (n,) int, read in chunks), equal to
    scikit-learn's ``adjusted_rand_score``."""
    return [adjusted_rand(contingency(a, b)) for a, b in itertools.combinations(labelings, 2)]


def subsample_pair(X: np.ndarray, *, k: int, fraction: float, seeds: tuple[int, int, int], backend: str,
                   base_backend: str, params: dict, threads: int, dataset: str) -> dict:
    """One pair of Ben-Hur's subsamples at k: two random subsets of ``fraction`` of the rows of X
    (n, d), drawn with seeds[0], each clustered by ``backend`` from its own k-means++ start
    (seeds[1], seeds[2]); the ARI of the two labelings on the rows both subsets hold."""
    from kmeans_study.backends.run import run_fit
    from kmeans_study.lloyd.starts import kmeans_plusplus

    n = X.shape[0]
    size = max(k, round(fraction * n))
    rng = np.random.default_rng(seeds[0])
    rows = [np.sort(rng.choice(n, size, replace=False)) for _ in range(2)]
    shared = np.intersect1d(rows[0], rows[1])
    on_shared = []
    for side, (subset, start_seed) in enumerate(zip(rows, seeds[1:])):
        data = np.ascontiguousarray(X[subset])
        start = kmeans_plusplus(data, k, start_seed)
        _, fitted, _ = run_fit(data, start, backend=backend, params=params, k=k, seed=start_seed, threads=threads,
                               dataset=dataset, init_id=side, base_backend=base_backend)
        on_shared.append(fitted[np.searchsorted(subset, shared)])
    ari = pairwise_ari(on_shared)[0]
    return {"k": k, "seeds": list(seeds), "n_subsample": int(size), "n_shared": int(shared.size), "ari": ari}
