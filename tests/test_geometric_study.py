"""End to end: a geometric k range with the large-k strategies beside fused, as an embeddings
study runs them (issue 20, item 5): every table, the elbows on their rule, and every figure with
k on a log axis labelled with the k values."""

import json

import pandas as pd
import pytest
from smk import completed_study

from kmeans_study.aggregate.elbow import kneedle_picks, two_line_elbow

KS = [2, 4, 8, 16, 32]
BACKENDS = {"fused": {}, "restricted": {"candidates": 4}, "bounded": {"candidates": 4},
            "faiss_ivf": {"nlist": 4, "nprobe": 2}}

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    config = {
        "k": {"values": KS},
        "inits": 2,
        "datasets": {"blobs": {"source": "blobs", "n_samples": 400, "n_features": 8, "centers": 8}},
        "backends": BACKENDS,
        "k_choice": {"gap": {"references": 0}, "resamples": 200},
        "report": {"reference_backend": "fused"},
    }
    return completed_study(tmp_path_factory, "geometric", config) / "results"


def test_every_backend_fits_every_k_and_every_pair_is_compared(study):
    timing = pd.read_csv(study / "blobs/timing.csv")
    assert set(zip(timing["backend"], timing["k"])) == {(b, k) for b in BACKENDS for k in KS}
    assert (timing["reference"] == "fused").all()
    agreement = pd.read_csv(study / "blobs/agreement.csv")
    pairs = [frozenset(pair) for pair in zip(agreement["backend_a"], agreement["backend_b"])]
    assert set(pairs) == {frozenset((a, b)) for i, a in enumerate(BACKENDS) for b in list(BACKENDS)[i + 1:]}
    assert len(agreement) == len(set(pairs)) * len(KS) and (agreement["n_inits"] == 2).all()
    # bounded is exact Lloyd, and restricted is exact where its 4 candidates cover k
    with_fused = agreement[[pair in ({"fused", "bounded"}, {"fused", "restricted"}) for pair in pairs]]
    exact = with_fused[(with_fused["backend_a"] == "bounded") | (with_fused["backend_b"] == "bounded")
                       | (with_fused["k"] <= 4)]
    assert len(exact) == len(KS) + 2 and (exact["ari_min"] == 1.0).all()


def test_the_elbows_follow_their_rule_on_the_geometric_range(study):
    """The two-line elbow on k, kneedle on log k (elbow.json says so), the resamples the same."""
    for backend in BACKENDS:
        elbow = json.loads((study / f"blobs/{backend}/elbow.json").read_text())
        assert elbow["k"] == KS and "on log k" in elbow["kneedle"]["method"]
        assert "log k" not in elbow["two_line"]["method"]
        assert elbow["two_line"]["k"] == two_line_elbow(KS, elbow["inertia"])
        assert elbow["kneedle"]["k"] == kneedle_picks(KS, [elbow["inertia"]])[0]
    choice = json.loads((study / "blobs/k_choice.json").read_text())
    assert choice["criteria"]["kneedle"] == json.loads((study / "blobs/fused/elbow.json").read_text())["kneedle"]["k"]
    assert set(choice["resamples"]["fused"]["kneedle"]) <= {str(k) for k in KS} | {"none"}


def test_every_figure_draws_k_on_a_log_axis_labelled_with_the_k_values(study):
    from figures import check_figure, tick_labels

    from kmeans_study.aggregate import plots
    from kmeans_study.aggregate.pareto import pareto_ks
    from kmeans_study.kchoice.figure import k_choice_figure

    results = study / "blobs"
    best = pd.read_csv(results / "fused/best_init.csv")
    elbow = json.loads((results / "fused/elbow.json").read_text())
    figures = {
        "elbow": plots.elbow_figure(best, elbow, pd.read_csv(results / "fused/elbow_scores.csv"), "elbow"),
        "timing": plots.timing_figure(pd.read_csv(results / "timing.csv"), "timing"),
        "k_choice": k_choice_figure(json.loads((results / "k_choice.json").read_text()),
                                    pd.read_csv(results / "fused/criteria.csv")),
    }
    for name, fig in figures.items():
        check_figure(fig)
        for ax in fig.axes:
            if ax.get_xlabel().startswith("k"):
                assert ax.get_xscale() == "log", (name, ax.get_title())
                assert set(tick_labels(ax.xaxis)) <= {str(k) for k in KS}, (name, tick_labels(ax.xaxis))
    agreement = plots.agreement_figure(pd.read_csv(results / "agreement.csv"), "agreement")
    check_figure(agreement)
    assert tick_labels(agreement.axes[0].xaxis) == [str(k) for k in KS]
    pareto = pd.read_csv(results / "pareto.csv")
    check_figure(plots.pareto_figure(pareto, pareto_ks(pareto["k"]), "pareto"))


def test_the_summary_tables_have_a_row_for_every_backend_and_pair_and_no_missing_number(study):
    summary = (study / "summary.md").read_text()
    rows = [[cell.strip() for cell in line.split("|")[1:-1]] for line in summary.splitlines() if line.startswith("| ")]
    for backend in BACKENDS:  # the quality and the speed table
        assert sum(row[0] in (f"`{backend}`", f"**`{backend}`**") for row in rows) == 2, backend
    assert sum(" vs `" in row[0] for row in rows) == len(BACKENDS) * (len(BACKENDS) - 1) // 2
    assert not [row for row in rows if "nan" in (cell.lower() for cell in row)]
