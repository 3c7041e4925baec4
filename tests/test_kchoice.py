"""How many clusters: the criteria, the gap statistic, the resampled elbow and the verdict rule,
on data whose answer is known, without Snakemake (tests/test_reruns.py has the workflow's caching)."""

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from kmeans_study.aggregate.elbow import elbow_summary, kneedle_picks, two_line_elbow, two_line_picks, two_line_scores
from kmeans_study.backends.run import run_fit, run_fused
from kmeans_study.kchoice.criteria import criteria_table, silhouette_sample
from kmeans_study.kchoice.gap import fit_references, gap_table, principal_box, reference_data, tibshirani_pick
from kmeans_study.kchoice.resample import resampled_curves, resampled_picks
from kmeans_study.kchoice.verdict import decide, k_choice_report, sentence
from kmeans_study.lloyd.starts import kmeans_plusplus_many

PARAMS = {"max_iter": 300, "tol": 1e-4, "init": "shared"}


def fit_all(X, ks, inits):
    """Every (k, init) fitted by the fused engine from k-means++ starts, all inits of a k in one
    call as the fit_fused rule does: records and labels as the pipeline's result files hold them."""
    rows, labels = [], {}
    for k in ks:
        seeds = [100 * k + i for i in range(inits)]
        fits = run_fused(X, kmeans_plusplus_many(X, k, seeds), backend="fused", params=PARAMS, k=k,
                         seeds=seeds, threads=1, dataset="t", init_ids=list(range(inits)))
        for i, (_, fitted, record) in enumerate(fits):
            rows.append({"backend": "fused", "k": k, "init_id": i, "inertia": record["inertia"]})
            labels[(k, i)] = fitted
    return pd.DataFrame(rows), labels


def k_choice_of(X, ks, inits=6, refs=3, resamples=200):
    """k_choice.json, k_choice.csv and criteria.csv of X as the rules compute them, one backend."""
    records, labels = fit_all(X, ks, inits)
    criteria = criteria_table(X, records, labels, silhouette_sample(len(X), 300, 0), 0.5)
    best = criteria.set_index("k")["inertia"]
    box = principal_box(X)
    references = {b: reference_data(box, len(X), 50 + b) for b in range(refs)}
    ref_inertia = [
        [r["inertia"] for r in sorted(
            fit_references(references, k=k, seeds={b: {0: 7 * b + k} for b in range(refs)}, backend="fused",
                           base_backend="fused", params=PARAMS, threads=1, dataset="t").values(),
            key=lambda r: r["ref"])]
        for k in ks
    ]
    data_side = records[records["init_id"] == 0].set_index("k")["inertia"].reindex(ks)
    gap = {"backend": "fused", "inits": 1, "table": gap_table(ks, data_side.to_numpy(), ref_inertia)}
    report, table = k_choice_report(
        "t", "fused", criteria={"fused": criteria}, elbows={"fused": elbow_summary(ks, best.reindex(ks).to_numpy())},
        scores={"fused": two_line_scores(ks, best.reindex(ks).to_numpy())},
        resampled={"fused": resampled_picks(records, resamples, 0.5, 1)}, gap=gap, subsample=None, min_votes=4,
        min_share=0.8,
    )
    return report, table, criteria


@pytest.fixture(scope="module")
def separated():
    """Six well-separated blobs in 8 dimensions (600 points), k = 2..10."""
    from sklearn.datasets import make_blobs

    X, _ = make_blobs(n_samples=600, n_features=8, centers=6, cluster_std=0.6, center_box=(-12, 12), random_state=4)
    return k_choice_of(np.ascontiguousarray(X, dtype=np.float32), list(range(2, 11)))


def test_well_separated_blobs_every_criterion_picks_the_centres_confidently(separated):
    report, table, _ = separated
    assert report["criteria"] == dict.fromkeys(
        ["two_line", "kneedle", "silhouette", "calinski_harabasz", "davies_bouldin", "gap"], 6
    )
    assert report["k"] == 6 and report["confident"] and report["votes"] == {"6": 6}
    share = report["resamples"]["fused"]["two_line"]["6"]
    assert share >= 0.8  # a resample whose 3 inits all split a blob and merged two others picks another k
    assert report["sentence"] == (
        f"t: k = 6, confident: 6 of 6 criteria pick 6 and the two-line elbow picks 6 in {100 * share:.0f}% of 200 "
        "resamples of the inits."
    )
    assert set(table["criterion"]) == set(report["criteria"]) and not table["at_edge"].any()
    assert (table.set_index("criterion").loc[["two_line", "silhouette", "gap"], "margin"] > 0).all()


