import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmeans_study.aggregate.best_init import best_init_table
from kmeans_study.aggregate.elbow import (
    elbow_summary,
    kneedle_elbow,
    line_r2,
    log_k,
    two_line_elbow,
    two_line_scores,
)


def reference_two_line_elbow(ks, inertias):
    """The reference notebook's method written out literally: scikit-learn's LinearRegression and
    r2_score on each side of every cut t in 2..N-2, best mean R^2, elbow = k at the cut."""
    from sklearn.linear_model import LinearRegression
    from sklearn.metrics import r2_score

    x = np.asarray(ks, dtype=float).reshape(-1, 1)
    y = np.asarray(inertias, dtype=float)
    best_t, best_score = None, -np.inf
    for t in range(2, len(ks) - 1):
        left = LinearRegression().fit(x[:t], y[:t])
        right = LinearRegression().fit(x[t:], y[t:])
        score = (r2_score(y[:t], left.predict(x[:t])) + r2_score(y[t:], right.predict(x[t:]))) / 2
        if score > best_score:
            best_t, best_score = t, score
    return int(ks[best_t])


def test_two_line_elbow_finds_the_break_of_a_piecewise_linear_curve():
    ks = np.arange(5, 16)
    inertia = np.where(ks <= 9, 1000 - 150 * (ks - 5), 400 - 10 * (ks - 9)).astype(float)
    assert two_line_elbow(ks, inertia) == 9
    scores = two_line_scores(ks, inertia)
    assert list(scores["t"]) == list(range(2, len(ks) - 1))
    assert scores["mean_r2"].max() == pytest.approx(1.0)


def test_two_line_elbow_ignores_input_order():
    ks = np.arange(2, 12)
    inertia = 1.0 / ks
    order = np.random.default_rng(0).permutation(len(ks))
    assert two_line_elbow(ks[order], inertia[order]) == two_line_elbow(ks, inertia)


@pytest.mark.parametrize("seed", range(25))
def test_two_line_elbow_equals_the_reference_implementation(seed):
    rng = np.random.default_rng(seed)
    ks = np.arange(5, 16)
    inertia = 1e6 / ks**rng.uniform(0.3, 2.0) + rng.normal(0, 2e3, ks.size)
    assert two_line_elbow(ks, inertia) == reference_two_line_elbow(ks, inertia)


def test_line_r2_edge_cases():
    assert line_r2([1, 2, 3], [5, 5, 5]) == 1.0
    assert line_r2([1, 2, 3], [1, 2, 3]) == pytest.approx(1.0)
    assert line_r2([1, 2, 3, 4], [1, 3, 1, 3]) == pytest.approx(0.2)


def test_too_few_points_give_no_elbow():
    assert two_line_elbow([2, 3, 4], [9.0, 5.0, 4.0]) is None
    assert two_line_scores([2, 3, 4], [9.0, 5.0, 4.0]).empty


def test_kneedle_on_a_curve_with_a_clear_knee():
    ks = np.arange(1, 11)
    inertia = np.array([100, 50, 20, 18, 16.5, 15, 14, 13.2, 12.5, 12])
    assert kneedle_elbow(ks, inertia) == 3
    summary = elbow_summary(ks, inertia)
    assert summary["kneedle"]["k"] == 3 and summary["two_line"]["k"] == two_line_elbow(ks, inertia)


@given(start=st.integers(1, 500), factor=st.integers(2, 5), step=st.integers(1, 500), count=st.integers(3, 12),
       order=st.randoms())
def test_a_geometric_k_range_is_one_evenly_spaced_in_log_k_and_an_arithmetic_one_is_not(
        start, factor, step, count, order):
    geometric = [start * factor**i for i in range(count)]
    arithmetic = [start + step * i for i in range(count)]
    order.shuffle(geometric)
    assert log_k(geometric) and not log_k(arithmetic)
    assert not log_k(geometric[:2]) and not log_k([start, start])


def test_kneedle_takes_log_k_on_a_geometric_range_and_the_two_line_elbow_k():
    """Against their reference implementations: kneed's KneeLocator on log k, the notebook's
    regressions on k; elbow.json says which."""
    from kneed import KneeLocator

    rng = np.random.default_rng(3)
    ks = np.array([16, 32, 64, 128, 256, 512, 1024])
    for _ in range(40):
        inertia = 1e6 / ks ** rng.uniform(0.05, 1.5) + rng.normal(0, 2e3, ks.size)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            knee = KneeLocator(np.log(ks), inertia, S=1.0, curve="convex", direction="decreasing").knee
        assert kneedle_elbow(ks, inertia) == (None if knee is None else int(ks[np.isclose(np.log(ks), knee)][0]))
        assert two_line_elbow(ks, inertia) == reference_two_line_elbow(ks, inertia)
    summary = elbow_summary(ks, inertia)
    assert "on log k" in summary["kneedle"]["method"] and "log k" not in summary["two_line"]["method"]
    assert "log k" not in elbow_summary(np.arange(5, 16), 1e3 / np.arange(5, 16))["kneedle"]["method"]


