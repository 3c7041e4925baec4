"""Lloyd with approximate and restricted assignment (kmeans_study.approx) and its backends."""

import numpy as np
import pytest

from kmeans_study import approx
from kmeans_study.backends.base import absolute_tol
from kmeans_study.init import kmeans_plusplus


@pytest.fixture(scope="module")
def data():
    """3000 x 8 blobs with 12 centres, and 40 k-means++ centroids (well-separated ties unlikely)."""
    from sklearn.datasets import make_blobs

    X, _ = make_blobs(n_samples=3000, n_features=8, centers=12, cluster_std=2.0, random_state=5)
    X = np.ascontiguousarray(X, dtype=np.float32)
    return X, kmeans_plusplus(X, 40, seed=1)


def brute_force_labels(X, C):
    d = ((X.astype(np.float64)[:, None, :] - C.astype(np.float64)[None, :, :]) ** 2).sum(axis=2)
    return d.argmin(axis=1)


def test_exact_labels_are_the_nearest_centroids(data):
    X, C = data
    assert np.array_equal(approx.exact_labels(X, C), brute_force_labels(X, C))


def test_ivf_with_nprobe_equal_to_nlist_is_exact_assignment(data):
    X, C = data
    exact = approx.exact_labels(X, C)
    full, _ = approx.IVFAssigner(nlist=8, nprobe=8).assign(X, C, None, 1)
    assert np.array_equal(full, exact)
    # ... and probing fewer lists is not: the test can tell the two apart.
    partial, _ = approx.IVFAssigner(nlist=8, nprobe=1).assign(X, C, None, 1)
    assert not np.array_equal(partial, exact)


def test_ivf_with_every_list_probed_fits_as_exact_lloyd(data):
    X, C = data
    tol = absolute_tol(X, 1e-4)
    exact = approx.lloyd(X, C, approx.ExactAssigner(), 100, tol)
    ivf = approx.lloyd(X, C, approx.IVFAssigner(nlist=8, nprobe=8), 100, tol)
    assert ivf.n_iter == exact.n_iter
    assert np.array_equal(ivf.labels, exact.labels)
    np.testing.assert_array_equal(ivf.centroids, exact.centroids)


def test_restricted_search_covering_every_centroid_is_exact_from_any_labels(data):
    X, C = data
    k = C.shape[0]
    arbitrary = np.random.default_rng(0).integers(0, k, size=X.shape[0])
    labels, was_full = approx.RestrictedAssigner(candidates=k, refresh=0).assign(X, C, arbitrary, iteration=2)
    assert not was_full  # the per-cluster restricted path ran, not the exact pass
    assert np.array_equal(labels, brute_force_labels(X, C))


def test_restricted_search_keeps_points_among_their_candidates(data):
    X, C = data
    previous = approx.exact_labels(X, C[::-1].copy())  # labels from other centroids: many are wrong
    near = approx.nearest_centroids(C, 3)
    labels, _ = approx.RestrictedAssigner(candidates=3, refresh=0).assign(X, C, previous, iteration=2)
    assert all(label in near[p] for label, p in zip(labels, previous))
    assert not np.array_equal(labels, approx.exact_labels(X, C))
    alone, _ = approx.RestrictedAssigner(candidates=1, refresh=0).assign(X, C, previous, iteration=2)
    assert np.array_equal(alone, previous)  # one candidate: its own centroid


def test_restricted_fit_with_full_restriction_ends_as_exact_lloyd(data):
    X, C = data
    tol = absolute_tol(X, 1e-4)
    exact = approx.lloyd(X, C, approx.ExactAssigner(), 100, tol)
    restricted = approx.lloyd(X, C, approx.RestrictedAssigner(candidates=C.shape[0], refresh=0), 100, tol)
    assert np.array_equal(restricted.labels, exact.labels)
    np.testing.assert_allclose(restricted.centroids, exact.centroids, rtol=0, atol=1e-5)
    assert restricted.n_full_passes < restricted.n_iter  # most passes were restricted ones


def test_restricted_fit_stops_only_on_an_exact_pass(data):
    X, C = data
    fit = approx.lloyd(X, C, approx.RestrictedAssigner(candidates=4, refresh=0), 200, absolute_tol(X, 1e-4))
    assert fit.converged
    assert fit.n_full_passes >= 2  # the first pass and the one confirming the stop
    # Stopped on labels that an exact pass of the centroids it used confirmed: one more exact
    # pass from the final centroids moves (almost) nobody.
    assert np.mean(approx.exact_labels(X, fit.centroids) == fit.labels) > 0.99