def test_uniform_data_gives_no_confident_k():
    X = np.random.default_rng(3).random((600, 3), dtype=np.float32)
    report, _, _ = k_choice_of(X, list(range(2, 11)))
    assert not report["confident"]
    assert report["sentence"].startswith("t: no clear k in 2..10: ")


@st.composite
def labelled_data(draw):
    """float32 X (n, d) with repeated rows and far-apart values, labels in [0, k) that may leave
    clusters empty, and a chunk size from one row to more than n."""
    n, d, k = draw(st.integers(3, 120)), draw(st.integers(1, 6)), draw(st.integers(2, 9))
    values = st.floats(-1e3, 1e3, width=32, allow_subnormal=False)
    X = draw(hnp.arrays(np.float32, (n, d), elements=values | st.sampled_from([0.0, 1.5])))
    labels = draw(hnp.arrays(np.int32, n, elements=st.integers(0, k - 1)))
    return X, labels, k, draw(st.integers(1, n + 3))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=labelled_data())
def test_chunked_calinski_harabasz_and_davies_bouldin_equal_scikit_learns(case, tmp_path, monkeypatch):
    """Davies-Bouldin bit for bit, Calinski-Harabasz to float rounding (its within-cluster sum is
    added in another order), from memory maps read in chunks of any size; NaN where scikit-learn
    refuses the number of clusters."""
    from sklearn import metrics

    from kmeans_study import io
    from kmeans_study.kchoice.separation import calinski_harabasz_davies_bouldin

    X, labels, k, rows = case
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "labels.npy", labels)
    monkeypatch.setattr(io, "CHUNK_ROWS", rows)
    calinski, davies = calinski_harabasz_davies_bouldin(
        io.load_npy(tmp_path / "X.npy", mmap=True), io.load_npy(tmp_path / "labels.npy", mmap=True), k
    )
    if not 2 <= np.unique(labels).size < len(labels):
        assert np.isnan(calinski) and np.isnan(davies)
        return
    assert davies == metrics.davies_bouldin_score(X, labels)
    assert calinski == pytest.approx(metrics.calinski_harabasz_score(X, labels), rel=1e-9)


def test_criteria_from_memory_maps_in_chunks_equal_scikit_learns_in_memory(tmp_path, monkeypatch):
    """criteria.csv's numbers as the job computes them (X and every fit's labels memory-mapped,
    read 7 rows at a time) against scikit-learn's functions on the arrays in memory."""
    from sklearn import metrics

    from kmeans_study import io
    from kmeans_study.kchoice.stability import top_inits

    rng = np.random.default_rng(5)
    X = (rng.normal(size=(400, 6)) + rng.integers(0, 4, 400)[:, None] * 3).astype(np.float32)
    np.save(tmp_path / "X.npy", X)
    records, labels = [], {}
    for k in (2, 3, 4, 6):
        for init in range(4):
            labels[(k, init)] = rng.integers(0, k, 400).astype(np.int32)
            np.save(tmp_path / f"{k}_{init}.npy", labels[(k, init)])
            records.append({"k": k, "init_id": init, "inertia": float(rng.random())})
    records = pd.DataFrame(records)
    mapped = {key: io.load_npy(tmp_path / f"{key[0]}_{key[1]}.npy", mmap=True) for key in labels}
    sample = silhouette_sample(len(X), 150, 1)
    monkeypatch.setattr(io, "CHUNK_ROWS", 7)
    table = criteria_table(io.load_npy(tmp_path / "X.npy", mmap=True), records, mapped, sample, 0.75).set_index("k")
    distances = metrics.pairwise_distances(X[sample].astype(np.float64))
    for k, group in records.groupby("k"):
        top = top_inits(dict(zip(group["init_id"], group["inertia"])), 0.75)
        best = labels[(k, top[0])]
        row = table.loc[k]
        assert row["best_init_id"] == top[0]
        assert row["davies_bouldin"] == metrics.davies_bouldin_score(X, best)
        assert row["calinski_harabasz"] == pytest.approx(metrics.calinski_harabasz_score(X, best), rel=1e-12)
        assert row["silhouette"] == metrics.silhouette_score(distances, best[sample], metric="precomputed")
        aris = [metrics.adjusted_rand_score(labels[(k, a)], labels[(k, b)]) for a, b in itertools.combinations(top, 2)]
        assert len(aris) == 3 and row["ari_top_median"] == np.median(aris) and row["ari_top_min"] == min(aris)


