"""Every figure rendered on realistic tables and checked for what a reader would notice: its
size at the default dpi, overlapping or escaping text, and the artists its caption promises."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from figures import check_figure, tick_labels
from study_tables import BLOBS, DEFAULT_STUDY, large_k_backends, study_tables

from kmeans_study.aggregate import plots
from kmeans_study.aggregate.elbow import cut_lines, elbow_summary, two_line_scores
from kmeans_study.aggregate.pareto import pareto_ks

KS = list(range(5, 16))


@pytest.fixture(scope="module")
def default_study():
    return study_tables(DEFAULT_STUDY, KS, 10, "sklearn")


@pytest.fixture(scope="module")
def blobs_study():
    return study_tables(BLOBS, KS, 10, "sklearn")


@pytest.fixture(scope="module")
def large_k_study():
    backends = large_k_backends()
    return study_tables(backends, [64, 256, 1024], 1, "faiss", pairs=[("faiss", b) for b in backends if b != "faiss"])


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def by_gid(fig, gid: str) -> list:
    return [artist for artist in fig.findobj(lambda a: a.get_gid() == gid)]


def gids(fig, prefix: str) -> set[str]:
    return {a.get_gid() for a in fig.findobj(lambda a: str(a.get_gid()).startswith(prefix))}


def test_elbow_figure_draws_the_winning_cut_and_both_elbows(default_study):
    best = default_study["best"]["sklearn"]
    elbow, scores = default_study["elbows"]["sklearn"], default_study["scores"]["sklearn"]
    fig = plots.elbow_figure(best, elbow, scores, "d: how many clusters, sklearn fits")
    check_figure(fig, min_panel_share=0.4)
    (left,), (right,) = by_gid(fig, "two-line-left"), by_gid(fig, "two-line-right")
    t = int(scores.loc[scores["k_split"] == elbow["two_line"]["k"], "t"].iloc[0])
    (a1, b1), (a2, b2) = cut_lines(best["k"], best["inertia_best"], t)
    assert left.get_xdata()[0] == KS[0] and right.get_xdata()[-1] == KS[-1]
    assert np.allclose(left.get_ydata(), a1 * left.get_xdata() + b1)
    assert np.allclose(right.get_ydata(), a2 * right.get_xdata() + b2)
    (ring,), (square,) = by_gid(fig, "elbow-two-line"), by_gid(fig, "elbow-kneedle")
    assert ring.get_xdata()[0] == elbow["two_line"]["k"] and square.get_xdata()[0] == elbow["kneedle"]["k"]
    assert ring.get_marker() != square.get_marker() and ring.get_markersize() != square.get_markersize()
    # no fit time here any more: the timing figure has it, on one scale for every backend
    assert not any("time" in text.get_text() for text in fig.findobj(lambda a: hasattr(a, "get_text")))


def test_elbow_markers_stay_apart_when_both_methods_pick_the_same_k():
    ks = np.arange(2, 12)
    inertia = np.where(ks < 5, 100 - 25 * (ks - 2), 25 - 2 * (ks - 5)).astype(float)
    elbow = elbow_summary(ks, inertia)
    assert elbow["two_line"]["k"] == elbow["kneedle"]["k"] == 5
    best = pd.DataFrame({"k": ks, "inertia_best": inertia, "inertia_median": inertia * 1.01,
                         "inertia_max": inertia * 1.05, "n_inits": 3})
    fig = plots.elbow_figure(best, elbow, two_line_scores(ks, inertia), "same k")
    check_figure(fig)
    (ring,), (square,) = by_gid(fig, "elbow-two-line"), by_gid(fig, "elbow-kneedle")
    # the square is drawn larger than the ring, so both stay visible on the same point
    assert square.get_markersize() > ring.get_markersize() + 3


def test_elbow_figure_without_a_two_line_elbow_says_why():
    best = pd.DataFrame({"k": [3, 4, 5], "inertia_best": [9.0, 5.0, 4.0], "inertia_median": [9.5, 5.2, 4.1],
                         "inertia_max": [10.0, 6.0, 4.5], "n_inits": 3})
    elbow = elbow_summary(best["k"], best["inertia_best"])
    fig = plots.elbow_figure(best, elbow, two_line_scores(best["k"], best["inertia_best"]), "three k")
    texts = [t.get_text() for t in check_figure(fig)]
    assert any("4 k values" in t for t in texts) and not by_gid(fig, "two-line-left")


def test_the_spread_panel_shows_the_inits_relative_to_the_best(default_study):
    best = default_study["best"]["faiss"]
    fig = plots.elbow_figure(best, default_study["elbows"]["faiss"], default_study["scores"]["faiss"], "spread")
    spread = fig.axes[2]
    median, worst = spread.get_lines()
    assert np.allclose(worst.get_ydata(), 100 * (best["inertia_max"] / best["inertia_best"] - 1))
    assert np.allclose(median.get_ydata(), 100 * (best["inertia_median"] / best["inertia_best"] - 1))


@pytest.mark.parametrize("study", ["default_study", "blobs_study", "large_k_study"])
def test_timing_figure_marks_fits_too_short_to_time_iterations(study, request):
    tables = request.getfixturevalue(study)
    timing = tables["timing"]
    fig = plots.timing_figure(timing, "d: which backend is fastest")
    texts = [t.get_text() for t in check_figure(fig, min_panel_share=0.35)]
    iter_ax = fig.axes[2]
    for backend, rows in timing.groupby("backend"):
        short = rows[rows["fixed_cost_dominated"]]
        hollow = by_gid(fig, f"short:{backend}")[0]
        assert sorted(hollow.get_xdata()) == sorted(short["k"]) and hollow.get_markerfacecolor() == "none"
    timed = [line for line in iter_ax.get_lines() if not str(line.get_gid()).startswith("short")]
    timed_points = sum(len(line.get_xdata()) for line in timed)
    assert timed_points == int((~timing["fixed_cost_dominated"]).sum())
    if timing["fit_time_attributed"].any():
        assert any(t.startswith("fused: fit time is its share of a 10-fit job") for t in texts)


def test_the_blobs_timing_figure_times_no_iteration(blobs_study):
    assert blobs_study["timing"]["fixed_cost_dominated"].all()
    fig = plots.timing_figure(blobs_study["timing"], "blobs")
    assert "no fit long enough to time" in fig.axes[2].get_title()


@pytest.mark.parametrize("study", ["default_study", "large_k_study"])
def test_agreement_figure_shows_every_pair_even_where_pairs_are_equal(study, request):
    by_k = request.getfixturevalue(study)["agreement"]
    fig = plots.agreement_figure(by_k, "d: do the backends agree?")
    check_figure(fig, min_panel_share=0.4)
    pairs = list(dict.fromkeys(zip(by_k["backend_a"], by_k["backend_b"])))
    for ax in fig.axes[:2]:
        markers = [line for line in ax.get_lines() if str(line.get_gid()).startswith("pair:")]
        assert sorted(m.get_gid() for m in markers) == sorted(f"pair:{b} vs {a}" for a, b in pairs)
        # at every k, each pair's marker sits in its own slot, at least a marker apart on screen
        xs = np.array([ax.transData.transform(np.c_[m.get_xdata(), m.get_ydata()])[:, 0] for m in markers])
        for column in xs.T:
            gaps = np.diff(np.sort(column))
            marker_px = markers[0].get_markersize() * fig.dpi / 72
            assert gaps.min() >= 0.9 * marker_px
    # identical pairs are identical in the table, so it is the slots that keep them apart
    exact = by_k[by_k["ari_median"] == 1.0]
    assert exact.groupby("k").size().max() >= 2
    assert not any("mean(a" in t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))


@pytest.mark.parametrize("study", ["default_study", "large_k_study"])
def test_pareto_figure_fits_a_page_with_every_k_and_the_data_inside_its_axes(study, request):
    table = request.getfixturevalue(study)["pareto"]
    ks = pareto_ks(table["k"])
    assert ks == sorted(table["k"].unique())
    fig = plots.pareto_figure(table, ks, "d: fit time against inertia gap")
    check_figure(fig, min_panel_share=0.4)
    panels = [ax for ax in fig.axes if ax.get_title().startswith("k = ")]
    assert [ax.get_title() for ax in panels] == [f"k = {k}" for k in ks]
    budget = 100 * table["inertia_budget"].iloc[0]
    for ax, k in zip(panels, ks):
        block = table[table["k"] == k]
        assert gids(ax, "point:") == {f"point:{b}" for b in block["backend"]}
        bottom, top = ax.get_ylim()
        left, right = ax.get_xlim()
        gaps, times = 100 * block["inertia_gap_median"], block["fit_wall_s_median"]
        assert ((gaps > bottom) & (gaps < top)).all() and ((times > left) & (times < right)).all()
        # the budget line lies inside the panel, clear of its edges
        edge = ax.transData.transform([[left, top]])[0][1] - ax.transData.transform([[left, budget]])[0][1]
        assert edge > 10
        assert len(tick_labels(ax.xaxis)) >= 2
    assert fig.get_size_inches()[0] * 120 <= 2000


def test_pareto_x_ticks_are_labelled_in_time_units(default_study):
    fig = plots.pareto_figure(default_study["pareto"], [10], "one k")
    check_figure(fig)
    labels = tick_labels(fig.axes[0].xaxis)
    assert len(labels) >= 2 and all(label.endswith(("ms", " s")) for label in labels)


def test_time_ticks_stay_apart_on_a_narrow_range_of_seconds(default_study):
    """Fits of 0.95 to 1.9 s (small data whose fits compile their kernels): the axis spans 0.67 to
    2.7 s, where ticks at every mantissa would put 700, 800 and 900 ms side by side."""
    pareto = default_study["pareto"][default_study["pareto"]["k"] == 10].copy()
    pareto["fit_wall_s_median"] = np.linspace(0.95, 1.9, len(pareto))
    fig = plots.pareto_figure(pareto, [10], "one k")
    check_figure(fig)
    labels = tick_labels(fig.axes[0].xaxis)
    assert 2 <= len(labels) <= 4 and "1 s" in labels


@pytest.mark.parametrize("k, labels", [(15, 10), (1024, 100)])
def test_confusion_figure_fits_a_page_width(k, labels):
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 50, (labels, k))
    table = pd.DataFrame(counts, columns=[f"cluster_{j}" for j in range(k)])
    table.insert(0, "label", range(labels))
    table.insert(0, "best_init_id", 0)
    table.insert(0, "k", k)
    check_figure(plots.confusion_figure(table, k, f"d, sklearn: labels vs clusters at k={k}"))


def test_quantization_figure_fits_a_page_width():
    rng = np.random.default_rng(0)
    original = rng.random((40, 60, 3))
    table = pd.DataFrame({"k": [4, 8, 16, 32], "psnr_db": [20.1, 23.4, 26.0, 28.9], "n_colours": [4, 8, 16, 32]})
    fig = plots.quantization_figure(original, {k: original for k in table["k"]}, table, "img: colour quantization")
    check_figure(fig)
