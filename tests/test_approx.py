"""Assignment strategies for large k (kmeans_study.lloyd: restricted, bounded, faiss_index) in the core's
loop, and their backends."""

import numpy as np
import pytest

from kmeans_study.lloyd.bounded import BoundedStrategy
from kmeans_study.lloyd.common import move_rows
from kmeans_study.lloyd.core import absolute_tol
from kmeans_study.lloyd.engine import lloyd
from kmeans_study.lloyd.exact import exact_labels
from kmeans_study.lloyd.exact_strategy import ExactStrategy
from kmeans_study.lloyd.faiss_index import HNSWStrategy, IVFStrategy
from kmeans_study.lloyd.restricted import RestrictedStrategy
from kmeans_study.lloyd.starts import kmeans_plusplus


@pytest.fixture(scope="module")
def data():
    """3000 x 8 blobs with 12 centres, and 40 k-means++ centroids."""
    from sklearn.datasets import make_blobs

    X, _ = make_blobs(n_samples=3000, n_features=8, centers=12, cluster_std=2.0, random_state=5)
    X = np.ascontiguousarray(X, dtype=np.float32)
    return X, kmeans_plusplus(X, 40, seed=1)


def brute_force_labels(X, C):
    d = ((X.astype(np.float64)[:, None, :] - C.astype(np.float64)[None, :, :]) ** 2).sum(axis=2)
    return d.argmin(axis=1)


def fit(X, C, strategy, max_iter=100):
    return lloyd(X, [C], strategy, max_iter, absolute_tol(X, 1e-4))[0]


def nearest_centroids(C, m):
    """The m centroids nearest each centroid (k, m), as a restricted strategy's first lists."""
    strategy = RestrictedStrategy(candidates=m, refresh=0)
    strategy.threads = 1
    return strategy.candidate_lists(C, m)


def one_pass(strategy, X, C, labels, iteration):
    """One assignment pass of a label strategy outside the loop."""
    from kmeans_study.lloyd.engine import LloydState

    strategy.start(LloydState.start(X, [C]), 1)
    return strategy.labels(X, C, labels, iteration)


def test_ivf_with_nprobe_equal_to_nlist_is_exact_assignment(data):
    X, C = data
    exact = exact_labels(X, C)
    assert np.array_equal(exact, brute_force_labels(X, C))
    full, _ = one_pass(IVFStrategy(nlist=8, nprobe=8), X, C, None, 1)
    assert np.array_equal(full, exact)
    # ... and probing fewer lists is not: the test can tell the two apart.
    partial, _ = one_pass(IVFStrategy(nlist=8, nprobe=1), X, C, None, 1)
    assert not np.array_equal(partial, exact)


def test_ivf_with_every_list_probed_fits_as_exact_lloyd(data):
    X, C = data
    exact = fit(X, C, ExactStrategy())
    ivf = fit(X, C, IVFStrategy(nlist=8, nprobe=8))
    assert (ivf.n_iter, ivf.stopped_by) == (exact.n_iter, exact.stopped_by)
    assert np.array_equal(ivf.labels, exact.labels)
    np.testing.assert_array_equal(ivf.centroids, exact.centroids)


def test_restricted_search_covering_every_centroid_but_one_is_exact_from_any_labels(data):
    X, C = data
    k = C.shape[0]
    arbitrary = np.random.default_rng(0).integers(0, k, size=X.shape[0])
    labels, exact_pass = one_pass(RestrictedStrategy(candidates=k - 1, refresh=0), X, C, arbitrary, 2)
    assert not exact_pass  # the per-point restricted path ran, not the exact pass
    truth = brute_force_labels(X, C)
    lists = nearest_centroids(C, k - 1)
    covered = np.array([truth[i] in lists[arbitrary[i]] for i in range(len(X))])
    assert covered.mean() > 0.9 and np.array_equal(labels[covered], truth[covered])


def test_restricted_search_keeps_points_among_their_candidates(data):
    X, C = data
    previous = exact_labels(X, C[::-1].copy())  # labels from other centroids: many are wrong
    near = nearest_centroids(C, 3)
    labels, _ = one_pass(RestrictedStrategy(candidates=3, refresh=0), X, C, previous, 2)
    assert all(label in near[p] for label, p in zip(labels, previous))
    assert not np.array_equal(labels, exact_labels(X, C))
    alone, _ = one_pass(RestrictedStrategy(candidates=1, refresh=0), X, C, previous, 2)
    assert np.array_equal(alone, previous)  # one candidate: its own centroid


def test_restricted_fit_with_every_centroid_a_candidate_is_exact_lloyd(data):
    X, C = data
    exact = fit(X, C, ExactStrategy())
    restricted = fit(X, C, RestrictedStrategy(candidates=C.shape[0], refresh=0))
    assert (restricted.n_iter, restricted.stopped_by) == (exact.n_iter, exact.stopped_by)
    assert np.array_equal(restricted.labels, exact.labels)
    np.testing.assert_array_equal(restricted.centroids, exact.centroids)