def test_gap_statistic_equals_a_direct_computation():
    """Tibshirani's formulas written out on 12 points: W_k = sum over clusters of the pairwise
    squared distances / (2 n_r), from the fits' labels; Gap, sd, s_k and the rule by loops."""
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(c, 0.3, (4, 2)) for c in ((0, 0), (5, 0), (0, 5))]).astype(np.float32)
    ks, refs = [2, 3, 4], 4
    box = principal_box(X)
    references = {b: reference_data(box, len(X), b) for b in range(refs)}

    def w(points, labels):
        return sum(
            ((points[labels == r][:, None] - points[labels == r][None]) ** 2).sum() / (2 * (labels == r).sum())
            for r in np.unique(labels)
        )

    def fitted_w(points, k, seed):
        start = kmeans_plusplus_many(points, k, [seed])[0]
        _, labels, record = run_fit(points, start, backend="fused", params=PARAMS, k=k,
                                    seed=seed, threads=1, dataset="t", init_id=0)
        assert w(points.astype(np.float64), labels) == pytest.approx(record["inertia"], rel=1e-6)
        return record["inertia"]

    data_w = [fitted_w(X, k, 1) for k in ks]
    ref_w = [[fitted_w(references[b], k, 10 + b) for b in range(refs)] for k in ks]
    expected = []
    for k_index in range(len(ks)):
        logs = [np.log(ref_w[k_index][b]) for b in range(refs)]
        mean = sum(logs) / refs
        sd = (sum((v - mean) ** 2 for v in logs) / refs) ** 0.5
        expected.append((mean - np.log(data_w[k_index]), sd * (1 + 1 / refs) ** 0.5))
    table = gap_table(ks, data_w, ref_w)
    np.testing.assert_allclose(table["gap"], [g for g, _ in expected], rtol=1e-12)
    np.testing.assert_allclose(table["s"], [s for _, s in expected], rtol=1e-12)
    gaps, errors = [g for g, _ in expected], [s for _, s in expected]
    rule = next((ks[i] for i in range(len(ks) - 1) if gaps[i] >= gaps[i + 1] - errors[i + 1]), ks[-1])
    assert tibshirani_pick(table)[0] == rule == 3


def test_gap_rule_falls_to_the_last_k_while_the_gap_rises():
    table = pd.DataFrame({"k": [2, 3, 4], "gap": [0.1, 0.5, 0.9], "s": [0.01, 0.01, 0.01]})
    assert tibshirani_pick(table) == (4, None)
    table["gap"] = [0.1, 0.5, 0.495]
    k, slack = tibshirani_pick(table)
    assert k == 3 and slack == pytest.approx(0.5 - 0.495 + 0.01)


def test_reference_data_is_uniform_over_the_principal_box():
    """Data stretched along a diagonal: the references fill the rotated box, not the axis box."""
    rng = np.random.default_rng(1)
    t = rng.uniform(-10, 10, 2000)
    X = np.stack([t + rng.normal(0, 0.5, t.size), t + rng.normal(0, 0.5, t.size)], axis=1).astype(np.float32) + 3
    mean, V, low, high = box = principal_box(X)
    Z = reference_data(box, 5000, 0)
    projected = (Z.astype(np.float64) - mean) @ V
    assert (projected >= low - 1e-4).all() and (projected <= high + 1e-4).all()
    np.testing.assert_allclose(projected.min(axis=0), low, atol=0.05 * (high - low).max())
    # Uniform within the thin box: every reference point is near the diagonal (an axis box would not be).
    assert np.abs(Z[:, 0] - Z[:, 1]).max() < 4
    np.testing.assert_array_equal(reference_data(box, 5000, 0), Z)


def test_resampling_is_reproducible_with_its_seed():
    rng = np.random.default_rng(5)
    inertia = 1e4 / np.arange(2, 12)[:, None] ** 0.8 * (1 + 0.02 * rng.random((10, 10)))
    first = resampled_curves(inertia, 300, 0.5, seed=11)
    np.testing.assert_array_equal(first, resampled_curves(inertia, 300, 0.5, seed=11))
    assert not np.array_equal(first, resampled_curves(inertia, 300, 0.5, seed=12))
    # Each value is the best of some 5 inits: at least the k's 5th-lowest inertia... and at most its 6th.
    ranked = np.sort(inertia, axis=1)
    assert (first >= ranked[:, :1].T).all() and (first <= ranked[:, 5:6].T).all()
    records = pd.DataFrame(
        [{"k": k, "init_id": i, "inertia": inertia[k - 2, i]} for k in range(2, 12) for i in range(10)]
    )
    assert resampled_picks(records, 300, 0.5, 11) == resampled_picks(records, 300, 0.5, 11)


