"""Every backend against scikit-learn from the same initial centroids."""

import numpy as np
import pytest
from sklearn.cluster import KMeans

from kmeans_study import io
from kmeans_study.backends import REGISTRY, get_backend
from kmeans_study.backends.run import run_fit
from kmeans_study.lloyd import core
from kmeans_study.lloyd.core import _mean_feature_variance, absolute_tol
from kmeans_study.lloyd.evaluate import evaluate_many
from kmeans_study.lloyd.starts import kmeans_plusplus, kmeans_plusplus_many

K = 6
STOP = {"max_iter": 300, "tol": 1e-4}


@pytest.fixture(scope="module")
def start(blobs):
    X, _ = blobs
    return kmeans_plusplus(X, K, seed=11)


@pytest.fixture(scope="module")
def reference(blobs, start):
    """scikit-learn's own KMeans from the shared start (float64 to be the ground truth)."""
    X, _ = blobs
    model = KMeans(n_clusters=K, init=start.astype(np.float64), n_init=1, tol=1e-4, max_iter=300)
    model.fit(X.astype(np.float64))
    return model


EXACT = [
    ("sklearn", {"algorithm": "lloyd"}),
    ("sklearn", {"algorithm": "elkan"}),
    ("faiss", {"early_stopping": True}),
    ("faiss", {"early_stopping": False}),
    ("fused", {}),
    ("sklearnex", {}),
]


@pytest.mark.parametrize("name, params", EXACT, ids=lambda v: str(v))
def test_exact_backends_reach_sklearn_inertia_from_the_same_start(blobs, start, reference, name, params):
    X, _ = blobs
    centroids, labels, record = run_fit(X, start, backend=name, params={**params, **STOP}, k=K,
                                        seed=0, threads=1, dataset="t", init_id=0)
    assert record["inertia"] == pytest.approx(reference.inertia_, rel=1e-3)
    assert centroids.shape == (K, X.shape[1]) and centroids.dtype == np.float32
    assert record["converged"]
    # Labels are the exact nearest centroid of every point.
    brute = ((X[:, None, :].astype(np.float64) - centroids[None].astype(np.float64)) ** 2).sum(-1).argmin(1)
    np.testing.assert_array_equal(labels, brute)


@pytest.fixture(scope="module")
def slow_blobs():
    """Overlapping blobs: 10 to 35 iterations, some fits stop on unchanged labels, some on the
    tolerance (with tol = 1e-3), with no float32 near-tie on the way."""
    from sklearn.datasets import make_blobs

    X, _ = make_blobs(n_samples=2000, n_features=8, centers=6, cluster_std=3.0, random_state=3)
    return np.ascontiguousarray((X - X.mean(0)) / X.std(0), dtype=np.float32)


# Exact backends whose Lloyd loop the project runs (bounded: with candidates below k).
OWN_LOOPS = [
    ("fused", {}),
    ("faiss", {"early_stopping": True}),
    ("bounded", {"candidates": 3}),
    ("hybrid", {"warm_start": 0}),
]


@pytest.mark.parametrize("tol", [1e-4, 1e-3, 0.0])
def test_exact_loops_stop_by_sklearns_rule_at_its_iteration(slow_blobs, tol):
    X, k = slow_blobs, 8
    from kmeans_study.config.study import backend_params
    from kmeans_study.config.validate import validate_config

    config = validate_config({"datasets": {"d": {"source": "uniform"}}, "fit": {"max_iter": 300, "tol": tol},
                              "backends": {"sklearn": {}, "sklearnex": {}, **dict(OWN_LOOPS)}})
    rules = set()
    for init in kmeans_plusplus_many(X, k, list(range(6))):
        _, _, sk = run_fit(X, init, backend="sklearn", params=backend_params(config, "sklearn"), k=k,
                           seed=0, threads=1, dataset="t", init_id=0)
        expected = (sk["n_iter"], sk["details"]["stopped_by"])
        rules.add(expected[1])
        for name, _ in OWN_LOOPS:
            _, _, record = run_fit(X, init, backend=name, params=backend_params(config, name), k=k,
                                   seed=0, threads=1, dataset="t", init_id=0)
            assert (record["n_iter"], record["details"]["stopped_by"]) == expected, name
        # oneDAL has no unchanged-labels test (unchanged labels give a zero shift): its own rule,
        # recorded, at the same iteration.
        _, _, ex = run_fit(X, init, backend="sklearnex", params=backend_params(config, "sklearnex"), k=k,
                           seed=0, threads=1, dataset="t", init_id=0)
        assert (ex["n_iter"], ex["details"]["stopped_by"]) == (sk["n_iter"], "tolerance")
    assert rules == ({"labels unchanged"} if tol < 1e-3 else {"tolerance"})


def test_sklearns_stopping_rule_is_read_as_its_verbose_output_says(slow_blobs, capsys):
    from sklearn.cluster import KMeans

    from kmeans_study.backends.sklearn_backend import sklearn_stopping

    said = []
    settings = [(1e-4, 300, "lloyd"), (1e-3, 300, "lloyd"), (1e-3, 300, "elkan"), (0.0, 5, "lloyd")]
    for tol, max_iter, algorithm in settings:
        init = kmeans_plusplus(slow_blobs, 8, 1)
        with sklearn_stopping() as stopping:
            model = KMeans(8, init=init, n_init=1, tol=tol, max_iter=max_iter, algorithm=algorithm, verbose=1)
            model.fit(slow_blobs)
        out = capsys.readouterr().out
        verbose = ("labels unchanged" if "strict convergence" in out else
                   "tolerance" if "within tolerance" in out else "max_iter")
        assert stopping.reason(model._tol) == verbose
        assert stopping.iterations == model.n_iter_
        said.append(verbose)
    assert set(said) == {"labels unchanged", "tolerance", "max_iter"}


