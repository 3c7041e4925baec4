"""The fused backend: all inits of one k in one pass over X per iteration, as scikit-learn's Lloyd."""

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from kmeans_study.backends.run import run_fit, run_fused
from kmeans_study.lloyd.starts import kmeans_plusplus, kmeans_plusplus_many

STOP = {"max_iter": 300, "tol": 1e-4}


@pytest.fixture(scope="module")
def overlapping():
    """Overlapping blobs, so Lloyd takes many iterations and the inits reach different minima."""
    X, _ = make_blobs(n_samples=3000, n_features=16, centers=12, cluster_std=4.0, random_state=7)
    X = (X - X.mean(0)) / X.std(0)
    return np.ascontiguousarray(X, dtype=np.float32)


def test_fused_fits_equal_sklearns_from_the_same_starts(overlapping):
    """Same iterations, same stopping rule, same labels and inertia to float32 rounding, for
    every init (these overlapping blobs have no float32 near-tie on the way)."""
    X, k, ids = overlapping, 9, list(range(8))
    inits = kmeans_plusplus_many(X, k, ids)
    fits = run_fused(X, inits, backend="fused", params=dict(STOP), k=k, seeds=ids, threads=1, dataset="t", init_ids=ids)
    for init, (_, labels, record) in zip(inits, fits):
        _, sk_labels, sk = run_fit(X, init, backend="sklearn", params={"algorithm": "lloyd", **STOP}, k=k,
                                   seed=0, threads=1, dataset="t", init_id=0)
        assert (record["n_iter"], record["details"]["stopped_by"]) == (sk["n_iter"], sk["details"]["stopped_by"])
        np.testing.assert_array_equal(labels, sk_labels)
        assert record["inertia"] == pytest.approx(sk["inertia"], rel=1e-6)
        assert 0 < record["details"]["distances_skipped_share"] < 1
    assert len({round(r["inertia"], 3) for _, _, r in fits}) > 1  # different starts, different fits


def test_run_fused_writes_the_records_run_fit_writes(overlapping):
    X, k, ids = overlapping, 5, [0, 1, 2]
    inits = kmeans_plusplus_many(X, k, ids)
    fused = run_fused(
        X, inits, backend="fused", params=dict(STOP), k=k, seeds=[10, 11, 12], threads=2, dataset="t", init_ids=ids
    )
    for init_id, init, (centroids, labels, record) in zip(ids, inits, fused):
        single_c, single_l, single = run_fit(
            X, init, backend="fused", params=dict(STOP), k=k, seed=10 + init_id, threads=2, dataset="t", init_id=init_id
        )
        np.testing.assert_array_equal(centroids, single_c)
        np.testing.assert_array_equal(labels, single_l)
        assert set(record) == set(single)
        assert (record["inertia"], record["n_iter"], record["init_id"], record["seed"]) == (
            single["inertia"], single["n_iter"], init_id, 10 + init_id,
        )
        assert record["backend"] == "fused" and record["converged"]
    job = fused[0][2]["details"]["fused"]["job_fit_wall_s"]
    assert sum(r["fit_wall_s"] for _, _, r in fused) == pytest.approx(job)


def test_batched_kmeans_plusplus_equals_one_init_at_a_time(overlapping):
    seeds = [5, 17, 99, 1234]
    batched = kmeans_plusplus_many(overlapping, 11, seeds)
    for seed, centroids in zip(seeds, batched):
        np.testing.assert_array_equal(centroids, kmeans_plusplus(overlapping, 11, seed))
    np.testing.assert_array_equal(kmeans_plusplus_many(overlapping, 11, seeds[2:])[0], batched[2])