def clustered_on_the_sphere(K: int, seed: int) -> np.ndarray:
    """2000 unit vectors in 32 dimensions around K random directions, clusters of unequal sizes
    and spreads: embedding-like data whose number of clusters is known."""
    rng = np.random.default_rng(seed)
    sizes = rng.multinomial(2000, rng.dirichlet(np.full(K, 2.0)))
    centres = rng.normal(size=(K, 32))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    X = np.concatenate([c + s * rng.normal(size=(m, 32)) for c, s, m in
                        zip(centres, rng.uniform(0.06, 0.18, K), sizes)])
    return np.ascontiguousarray(X / np.linalg.norm(X, axis=1, keepdims=True), dtype=np.float32)


@pytest.mark.parametrize("K, seed", [(8, 0), (8, 3), (16, 1), (16, 2)])
def test_kneedle_finds_the_clusters_of_embedding_like_data_on_a_geometric_range(K, seed):
    """The k-means inertia curve (exact engine, best of 2 k-means++ starts) of data with K
    clusters, at k = 2, 4, .., 128: kneedle on log k picks K (docs/choosing_k.md measures it on
    48 such studies)."""
    from kmeans_study.backends.run import run_fused
    from kmeans_study.lloyd.starts import kmeans_plusplus_many

    X = clustered_on_the_sphere(K, seed)
    ks = [2, 4, 8, 16, 32, 64, 128]
    inertia = []
    for k in ks:
        seeds = [10 * k, 10 * k + 1]
        fits = run_fused(X, kmeans_plusplus_many(X, k, seeds), backend="fused", k=k, seeds=seeds, threads=1,
                         params={"max_iter": 300, "tol": 1e-4, "init": "shared"}, dataset="t", init_ids=[0, 1])
        inertia.append(min(record["inertia"] for _, _, record in fits))
    assert kneedle_elbow(ks, inertia) == K


def records(rows):
    return pd.DataFrame(
        [
            {"dataset": "d", "backend": "b", "k": k, "init_id": i, "inertia": v, "n_iter": 10 + i,
             "converged": i != 2, "fit_wall_s": 0.1 * (i + 1), "fit_cpu_s": 0.1}
            for k, i, v in rows
        ]
    )


def test_best_init_picks_the_minimum_and_reports_the_spread():
    table = best_init_table(records([(5, 0, 10.0), (5, 1, 8.0), (5, 2, 12.0), (6, 0, 7.0), (6, 1, 7.0)]))
    five = table.set_index("k").loc[5]
    assert five["best_init_id"] == 1 and five["inertia_best"] == 8.0
    assert five["inertia_max"] == 12.0 and five["relative_spread"] == pytest.approx(0.5)
    assert five["n_inits"] == 3 and five["n_converged"] == 2 and five["n_iter_best"] == 11
    assert five["fit_wall_s_median"] == pytest.approx(0.2)
    assert table.set_index("k").loc[6, "best_init_id"] == 0, "ties go to the lowest init id"
    assert list(table["k"]) == [5, 6]


@pytest.mark.parametrize(
    "ks, expected",
    [([2, 3, 4, 5, 6, 7], (None, True)), ([5, 3], (5, False)), ([2, 3, 4], (3, False)), ([7], (7, False))],
)
def test_reports_show_the_elbow_or_else_the_middle_k(ks, expected):
    from kmeans_study.aggregate.elbow import ELBOW, shown_k

    elbow = elbow_summary(ks, [100.0 / k for k in ks])
    k, why = shown_k(elbow)
    is_elbow = why == ELBOW
    assert is_elbow == expected[1]
    assert k == (elbow["two_line"]["k"] if is_elbow else expected[0])




@pytest.mark.parametrize("ks, classes, expected", [
    ([8, 10, 12], 10, (10, "the number of label classes")),
    ([8, 10, 12], 7, (10, "the middle k of the study")),
    ([2, 3, 4, 5, 6, 7], 3, (None, "the two-line elbow")),
])
def test_without_an_elbow_the_reports_show_the_label_classes_when_the_study_fitted_that_k(ks, classes, expected):
    from kmeans_study.aggregate.elbow import shown_k

    elbow = elbow_summary(ks, [100.0 / k for k in ks])
    k, why = shown_k(elbow, n_classes=classes)
    assert why == expected[1]
    assert k == (expected[0] if expected[0] is not None else elbow["two_line"]["k"])
