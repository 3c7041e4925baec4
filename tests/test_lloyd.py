"""The Lloyd core: the one exact kernel, the stopping rule, relocation, chunking, pruning."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmeans_study import io
from kmeans_study.lloyd import core, exact_strategy
from kmeans_study.lloyd.common import row_norms
from kmeans_study.lloyd.engine import lloyd
from kmeans_study.lloyd.evaluate import evaluate_many
from kmeans_study.lloyd.exact import exact_labels, nearest
from kmeans_study.lloyd.exact_strategy import ExactStrategy


def brute_force(X, C):
    """Squared distances (n, k) in float64 and the nearest centroid, lowest index on ties."""
    d = ((X.astype(np.float64)[:, None, :] - C.astype(np.float64)[None]) ** 2).sum(-1)
    return d, d.argmin(1)


@pytest.fixture(scope="module")
def ties():
    """Points with exact and near ties: duplicate centroids, points halfway between two
    centroids, and points whose float32 scores cannot tell two centroids apart."""
    rng = np.random.default_rng(0)
    C = rng.normal(size=(6, 20)).astype(np.float32) * 3
    C[4] = C[1]  # a duplicate: every point of centroid 1 ties with 4
    halfway = (C[0] + C[2]) / 2  # exactly between 0 and 2 (float32 rounding aside)
    near = C[3] + np.float32(1e-3) * rng.normal(size=(50, 20)).astype(np.float32)
    X = np.vstack([rng.normal(size=(400, 20)).astype(np.float32) * 3, np.repeat(halfway[None], 5, 0), near,
                   C[[1, 4, 0]]]).astype(np.float32)
    return X, C


def test_the_kernel_gives_the_exact_nearest_centroid_lowest_index_on_ties(ties):
    X, C = ties
    labels, upper, lower = nearest(X, C)
    d, truth = brute_force(X, C)
    np.testing.assert_array_equal(labels, truth)
    assert not np.any(labels == 4)  # the duplicate's twin, 1, always wins
    own = np.sqrt(d[np.arange(len(X)), labels])
    d[np.arange(len(X)), labels] = np.inf
    assert np.all(upper >= own) and np.all(lower <= np.sqrt(d.min(1)))


def test_the_kernel_decides_float32_near_ties_exactly():
    # Centroids at squared distance 0.01 and 0.0121 from x, |x|^2 = 640000: float32 scores
    # |c|^2 - 2 x.c round to the same value, so only the exact recomputation orders them.
    x = np.full((1, 64), 100.0, dtype=np.float32)
    C = np.repeat(x, 2, axis=0)
    C[0, 0] += np.float32(0.11)
    C[1, 1] += np.float32(0.1)
    scores = (C**2).sum(1) - 2 * (C @ x[0])
    assert scores[0] == scores[1]  # float32 cannot tell them apart
    for order in ([0, 1], [1, 0]):
        assert exact_labels(x, C[order])[0] == brute_force(x, C[order])[1][0] == order.index(1)


def test_every_path_agrees_on_labels(ties):
    """Plain pass, evaluation, candidate lists covering every centroid: the same labels."""
    from kmeans_study.lloyd.candidates import nearest_in_lists

    X, C = ties
    labels = exact_labels(X, C)
    evaluated = evaluate_many(X, [C, C[::-1].copy()])
    np.testing.assert_array_equal(evaluated[0][0], labels)
    everyone = np.arange(C.shape[0])[None]
    among, _, _ = nearest_in_lists(X, C, everyone, np.zeros(len(X), dtype=np.int64), row_norms(X))
    np.testing.assert_array_equal(among, labels)


def test_stop_reason_follows_sklearns_order():
    assert core.stop_reason(False, 5.0, 1.0, 3, 10) == "labels unchanged"  # before the shift test
    assert core.stop_reason(True, 1.0, 1.0, 3, 10) == "tolerance"  # at most tol stops
    assert core.stop_reason(True, 1.5, 1.0, 10, 10) == "max_iter"
    assert core.stop_reason(True, 1.5, 1.0, 9, 10) is None
    assert core.stop_reason(True, 0.5, 1.0, 10, 10) == "tolerance"  # at the last iteration too


def test_an_empty_cluster_takes_the_farthest_point_as_sklearn_does():
    from sklearn.cluster import KMeans

    X = np.array([[0, 0], [0, 1], [10, 0], [10, 1], [30, 0]], dtype=np.float32)
    init = np.array([[0, 0.5], [10, 0.5], [100, 100]], dtype=np.float32)  # the third gets no point
    fit = lloyd(X, [init], ExactStrategy(), 10, 0.0)[0]
    model = KMeans(n_clusters=3, init=init, n_init=1, max_iter=10, tol=0.0).fit(X)
    np.testing.assert_allclose(np.sort(fit.centroids, axis=0), np.sort(model.cluster_centers_, axis=0))
    assert fit.n_relocated >= 1 and fit.n_iter == model.n_iter_


def test_chunking_covers_every_row_through_the_real_knob(blobs, tmp_path, monkeypatch):
    X, _ = blobs
    np.save(tmp_path / "X.npy", X)
    mapped = np.load(tmp_path / "X.npy", mmap_mode="r")
    C = X[[0, 50, 100, 150]]
    monkeypatch.setattr(io, "CHUNK_ROWS", 64)
    assert len(io.chunks(len(X))) == -(-len(X) // 64) > 1  # 600 rows: 10 chunks, the last partial
    labels, inertia, means = evaluate_many(mapped, [C])[0]
    d, truth = brute_force(X, C)
    np.testing.assert_array_equal(labels, truth)
    assert inertia == pytest.approx(d.min(1).sum(), rel=1e-12)
    np.testing.assert_allclose(means, [X[truth == j].astype(np.float64).mean(0) for j in range(4)], rtol=1e-12)
    np.testing.assert_allclose(row_norms(mapped), (X.astype(np.float64) ** 2).sum(1), rtol=1e-12)


@pytest.fixture(scope="module")
def overlapping():
    """Overlapping blobs, so Lloyd takes many iterations and the inits reach different minima."""
    from sklearn.datasets import make_blobs

    X, _ = make_blobs(n_samples=3000, n_features=16, centers=12, cluster_std=4.0, random_state=7)
    X = (X - X.mean(0)) / X.std(0)
    return np.ascontiguousarray(X, dtype=np.float32)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("family", ["Elkan", "Hamerly"])
def test_pruned_lloyd_equals_unpruned_lloyd(overlapping, monkeypatch, threads, family):
    from kmeans_study.lloyd.starts import kmeans_plusplus_many

    monkeypatch.setattr(io, "CHUNK_ROWS", 512)  # several chunks, so both threads work
    if family == "Hamerly":
        monkeypatch.setattr(exact_strategy, "ELKAN_MEMORY", 0)
    X, k = overlapping, 9
    inits = kmeans_plusplus_many(X, k, list(range(6)))
    plain = lloyd(X, inits, ExactStrategy(prune=False), 300, 1e-6, threads)
    pruned = lloyd(X, inits, ExactStrategy(prune=True), 300, 1e-6, threads)
    for a, b in zip(plain, pruned):
        assert (a.n_iter, a.stopped_by) == (b.n_iter, b.stopped_by)
        np.testing.assert_array_equal(a.labels, b.labels)
        np.testing.assert_array_equal(a.centroids, b.centroids)
    skipped = [f.details["distances_skipped_share"] for f in pruned]
    assert all(0.3 < s < 1 for s in skipped), skipped  # the bounds did spare work
    assert family in pruned[0].details["assignment"]
    assert "distances_skipped_share" not in plain[0].details


@pytest.mark.parametrize("family", ["Elkan", "Hamerly"])
def test_every_pruned_pass_is_exact(overlapping, monkeypatch, family):
    """Every pruned pass equals brute force, whichever of the scoring paths (one matrix product
    over the unsettled rows, pair by pair, or Elkan's centroid by centroid) the pass took."""
    from kmeans_study.lloyd import engine
    from kmeans_study.lloyd.starts import kmeans_plusplus_many

    if family == "Hamerly":
        monkeypatch.setattr(exact_strategy, "ELKAN_MEMORY", 0)
    X = overlapping[:1500]
    inits = kmeans_plusplus_many(X, 7, list(range(8)))
    paths = {"assign_pairs": 0, "assign_pass": 0, "elkan_pass": 0}

    def counting(name):
        real = getattr(exact_strategy, name)

        def counted(*args):
            paths[name] += 1
            return real(*args)

        return counted

    for name in paths:
        monkeypatch.setattr(exact_strategy, name, counting(name))
    state = engine.LloydState.start(X, inits)
    strategy = ExactStrategy(prune=True)
    strategy.start(state, 1)
    act = np.arange(8)
    for iteration in range(1, 30):
        strategy.assign(state, act, iteration, False)
        for j in act:
            np.testing.assert_array_equal(state.labels[j], brute_force(X, state.centres[j])[1])
            state.previous[j], state.centres[j] = state.centres[j], core.new_centres(
                X, state.labels[j], state.centres[j], state.sums[j], state.counts[j])[0]
    if family == "Hamerly":
        assert paths["assign_pairs"] > 0 and paths["assign_pass"] > 1 and paths["elkan_pass"] == 0
    else:
        assert paths["elkan_pass"] > 0 and paths["assign_pairs"] == 0


def test_an_init_gives_the_same_fit_alone_or_with_others(overlapping):
    from kmeans_study.lloyd.starts import kmeans_plusplus_many

    inits = kmeans_plusplus_many(overlapping, 7, [3, 4, 5])
    together = lloyd(overlapping, inits, ExactStrategy(), 300, 1e-6)
    alone = lloyd(overlapping, inits[1:2], ExactStrategy(), 300, 1e-6)[0]
    np.testing.assert_array_equal(together[1].centroids, alone.centroids)
    assert together[1].n_iter == alone.n_iter


def test_max_iter_stops_a_fit_unconverged(overlapping):
    from kmeans_study.lloyd.starts import kmeans_plusplus

    fit = lloyd(overlapping, [kmeans_plusplus(overlapping, 9, 0)], ExactStrategy(), 2, 0.0)[0]
    assert (fit.n_iter, fit.converged, fit.stopped_by) == (2, False, "max_iter")


@st.composite
def points_and_centroids(draw):
    """Small float32 data with what makes the exact decision hard: repeated rows, centroids that
    are copies of one another, and points at the midpoint of two centroids."""
    d = draw(st.integers(1, 6))
    k = draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    C = (rng.normal(size=(k, d)) * draw(st.sampled_from([1e-3, 1.0, 1e3]))).astype(np.float32)
    if k > 1 and draw(st.booleans()):
        C[-1] = C[0]  # a duplicate centroid: a tie for every point
    X = np.concatenate([C[rng.integers(0, k, 20)] + rng.normal(scale=0.5, size=(20, d)).astype(np.float32),
                        (C[rng.integers(0, k, 5)] + C[rng.integers(0, k, 5)]) / 2]).astype(np.float32)
    X = np.concatenate([X, X[:3]])  # repeated rows
    return X, C


@settings(max_examples=60, deadline=None)
@given(points_and_centroids(), st.sampled_from([1, 4, 7, 2048]))
def test_the_numpy_evaluation_is_the_compiled_kernels_labels_and_sums(case, rows):
    """Labels: the compiled kernel's exact nearest centroid, point for point; means: each
    cluster's rows added one after another in float64, bit for bit, whatever the chunk size;
    inertia: the float64 sum of squared distances."""
    X, C = case
    old, io.CHUNK_ROWS = io.CHUNK_ROWS, rows
    try:
        labels, inertia, means = evaluate_many(X, [C])[0]
    finally:
        io.CHUNK_ROWS = old
    np.testing.assert_array_equal(labels, exact_labels(X, C))
    expected = C.astype(np.float64).copy()
    for j in np.unique(labels):
        total = np.zeros(X.shape[1])
        for row in X[labels == j]:
            total = total + row.astype(np.float64)
        expected[j] = total / np.sum(labels == j)
    assert np.array_equal(means, expected)
    d2 = ((X.astype(np.float64) - C.astype(np.float64)[labels]) ** 2).sum(1)
    assert inertia == pytest.approx(d2.sum(), rel=1e-12, abs=1e-300)


@st.composite
def clustered_points(draw):
    """Enough float32 points in enough dimensions that float64 sums taken in another order round
    differently, with the hard cases of ``points_and_centroids`` now and then."""
    if draw(st.booleans()):
        return draw(points_and_centroids())
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n, d, k = draw(st.integers(50, 400)), draw(st.integers(2, 64)), draw(st.integers(2, 8))
    C = rng.normal(size=(k, d)).astype(np.float32) * np.float32(draw(st.sampled_from([1e-2, 1.0, 1e2])))
    X = (C[rng.integers(0, k, n)] + rng.normal(size=(n, d)).astype(np.float32)).astype(np.float32)
    return X, C


@settings(max_examples=60, deadline=None)
@given(clustered_points(), st.integers(0, 2**32 - 1), st.sampled_from([1, 7, 2048]))
def test_the_inertia_does_not_depend_on_how_the_centroids_are_numbered(case, seed, rows):
    """Inits that end in the same centroids, numbered otherwise, get the same inertia to the
    last bit (so the best init among them is the lowest id, not a rounding accident), and the
    same labels up to the renumbering wherever a point has one nearest centroid (an exact tie goes
    to the lower number)."""
    X, C = case
    order = np.random.default_rng(seed).permutation(len(C))
    old, io.CHUNK_ROWS = io.CHUNK_ROWS, rows
    try:
        (labels, inertia, _), (renumbered, inertia_renumbered, _) = evaluate_many(X, [C, C[order].copy()])
    finally:
        io.CHUNK_ROWS = old
    assert inertia_renumbered == inertia
    diff = X.astype(np.float64)[:, None, :] - C.astype(np.float64)[None]
    distances = np.sort(np.cumsum(diff * diff, axis=2)[:, :, -1], axis=1)
    one_nearest = distances[:, 1] > distances[:, 0] if len(C) > 1 else np.ones(len(X), dtype=bool)
    np.testing.assert_array_equal(order[renumbered][one_nearest], labels[one_nearest])