def test_restricted_fit_stops_only_on_an_exact_pass(data):
    X, C = data
    result = fit(X, C, RestrictedStrategy(candidates=4, refresh=0), 200)
    assert result.converged
    assert 2 <= result.n_full_passes < result.n_iter  # the first pass, the confirming one, few others
    # Stopped on labels that an exact pass of the centroids it used confirmed: one more exact
    # pass from the final centroids moves (almost) nobody.
    assert np.mean(exact_labels(X, result.centroids) == result.labels) > 0.99


def test_hnsw_with_a_wide_search_is_exact(data):
    X, C = data
    labels, _ = one_pass(HNSWStrategy(M=16, efSearch=200), X, C, None, 1)
    assert np.array_equal(labels, exact_labels(X, C))


def test_nearest_centroids_include_the_centroid_itself():
    C = np.array([[0, 0], [0, 0], [1, 0], [5, 5]], dtype=np.float32)  # a duplicate centroid
    near = nearest_centroids(C, 1)
    assert near[:, 0].tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize("name, params", [
    ("faiss_ivf", {"nlist": 4, "nprobe": 4}),
    ("faiss_hnsw", {"M": 8, "efSearch": 64}),
    ("restricted", {"candidates": 40, "refresh": 0}),
    ("hybrid", {"warm_start": 0.2}),
    ("bounded", {"candidates": 8}),
])
def test_backends_record_their_own_assignment_and_reach_exact_inertia(data, name, params):
    from kmeans_study.backends.run import run_fit
    from kmeans_study.config.study import backend_params
    from kmeans_study.config.validate import validate_config

    X, C = data
    config = validate_config({"datasets": {"d": {"source": "uniform"}}, "backends": {name: params, "faiss": {}}})
    _, _, record = run_fit(X, C, backend=name, params=backend_params(config, name), k=40, seed=1, threads=1,
                           dataset="d", init_id=0)
    _, _, exact = run_fit(X, C, backend="faiss", params=backend_params(config, "faiss"), k=40, seed=1, threads=1,
                          dataset="d", init_id=0)
    assert record["backend_family"] == name
    assert record["own_assignment_exact_fraction"] == 1.0
    assert exact["own_assignment_exact_fraction"] is None  # exact search: nothing to compare
    assert record["inertia"] == pytest.approx(exact["inertia"], rel=0.02 if name == "hybrid" else 1e-6)
    if name == "hybrid":
        assert record["details"]["warm_start"]["points"] == 600


@pytest.mark.parametrize("candidates", [2, 8, 40])
def test_every_bounded_pass_is_the_exact_nearest_centroid(data, candidates):
    X, C = data
    strategy, labels = BoundedStrategy(candidates), None
    for iteration in range(1, 8):
        labels, _ = one_pass(strategy, X, C, labels, iteration) if iteration == 1 else strategy.labels(
            X, C, labels, iteration)
        assert np.array_equal(labels, brute_force_labels(X, C)), f"pass {iteration}"
        sums, counts = np.zeros((1, *C.shape)), np.zeros((1, C.shape[0]), dtype=np.int64)
        move_rows(X, np.full(len(X), -1), labels, sums, counts, 0)
        C = (sums[0] / np.maximum(counts[0], 1)[:, None]).astype(np.float32)
    stats = strategy.describe()
    assert stats["points_skipped_by_bounds"] > 0  # the bounds do skip work
    assert stats["points_scored_against_all"] < 6 * X.shape[0]
    if candidates == 2:
        assert stats["points_scored_against_all"] > 0  # the neighbourhood bound's fallback ran


def test_bounded_fit_is_exact_lloyd(data):
    X, C = data
    exact = fit(X, C, ExactStrategy(prune=False))
    bounded = fit(X, C, BoundedStrategy(8))
    assert (bounded.n_iter, bounded.stopped_by) == (exact.n_iter, exact.stopped_by)
    assert np.array_equal(bounded.labels, exact.labels)
    np.testing.assert_array_equal(bounded.centroids, exact.centroids)


def test_restricted_candidate_lists_are_the_nearest_centroids_as_centroids_move(data):
    _, C = data
    strategy = RestrictedStrategy(candidates=6, refresh=0)
    strategy.threads = 1
    rng = np.random.default_rng(4)
    moved = C.copy()
    for step in range(12):
        lists = strategy.candidate_lists(moved, 6)
        truth = nearest_centroids(moved, 6)
        assert all(set(a) == set(b) for a, b in zip(lists, truth)), f"step {step}"
        moved = moved + rng.normal(0, 0.02 if step < 8 else 0.5, moved.shape).astype(np.float32)
    assert strategy.lists_recomputed < 12 * C.shape[0]  # small drifts kept most lists
