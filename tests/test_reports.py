import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn import metrics

from kmeans_study import io
from kmeans_study.aggregate.labelings import (
    agreement,
    confusion_pivot,
    contingency,
    matched_agreement,
    naive_agreement,
    purity,
    quality,
)
from kmeans_study.aggregate.reports import (
    agreement_tables,
    confusion_and_quality,
    fixed_cost_dominated,
    timing_table,
)


@pytest.fixture
def labelling():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 4, 500)
    clusters = np.where(rng.random(500) < 0.8, labels, rng.integers(0, 6, 500))
    return labels, clusters


def test_matched_agreement_sees_through_permuted_ids(labelling):
    _, clusters = labelling
    permuted = np.array([3, 5, 0, 1, 2, 4])[clusters]
    table = contingency(clusters, permuted)
    assert matched_agreement(table) == 1.0
    assert naive_agreement(table) < 0.5
    assert agreement(clusters, permuted)["ari"] == 1.0


def test_matched_agreement_of_different_partitions_is_below_one(labelling):
    labels, clusters = labelling
    value = matched_agreement(contingency(labels, clusters))
    assert 0.5 < value < 1.0
    assert value >= naive_agreement(contingency(labels, clusters))


def test_pivot_counts_sum_to_n_and_equal_a_direct_count(labelling):
    labels, clusters = labelling
    pivot = confusion_pivot(contingency(labels, clusters, n_b=7), ["a", "b", "c", "d"])
    assert pivot.to_numpy().sum() == len(labels)
    for i, name in enumerate(["a", "b", "c", "d"]):
        for j in range(7):
            assert pivot.loc[name, f"cluster_{j}"] == np.sum((labels == i) & (clusters == j))
    assert contingency(labels, clusters).shape == (4, 6)


def test_quality_equals_scikit_learn_and_a_hand_count(labelling):
    labels, clusters = labelling
    scores = quality(contingency(labels, clusters))
    assert scores["ari"] == metrics.adjusted_rand_score(labels, clusters)
    assert scores["nmi"] == metrics.normalized_mutual_info_score(labels, clusters)
    assert scores["homogeneity"] == metrics.homogeneity_score(labels, clusters)
    assert scores["completeness"] == metrics.completeness_score(labels, clusters)
    majority = sum(np.bincount(labels[clusters == c]).max() for c in np.unique(clusters))
    assert scores["purity"] == majority / len(labels)
    assert purity(contingency(np.array([0, 0, 1, 1]), np.array([0, 0, 0, 1]))) == 0.75


def test_confusion_and_quality_use_the_best_init_of_each_k(labelling):
    labels, clusters = labelling
    best = pd.DataFrame({"k": [6, 7], "best_init_id": [1, 0], "inertia_best": [5.0, 4.0]})
    seven = np.where(clusters == 5, 6, clusters)
    fits = {(6, 0): np.zeros_like(clusters), (6, 1): clusters, (7, 0): seven}
    table, scores = confusion_and_quality(labels, None, best, fits)
    six = table[table["k"] == 6]
    assert six["best_init_id"].unique().tolist() == [1]
    assert six[[f"cluster_{j}" for j in range(6)]].to_numpy().sum() == len(labels)
    assert six["cluster_6"].isna().all() and table[table["k"] == 7]["cluster_6"].notna().all()
    assert scores.set_index("k").loc[6, "ari"] == metrics.adjusted_rand_score(labels, clusters)


@st.composite
def two_labelings(draw):
    """Two labelings of the same points, with values that may skip ids (labels or clusters that
    no point has), and a chunk size from one row to more than all of them."""
    n = draw(st.integers(1, 300))
    a = draw(st.lists(st.integers(0, draw(st.integers(0, 12))), min_size=n, max_size=n))
    b = draw(st.lists(st.integers(0, draw(st.integers(0, 40))), min_size=n, max_size=n))
    return np.array(a, dtype=np.int32), np.array(b, dtype=np.int32), draw(st.integers(1, n + 5))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=two_labelings())
