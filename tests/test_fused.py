"""The fused backend: all inits of one k in one pass over X per iteration, as scikit-learn's Lloyd."""

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs

from kmeans_study.backends.base import absolute_tol
from kmeans_study.fit import run_fit, run_fused
from kmeans_study.fused import evaluate_many, fused_lloyd
from kmeans_study.init import kmeans_plusplus, kmeans_plusplus_many

STOP = {"max_iter": 300, "tol": 1e-4}


@pytest.fixture(scope="module")
def overlapping():
    """Overlapping blobs, so Lloyd takes many iterations and the inits reach different minima."""
    X, _ = make_blobs(n_samples=3000, n_features=16, centers=12, cluster_std=4.0, random_state=7)
    X = (X - X.mean(0)) / X.std(0)
    return np.ascontiguousarray(X, dtype=np.float32)


@pytest.mark.parametrize("threads", [1, 2])
def test_fused_inertias_match_sklearn_from_the_same_starts(overlapping, threads):
    X, k = overlapping, 9
    inits = kmeans_plusplus_many(X, k, list(range(8)))
    fits = fused_lloyd(X, inits, STOP["max_iter"], absolute_tol(X, STOP["tol"]), threads)
    ours = evaluate_many(X, [f.centroids for f in fits])
    same_iter = same_labels = 0
    for init, fit, (labels, inertia, _) in zip(inits, fits, ours):
        model = KMeans(n_clusters=k, init=init, n_init=1, **STOP).fit(X)
        theirs = evaluate_many(X, [model.cluster_centers_])[0]
        # Float32 rounding may send a trajectory elsewhere, rarely: then both are local minima.
        assert inertia == pytest.approx(theirs[1], rel=5e-3)
        same_iter += fit.n_iter == model.n_iter_
        same_labels += np.array_equal(labels, theirs[0])
    assert same_iter >= 6 and same_labels >= 6, (same_iter, same_labels)
    # Different starts really were different fits.
    assert len({round(inertia, 3) for _, inertia, _ in ours}) > 1


def test_an_init_gives_the_same_fit_alone_or_with_others(overlapping):
    X, k = overlapping, 7
    inits = kmeans_plusplus_many(X, k, [3, 4, 5])
    together = fused_lloyd(X, inits, 300, absolute_tol(X, 1e-4))
    alone = fused_lloyd(X, inits[1:2], 300, absolute_tol(X, 1e-4))[0]
    np.testing.assert_array_equal(together[1].centroids, alone.centroids)
    assert together[1].n_iter == alone.n_iter


def test_an_empty_cluster_takes_the_farthest_point_as_sklearn_does():
    X = np.array([[0, 0], [0, 1], [10, 0], [10, 1], [30, 0]], dtype=np.float32)
    init = np.array([[0, 0.5], [10, 0.5], [100, 100]], dtype=np.float32)  # the third gets no point
    fit = fused_lloyd(X, [init], 10, 0.0)[0]
    model = KMeans(n_clusters=3, init=init, n_init=1, max_iter=10, tol=0.0).fit(X)
    np.testing.assert_allclose(np.sort(fit.centroids, axis=0), np.sort(model.cluster_centers_, axis=0))
    assert fit.n_relocated >= 1 and fit.n_iter == model.n_iter_


def test_max_iter_stops_a_fit_unconverged(overlapping):
    fit = fused_lloyd(overlapping, [kmeans_plusplus(overlapping, 9, 0)], 2, 0.0)[0]
    assert (fit.n_iter, fit.converged, fit.stopped_by) == (2, False, "max_iter")


def test_run_fused_writes_the_records_run_fit_writes(overlapping):
    X, k, ids = overlapping, 5, [0, 1, 2]
    inits = kmeans_plusplus_many(X, k, ids)
    fused = run_fused(X, inits, "fused", dict(STOP), k, [10, 11, 12], 2, dataset="t", init_ids=ids)
    for init_id, init, (centroids, labels, record) in zip(ids, inits, fused):
        single_c, single_l, single = run_fit(X, init, "fused", dict(STOP), k, 10 + init_id, 2, dataset="t", init_id=init_id)
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