def test_the_resampled_elbows_follow_the_rule_of_elbow_json_on_a_geometric_range():
    """Every init alike: every resample is the curve itself, and picks what elbow.json picks
    (kneedle on log k: 64 here, where on k it would pick 128)."""
    from kneed import KneeLocator

    ks = [16, 32, 64, 128, 256, 512, 1024]
    inertia = [1000.0, 600.0, 380.0, 300.0, 270.0, 255.0, 245.0]
    records = pd.DataFrame([{"k": k, "init_id": i, "inertia": v} for k, v in zip(ks, inertia) for i in range(4)])
    picks = resampled_picks(records, 50, 0.5, 0)
    summary = elbow_summary(ks, inertia)
    assert picks["kneedle"] == {str(summary["kneedle"]["k"]): 1.0} and summary["kneedle"]["k"] == 64
    assert picks["two_line"] == {str(summary["two_line"]["k"]): 1.0}
    assert KneeLocator(ks, inertia, S=1.0, curve="convex", direction="decreasing").knee == 128


def test_many_curve_elbows_equal_one_curve_at_a_time():
    """The resamples' picks use the same functions as elbow.json: every curve's pick is the
    one-curve pick, and kneedle equals kneed's KneeLocator (convex, decreasing, S = 1)."""
    import warnings

    from kneed import KneeLocator

    rng = np.random.default_rng(2)
    ks = np.arange(3, 14)
    curves = np.concatenate([
        1e5 / ks ** rng.uniform(0.2, 2.5, (300, 1)) + rng.normal(0, 50, (300, ks.size)),
        np.round(rng.uniform(0, 4, (100, ks.size))),  # plateaus and ties
    ])
    assert two_line_picks(ks, curves).tolist() == [two_line_elbow(ks, c) for c in curves]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = [KneeLocator(ks, c, S=1.0, curve="convex", direction="decreasing").knee for c in curves]
    assert kneedle_picks(ks, curves) == [None if k is None else int(k) for k in expected]


@pytest.mark.parametrize(
    "picks, shares, expected",
    [
        # edges are no evidence: five picks at 2 or 10 leave one vote, too few for a k
        ({"a": 2, "b": 2, "c": 10, "d": 10, "e": 2, "f": 6}, {"6": 1.0}, (None, False)),
        # a tie between interior picks is no k
        ({"a": 5, "b": 5, "c": 7, "d": 7, "e": None, "f": 2}, {"5": 1.0}, (None, False)),
        # enough votes but a coin-flip elbow is not confident
        ({"a": 6, "b": 6, "c": 6, "d": 6, "e": 2, "f": 10}, {"6": 0.79, "7": 0.21}, (6, False)),
        ({"a": 6, "b": 6, "c": 6, "d": 6, "e": 2, "f": 10}, {"6": 0.8, "7": 0.2}, (6, True)),
        # a clear elbow with three votes is not confident either
        ({"a": 6, "b": 6, "c": 6, "d": 5, "e": 2, "f": 10}, {"6": 1.0}, (6, False)),
    ],
)
def test_verdict_rule(picks, shares, expected):
    verdict = decide(picks, list(range(2, 11)), shares, min_votes=4, min_share=0.8)
    assert (verdict["k"], verdict["confident"]) == expected


def test_an_unsure_verdict_says_why_with_the_most_frequent_elbow():
    """mnist5k's case: two criteria for 9, three at the edges, and an elbow that picks 8 more often
    than 9 over the resamples (shares keyed as JSON sorts them, "10" before "8")."""
    picks = {"two_line": 9, "kneedle": 9, "silhouette": 5, "calinski_harabasz": 5, "davies_bouldin": 14, "gap": 15}
    resampled = {"resamples": 1000, "two_line": {"10": 0.15, "8": 0.56, "9": 0.29}}
    ks = list(range(5, 16))
    verdict = decide(picks, ks, resampled["two_line"], 4, 0.8)
    assert (verdict["k"], verdict["confident"]) == (9, False)
    assert sentence("mnist5k", verdict, picks=picks, ks=ks, resampled=resampled, min_votes=4, min_share=0.8) == (
        "mnist5k: no clear k in 5..15: only 2 of 6 criteria pick 9 (two-line 9, kneedle 9, silhouette 5 at the edge, "
        "Calinski-Harabasz 5 at the edge, Davies-Bouldin 14, gap 15 at the edge) and the two-line elbow picks 9 in "
        "only 29% of 1000 resamples (8 in 56%)."
    )