def test_measures_from_the_chunked_table_equal_scikit_learns_on_the_labelings(case, tmp_path, monkeypatch):
    """Bit for bit, whatever the chunk size, on labelings read from memory maps."""
    a, b, rows = case
    for name, labels in (("a", a), ("b", b)):
        np.save(tmp_path / f"{name}.npy", labels)
    mapped = [io.load_npy(tmp_path / f"{name}.npy", mmap=True) for name in "ab"]
    monkeypatch.setattr(io, "CHUNK_ROWS", rows)
    table = contingency(*mapped)
    assert table.shape == (a.max() + 1, b.max() + 1) and table.sum() == len(a)
    assert np.array_equal(table[np.unique(a)][:, np.unique(b)], metrics.cluster.contingency_matrix(a, b))
    scores, together = quality(table), agreement(*mapped)
    assert scores["ari"] == together["ari"] == metrics.adjusted_rand_score(a, b)
    assert scores["nmi"] == metrics.normalized_mutual_info_score(a, b)
    assert scores["homogeneity"] == metrics.homogeneity_score(a, b)
    assert scores["completeness"] == metrics.completeness_score(a, b)
    assert together["naive_agreement_unmatched"] == np.mean(a == b)


def fake_records(backends, ks=(3, 4), inits=(0, 1, 2)):
    rng = np.random.default_rng(0)
    rows = []
    for b in backends:
        for k in ks:
            for i in inits:
                rows.append({
                    "dataset": "d", "backend": b, "k": k, "init_id": i, "init": "shared",
                    "inertia": 100.0 - k + rng.random(), "n_iter": int(rng.integers(5, 30)),
                    "converged": True, "fit_wall_s": float(rng.random()), "fit_cpu_s": 0.1, "threads": 1,
                    "n_points": 50, "peak_rss_mb": float(rng.integers(50, 90)), "data_mb": 0.1, "points_used": 50,
                    "blas": "openblas 0.3.30 Haswell", "fit_time_attributed": False, "record_path": "",
                })
    return pd.DataFrame(rows)


def test_timing_table_numbers_equal_the_fit_records():
    records = fake_records(["sklearn", "faiss"])
    jobs = [{"job": f"job{i}", "job_wall_s": 1.0 + i, "job_sampled_rss_mb": 10.0 + i} for i in range(len(records))]
    table = timing_table(records, jobs, "faiss").set_index(["backend", "k"])
    for (backend, k), rows in records.groupby(["backend", "k"]):
        row = table.loc[(backend, k)]
        assert row["fit_wall_s_median"] == rows["fit_wall_s"].median()
        assert row["fit_wall_s_min"] == rows["fit_wall_s"].min()
        assert row["fit_wall_s_max"] == rows["fit_wall_s"].max()
        assert row["n_iter_median"] == rows["n_iter"].median()
        assert row["s_per_iter_median"] == pytest.approx((rows["fit_wall_s"] / rows["n_iter"]).median())
        assert row["fit_process_peak_rss_mb"] == rows["peak_rss_mb"].max()
        assert row["job_sampled_rss_mb"] == max(jobs[i]["job_sampled_rss_mb"] for i in rows.index)
        assert row["fits_per_job"] == 1 and row["n_jobs"] == len(rows)
        assert row["job_wall_s_per_fit"] == pytest.approx(np.mean([jobs[i]["job_wall_s"] for i in rows.index]))
        ref = records[(records["backend"] == "faiss") & (records["k"] == k)]["fit_wall_s"].median()
        assert row["speedup_vs_reference"] == pytest.approx(ref / rows["fit_wall_s"].median())
        assert row["reference"] == "faiss"


def test_a_per_k_job_is_counted_once_and_its_seconds_shared_by_its_fits():
    records = fake_records(["sklearn", "fused"], ks=(3,), inits=(0, 1, 2, 3))
    records["fit_time_attributed"] = records["backend"] == "fused"
    jobs = [
        {"job": "fused/k3" if b == "fused" else f"sklearn/k3/init{i}", "job_wall_s": 8.0 if b == "fused" else 2.0,
         "job_sampled_rss_mb": 100.0}
        for b, i in zip(records["backend"], records["init_id"])
    ]
    table = timing_table(records, jobs, "sklearn").set_index("backend")
    assert table.loc["fused", "n_jobs"] == 1 and table.loc["fused", "fits_per_job"] == 4
    assert table.loc["fused", "job_wall_s_median"] == 8.0 and table.loc["fused", "job_wall_s_per_fit"] == 2.0
    assert table.loc["sklearn", "n_jobs"] == 4 and table.loc["sklearn", "job_wall_s_per_fit"] == 2.0
    assert table.loc["fused", "fit_time_attributed"] and not table.loc["sklearn", "fit_time_attributed"]


