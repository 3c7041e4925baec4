"""Parameter grids as backends, the Pareto report, and a 2 x 2 grid end to end."""

import json
import re

import pandas as pd
import pytest
from smk import completed_study, planned_jobs, snakemake

from kmeans_study.aggregate.pareto import pareto_ks, pareto_table
from kmeans_study.config.errors import ConfigError
from kmeans_study.config.study import agreement_pairs, backend_names, backend_params, base_backend, reference_backend
from kmeans_study.config.validate import validate_config

GRID = {"candidates": [2, 4], "refresh": [0, 5]}


def grid_config(**report):
    return validate_config({
        "datasets": {"d": {"source": "blobs", "n_samples": 400, "n_features": 4, "centers": 3}},
        "backends": {"sklearn": {}, "faiss": {}, "restricted": {"refresh": 3, "grid": GRID}},
        "report": report,
    })


def test_a_grid_makes_one_backend_per_combination_named_by_its_values():
    config = grid_config()
    names = backend_names(config)
    assert names == [
        "sklearn", "faiss",
        "restricted-candidates2-refresh0", "restricted-candidates2-refresh5",
        "restricted-candidates4-refresh0", "restricted-candidates4-refresh5",
    ]
    params = backend_params(config, "restricted-candidates4-refresh0")
    assert (params["candidates"], params["refresh"], params["warm_start"]) == (4, 0, 0)
    assert "grid" not in params and params["max_iter"] == 300
    assert base_backend(config, "restricted-candidates4-refresh0") == "restricted"


def test_grid_points_are_compared_with_the_reference_only():
    config = grid_config()
    assert reference_backend(config) == "sklearn"  # the first exact backend listed
    pairs = agreement_pairs(config)
    assert ("sklearn", "faiss") in pairs
    grid_pairs = [p for p in pairs if "restricted" in p[0] + p[1]]
    assert len(grid_pairs) == 4 and all(a == "sklearn" for a, _ in grid_pairs)
    assert agreement_pairs(grid_config(reference_backend="faiss"))[1:] == [
        ("faiss", name) for name in backend_names(grid_config())[2:]
    ]


def test_the_default_reference_is_the_first_exact_backend_the_registry_names_exact():
    def reference(*backends):
        return reference_backend(validate_config({
            "datasets": {"d": {"source": "uniform"}}, "backends": {name: {} for name in backends},
        }))

    assert reference("faiss_sampled", "restricted", "bounded", "sklearn") == "bounded"
    assert reference("faiss_ivf", "hybrid") == "hybrid"
    assert reference("faiss_sampled", "faiss_ivf") == "faiss_sampled"  # no exact one: the first


def test_an_unknown_reference_backend_or_grid_key_is_named():
    with pytest.raises(ConfigError, match="report.reference_backend': 'elkan' is not a backend"):
        grid_config(reference_backend="elkan")
    with pytest.raises(ConfigError, match="backends.restricted.grid.nlist"):
        validate_config(
            {"datasets": {"d": {"source": "uniform"}}, "backends": {"restricted": {"grid": {"nlist": [4]}}}}
        )
    with pytest.raises(ConfigError, match="backends.faiss_ivf.grid.nprobe"):
        validate_config(
            {"datasets": {"d": {"source": "uniform"}}, "backends": {"faiss_ivf": {"grid": {"nprobe": [0]}}}}
        )