def test_faiss_without_early_stopping_runs_every_iteration(blobs, start):
    X, _ = blobs
    params = {"early_stopping": False, "max_iter": 37, "tol": 1e-4}
    _, _, record = run_fit(X, start, backend="faiss", params=params, k=K, seed=0, threads=1, dataset="t", init_id=0)
    assert record["n_iter"] == 37
    assert record["converged_by"].startswith("fixed-point check")
    assert record["details"]["points_used"] == X.shape[0]


def test_faiss_sampled_trains_on_a_subsample_and_says_so(blobs, start):
    X, _ = blobs
    params = {"niter": 20, "max_points_per_centroid": 40, **STOP}
    _, _, record = run_fit(X, start, backend="faiss_sampled", params=params, k=K,
                           seed=0, threads=1, dataset="t", init_id=0)
    assert record["details"]["points_used"] == 40 * K < X.shape[0]
    assert record["n_iter"] == 20
    assert "fixed number of iterations (20)" in record["details"]["stopping"]
    # Its inertia is still computed on ALL points, like every other backend's.
    _, inertia, _ = evaluate_many(X, [_centroids(X, start, params)])[0]
    assert record["inertia"] == pytest.approx(inertia, rel=1e-12)


def _centroids(X, start, params):
    return get_backend("faiss_sampled", params).fit(X, start, K, 0, 1).centroids


def allows_native_init(name: str) -> bool:
    """Whether the config schema lets backend ``name`` use its own initialisation."""
    from kmeans_study.config.schema import load_schema

    schema = load_schema()
    init = schema["properties"]["backends"]["properties"][name]["properties"]["init"]
    if "$ref" in init:
        init = schema["$defs"][init["$ref"].split("/")[-1]]
    return "native" in init["enum"]


# Backends with their own initialisation: the CPU backends whose schema allows init: native.
NATIVE_INIT = sorted(name for name, registered in REGISTRY.items() if registered.gpus == 0 and allows_native_init(name))


def test_native_initialisation_is_offered_by_the_exact_per_init_backends():
    assert NATIVE_INIT == ["faiss", "faiss_sampled", "sklearn", "sklearnex"]


@pytest.mark.parametrize("name", NATIVE_INIT)
def test_native_initialisation_is_seeded(blobs, name):
    X, _ = blobs
    params = {"init": "native", **STOP}
    params |= {"niter": 20, "max_points_per_centroid": 256} if name == "faiss_sampled" else {}
    first = run_fit(X, None, backend=name, params=params, k=K, seed=5, threads=1, dataset="t", init_id=0)
    again = run_fit(X, None, backend=name, params=params, k=K, seed=5, threads=1, dataset="t", init_id=0)
    assert first[2]["init"] == "native"
    np.testing.assert_array_equal(first[0], again[0])


def test_record_reports_kernels_threads_and_versions(blobs, start):
    X, _ = blobs
    _, _, record = run_fit(X, start, backend="faiss", params={"early_stopping": True, **STOP}, k=K,
                           seed=0, threads=1, dataset="d", init_id=3)
    assert (record["dataset"], record["init_id"], record["k"], record["threads"]) == ("d", 3, K, 1)
    assert record["versions"]["faiss"] != "not installed"
    blas = [lib for lib in record["native_libraries"] if lib["internal_api"] == "openblas"]
    assert blas and all(lib["num_threads"] == 1 and lib["architecture"] for lib in blas)
    assert record["fit_wall_s"] > 0 and record["fit_cpu_s"] >= 0


def test_unknown_backend_is_refused():
    with pytest.raises(KeyError, match="unknown backend 'nope'"):
        get_backend("nope", {})


def test_absolute_tol_is_sklearns_and_remembered_per_array(blobs, monkeypatch):
    X, _ = blobs
    first = absolute_tol(X, 1e-4)
    assert first == pytest.approx(np.mean(np.var(X.astype(np.float64), axis=0)) * 1e-4)
    whole = _mean_feature_variance(X)
    monkeypatch.setattr(io, "CHUNK_ROWS", 7)
    assert _mean_feature_variance(X) == pytest.approx(whole, rel=1e-12)  # chunked: the same
    real = core._mean_feature_variance
    monkeypatch.setattr(core, "_mean_feature_variance", lambda *a: pytest.fail("recomputed for the same array"))
    assert absolute_tol(X, 2e-4) == 2 * first  # remembered, for any tol
    other = X[::2]
    monkeypatch.setattr(core, "_mean_feature_variance", real)
    assert absolute_tol(other, 1e-4) == pytest.approx(np.mean(np.var(other.astype(np.float64), axis=0)) * 1e-4)
    assert absolute_tol(other, 1e-4) != first  # another array: its own variance


def test_cluster_means_and_empty_clusters():
    X = np.array([[0, 0], [2, 0], [10, 10]], dtype=np.float32)
    C = np.array([[1, 0], [10, 10], [50, 50]], dtype=np.float32)
    labels, inertia, means = evaluate_many(X, [C])[0]
    np.testing.assert_array_equal(labels, [0, 0, 1])
    assert inertia == pytest.approx(2.0)
    np.testing.assert_allclose(means, [[1, 0], [10, 10], [50, 50]])