def test_figure_fits_a_page_and_no_text_overlaps(separated, tmp_path):
    """At the default dpi: at most 2000 px wide, no two texts overlapping, the two lines of the
    two-line elbow and the gap's error bars drawn, every pick marked."""
    from figures import check_figure
    from PIL import Image

    from kmeans_study import io
    from kmeans_study.kchoice.figure import k_choice_figure

    report, _, criteria = separated
    fig = k_choice_figure(report, criteria)
    check_figure(fig)
    elbow, gap = fig.axes[0], fig.axes[3]
    assert [line.get_label() for line in elbow.get_lines()][1:3] == ["line through k=2..5", "line through k=6..10"]
    assert gap.containers, "the gap's s_k error bars"
    assert all("pick 6" in ax.get_title() for ax in (fig.axes[0], fig.axes[3], fig.axes[4], fig.axes[5], fig.axes[6]))
    io.save_figure(tmp_path / "k_choice.png", fig, 120)
    width, height = Image.open(tmp_path / "k_choice.png").size
    assert 1200 < width <= 2000 and height < width


def test_the_summary_table_shows_each_pick_as_a_whole_k_even_beside_a_missing_one():
    from kmeans_study.kchoice.verdict import summary_lines

    table = pd.DataFrame({"criterion": ["two_line", "silhouette"], "backend": ["a", "a"], "k": [None, 2.0],
                          "at_edge": [False, True], "margin": [None, 0.06], "resample_share": [1.0, None]})
    lines = summary_lines({"backend": "a", "sentence": "s"}, table)
    rows = {line.split("|")[1].strip(): line.split("|")[2].strip() for line in lines if line.startswith("| ")}
    assert rows["two-line"] == "-" and rows["silhouette"] == "2 (edge)"


def test_the_gap_statistics_sample_is_the_data_when_small_else_seeded_rows(tmp_path, monkeypatch):
    from kmeans_study import io
    from kmeans_study.kchoice.gap import gap_rows
    from kmeans_study.steps.kchoice import gap_reference

    assert gap_rows(500, 500, 1) is None
    rows = gap_rows(1000, 300, 1)
    assert len(rows) == len(np.unique(rows)) == 300 and np.all(np.diff(rows) > 0)
    np.testing.assert_array_equal(rows, gap_rows(1000, 300, 1))
    monkeypatch.chdir(tmp_path)
    X = np.random.default_rng(0).normal(size=(1000, 3)).astype(np.float32)
    io.save_npy(tmp_path / "X.npy", X)
    references = [f"results/d/gap/ref{b}/X.npy" for b in range(2)]
    gap_reference(X=str(tmp_path / "X.npy"), seeds={0: 5, 1: 6}, sample={"rows": 300, "seed": 1},
                  references=references)
    assert [np.load(path).shape for path in references] == [(300, 3), (300, 3)]
    gap_reference(X=str(tmp_path / "X.npy"), seeds={0: 5, 1: 6}, sample={"rows": 5000, "seed": 1},
                  references=references)
    assert [np.load(path).shape for path in references] == [(1000, 3), (1000, 3)]


def test_references_of_a_sample_scale_the_datas_w_k_and_leave_the_pick(tmp_path, monkeypatch):
    """W_k of the data is scaled to the references' points, which shifts every Gap(k) by the same
    log and so leaves Tibshirani's pick; k_choice.json says the references were of a sample."""
    import pandas as pd

    from kmeans_study import io, paths
    from kmeans_study.kchoice.gap import gap_table, tibshirani_pick
    from kmeans_study.steps.kchoice import _gap

    ks, refs = [2, 3, 4, 5], [0, 1, 2]
    rng = np.random.default_rng(2)
    data_w = np.array([900.0, 500.0, 430.0, 400.0])
    ref_w = np.array([[250.0, 200.0, 170.0, 150.0]]).T * rng.uniform(0.95, 1.05, (4, 3)) / 4
    monkeypatch.chdir(tmp_path)
    records = []
    for i, k in enumerate(ks):
        for b in refs:
            path = paths.fmt(paths.GAP_FIT, dataset="d", k=k, ref=b)
            io.write_json(path, {"inertia": float(ref_w[i, b]), "n_points": 100})
            records.append(path)
    data = pd.DataFrame({"backend": "fused", "init_id": 0, "k": ks, "inertia": data_w, "n_points": 400})
    sampled = _gap(records, data, "fused", [0])
    assert sampled["sample"] == {"points": 100, "of": 400}
    np.testing.assert_allclose(sampled["table"]["log_w"], np.log(data_w / 4))
    whole = gap_table(ks, data_w, ref_w)
    np.testing.assert_allclose(sampled["table"]["gap"], whole["gap"] + np.log(4))
    assert tibshirani_pick(sampled["table"]) == pytest.approx(tibshirani_pick(whole))