@pytest.mark.parametrize("seconds, iterations, short", [
    (0.012, 40, True), (0.4, 3, True), (0.4, 5, False), (0.6, 4, False), (0.06, 30, False),
])
def test_fits_too_short_or_too_few_iterations_are_marked_fixed_cost(seconds, iterations, short):
    records = fake_records(["sklearn"], ks=(3,), inits=(0,))
    records["fit_wall_s"], records["n_iter"] = seconds, iterations
    table = timing_table(records, [{"job": "j", "job_wall_s": 1.0, "job_sampled_rss_mb": 1.0}], "sklearn")
    assert bool(table["fixed_cost_dominated"].iloc[0]) is short
    assert fixed_cost_dominated(seconds, iterations) is short


def test_agreement_tables_compare_every_pair_on_the_same_inits():
    records = fake_records(["a", "b", "c"])
    rng = np.random.default_rng(2)
    base = {(k, i): rng.integers(0, k, 50) for k in (3, 4) for i in (0, 1, 2)}
    fits = {}
    for (k, i), labels in base.items():
        fits[("a", k, i)] = labels
        fits[("b", k, i)] = (labels + 1) % k
        fits[("c", k, i)] = rng.integers(0, k, 50)
    elbows = {name: {"two_line": {"k": 3}, "kneedle": {"k": 4 if name == "c" else 3}} for name in "abc"}
    by_init, by_k, elbow = agreement_tables(records, fits, elbows)
    assert len(by_init) == 3 * 2 * 3
    ab = by_init[(by_init["backend_a"] == "a") & (by_init["backend_b"] == "b")]
    assert (ab["matched_agreement"] == 1.0).all() and (ab["naive_agreement_unmatched"] == 0.0).all()
    row = by_init.iloc[0]
    ra = records.set_index(["backend", "k", "init_id"]).loc[(row["backend_a"], row["k"], row["init_id"])]
    rb = records.set_index(["backend", "k", "init_id"]).loc[(row["backend_b"], row["k"], row["init_id"])]
    assert row["inertia_ratio"] == rb["inertia"] / ra["inertia"]
    assert set(by_k["n_inits"]) == {3}
    kneedle = elbow[elbow["method"] == "kneedle"].set_index(["backend_a", "backend_b"])["agree"]
    assert kneedle[("a", "b")] and not kneedle[("a", "c")]


def test_missing_elbows_are_no_agreement():
    """With fewer than 4 k values neither backend has a two-line elbow: that is not agreement."""
    records = fake_records(["a", "b"], ks=(3,), inits=(0,))
    fits = {(b, 3, 0): np.array([0, 1, 2, 0]) for b in "ab"}
    elbows = {b: {"two_line": {"k": None}, "kneedle": {"k": 3}} for b in "ab"}
    _, _, elbow = agreement_tables(records, fits, elbows)
    agree = elbow.set_index("method")["agree"]
    assert agree["two_line"] is None and agree["kneedle"]


def test_a_fit_process_reports_its_own_peak_memory_not_its_parents():
    """getrusage's ru_maxrss is carried across fork and exec: a child of a 400 MB parent reads
    400 MB. The record's peak (VmHWM) is the child's own."""
    import subprocess
    import sys

    parent = bytearray(400 * 2**20)
    parent[:: 4096] = b"x" * len(parent[:: 4096])
    code = ("import resource; from kmeans_study.runtime import peak_rss_mb; "
            "print(peak_rss_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    own, inherited = map(float, subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                               text=True).stdout.split())
    assert inherited > 400 and own < 150