def test_hnsw_with_a_wide_search_is_exact(data):
    X, C = data
    labels, _ = approx.HNSWAssigner(M=16, efSearch=200).assign(X, C, None, 1)
    assert np.array_equal(labels, approx.exact_labels(X, C))


def test_nearest_centroids_include_the_centroid_itself():
    C = np.array([[0, 0], [0, 0], [1, 0], [5, 5]], dtype=np.float32)  # a duplicate centroid
    near = approx.nearest_centroids(C, 1)
    assert near[:, 0].tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize("name, params", [
    ("faiss_ivf", {"nlist": 4, "nprobe": 4}),
    ("faiss_hnsw", {"M": 8, "efSearch": 64}),
    ("restricted", {"candidates": 40, "refresh": 0}),
    ("hybrid", {"warm_start": 0.2}),
    ("bounded", {"candidates": 8}),
])
def test_backends_record_their_own_assignment_and_reach_exact_inertia(data, name, params):
    from kmeans_study.config import backend_params, validate_config
    from kmeans_study.fit import run_fit

    X, C = data
    config = validate_config({"datasets": {"d": {"source": "uniform"}}, "backends": {name: params, "faiss": {}}})
    _, _, record = run_fit(X, C, name, backend_params(config, name), 40, 1, 1, dataset="d", init_id=0)
    _, _, exact = run_fit(X, C, "faiss", backend_params(config, "faiss"), 40, 1, 1, dataset="d", init_id=0)
    assert record["backend_family"] == name
    assert record["own_assignment_exact_fraction"] == 1.0
    assert exact["own_assignment_exact_fraction"] is None  # exact search: nothing to compare
    assert record["inertia"] == pytest.approx(exact["inertia"], rel=0.02 if name == "hybrid" else 1e-6)
    if name == "hybrid":
        assert record["details"]["warm_start"]["points"] == 600


@pytest.mark.parametrize("candidates", [2, 8, 40])
def test_every_bounded_pass_is_the_exact_nearest_centroid(data, candidates):
    X, C = data
    assigner, labels, skipped = approx.BoundedAssigner(candidates), None, 0
    for iteration in range(1, 8):
        labels, _ = assigner.assign(X, C, labels, iteration)
        assert np.array_equal(labels, brute_force_labels(X, C)), f"pass {iteration}"
        C, _ = approx._ClusterSums(X, labels, C.shape[0]).centres(labels, C)
    stats = assigner.describe()
    assert stats["points_skipped_by_bounds"] > 0  # the bounds do skip work
    assert stats["points_scored_against_all"] < 6 * X.shape[0]
    if candidates == 2:
        assert stats["points_scored_against_all"] > 0  # the neighbourhood bound's fallback ran


def test_bounded_fit_is_exact_lloyd(data):
    X, C = data
    tol = absolute_tol(X, 1e-4)
    exact = approx.lloyd(X, C, approx.ExactAssigner(), 100, tol)
    bounded = approx.lloyd(X, C, approx.BoundedAssigner(8), 100, tol)
    assert (bounded.n_iter, bounded.stopped_by) == (exact.n_iter, exact.stopped_by)
    assert np.array_equal(bounded.labels, exact.labels)
    np.testing.assert_array_equal(bounded.centroids, exact.centroids)
    assert bounded.n_full_passes == 1


def test_restricted_candidate_lists_are_the_nearest_centroids_as_centroids_move(data):
    X, C = data
    assigner = approx.RestrictedAssigner(candidates=6, refresh=0)
    rng = np.random.default_rng(4)
    moved = C.copy()
    for step in range(12):
        lists = assigner.candidate_lists(moved, 6)
        truth = approx.nearest_centroids(moved, 6)
        assert all(set(a) == set(b) for a, b in zip(lists, truth)), f"step {step}"
        moved = moved + rng.normal(0, 0.02 if step < 8 else 0.5, moved.shape).astype(np.float32)
    assert assigner.lists_recomputed < 12 * C.shape[0]  # small drifts kept most lists