def records(rows):
    columns = ["backend", "k", "init_id", "inertia", "fit_wall_s", "n_iter", "own_assignment_exact_fraction"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["assignment"] = "x"
    frame["blas"] = "openblas"
    return frame


def test_pareto_pairs_gaps_by_init_marks_the_frontier_and_recommends_within_budget():
    table = pareto_table(records([
        ("ref", 5, 0, 100.0, 10.0, 10, None), ("ref", 5, 1, 200.0, 12.0, 10, None),
        ("fast", 5, 0, 101.0, 1.0, 10, 0.9), ("fast", 5, 1, 202.0, 1.0, 10, 0.9),    # gap 1%
        ("good", 5, 0, 100.2, 2.0, 10, 0.99), ("good", 5, 1, 200.4, 2.0, 10, 0.99),  # gap 0.2%
        ("slow", 5, 0, 100.3, 20.0, 10, 1.0), ("slow", 5, 1, 200.6, 20.0, 10, 1.0),   # dominated
    ]), None, "ref", 0.005).set_index("backend")
    assert table.loc["fast", "inertia_gap_median"] == pytest.approx(0.01)
    assert table.loc["good", "inertia_gap_median"] == pytest.approx(0.002)
    assert table.loc["good", "speedup_vs_reference"] == pytest.approx(11.0 / 2.0)
    assert table["on_frontier"].to_dict() == {"fast": True, "good": True, "ref": True, "slow": False}
    assert table["recommended"].to_dict() == {"fast": False, "good": True, "ref": False, "slow": False}
    looser = pareto_table(records([
        ("ref", 5, 0, 100.0, 10.0, 10, None), ("fast", 5, 0, 101.0, 1.0, 10, 0.9),
    ]), None, "ref", 0.02).set_index("backend")
    assert looser["recommended"].to_dict() == {"fast": True, "ref": False}


def test_pareto_plots_every_k_up_to_twelve_then_twelve_including_both_ends():
    assert pareto_ks(list(range(5, 16))) == list(range(5, 16))
    chosen = pareto_ks(list(range(2, 40)))
    assert len(chosen) == 12 and chosen[0] == 2 and chosen[-1] == 39


TINY_GRID = {
    "seed": 0,
    "k": {"values": [4, 8]},
    "inits": 2,
    "fit": {"max_iter": 50},
    "datasets": {"g": {"source": "blobs", "n_samples": 600, "n_features": 4, "centers": 5}},
    "backends": {"faiss": {}, "restricted": {"grid": GRID}},
}


@pytest.fixture(scope="module")
def grid_study(tmp_path_factory):
    return completed_study(tmp_path_factory, "grid", TINY_GRID)


def test_a_two_by_two_grid_runs_end_to_end_with_one_job_per_grid_point(grid_study):
    names = backend_names(validate_config(TINY_GRID))
    for name in names:
        for k in (4, 8):
            for init_id in (0, 1):
                record = json.loads((grid_study / f"results/g/fit/{name}/k{k}/init{init_id}/record.json").read_text())
                assert record["backend"] == name
                if name != "faiss":
                    params = record["params"]
                    assert name == f"restricted-candidates{params['candidates']}-refresh{params['refresh']}"
                    assert 0.0 < record["own_assignment_exact_fraction"] <= 1.0
                    assert record["details"]["full_exact_passes"] >= 1
    table = pd.read_csv(grid_study / "results/g/pareto.csv")
    assert sorted(table["backend"].unique()) == sorted(names)
    assert table.groupby("k")["recommended"].sum().tolist() == [1, 1]
    ref = table[table["backend"] == "faiss"]
    assert (ref["inertia_gap_median"] == 0).all() and (ref["speedup_vs_reference"] == 1).all()
    pairs = pd.read_csv(grid_study / "results/g/agreement.csv")
    assert set(pairs["backend_a"]) == {"faiss"} and set(pairs["backend_b"]) == set(names) - {"faiss"}
    assert (grid_study / "results/g/pareto.png").stat().st_size > 10_000


def test_a_new_grid_value_runs_only_its_own_fits(grid_study, tmp_path):
    import shutil

    import yaml

    shutil.copytree(grid_study, tmp_path / "w")
    config = yaml.safe_load((tmp_path / "w/config.yaml").read_text())
    config["backends"]["restricted"]["grid"]["candidates"].append(3)
    (tmp_path / "w/config.yaml").write_text(yaml.safe_dump(config))
    counts, _ = planned_jobs(tmp_path / "w")
    assert counts["fit"] == 8  # 2 new grid points x 2 k x 2 inits
    dry = snakemake(tmp_path / "w", "-n")
    planned = set(re.findall(r"backend=([\w.-]+), k=\d+, init_id=\d+", dry.stdout + dry.stderr))
    assert planned == {"restricted-candidates3-refresh0", "restricted-candidates3-refresh5"}
