import copy

import pytest

from kmeans_study import paths
from kmeans_study.config.errors import ConfigError
from kmeans_study.config.file import load_config
from kmeans_study.config.outputs import fit_files
from kmeans_study.config.study import backend_names, backend_params, init_ids, init_seed, k_values
from kmeans_study.config.validate import validate_config

MINIMAL = {"datasets": {"b": {"source": "blobs"}}, "backends": {"sklearn": {}}}


def with_changes(**changes):
    config = copy.deepcopy(MINIMAL)
    config.update(changes)
    return config


def test_defaults_are_filled_from_the_schema():
    config = validate_config(MINIMAL)
    assert k_values(config, "b") == list(range(5, 16))
    assert init_ids(config) == list(range(10))
    assert config["fit"] == {"max_iter": 300, "tol": 1e-4}
    assert config["datasets"]["b"]["n_samples"] == 5000 and config["datasets"]["b"]["zscore"] is True
    assert config["backends"]["sklearn"] == {"algorithm": "lloyd", "init": "shared"}
    assert "n_samples" not in validate_config(with_changes(datasets={"m": {"source": "mnist5k"}}))["datasets"]["m"]


def test_input_is_not_modified():
    raw = copy.deepcopy(MINIMAL)
    validate_config(raw)
    assert raw == MINIMAL


def test_k_values_range_list_and_per_dataset_override():
    config = validate_config(
        with_changes(
            k={"min": 2, "max": 10, "step": 4},
            datasets={"a": {"source": "blobs"}, "b": {"source": "blobs", "k": {"values": [9, 3]}}},
        )
    )
    assert k_values(config, "a") == [2, 6, 10]
    assert k_values(config, "b") == [3, 9]


def test_explicit_init_ids_and_the_fits_the_workflow_asks_for():
    config = validate_config(with_changes(inits=[7, 2], k={"values": [3, 4]}, backends={"sklearn": {}, "faiss": {}}))
    assert init_ids(config) == [2, 7]
    records = fit_files(config, paths.FIT_RECORD, "b", backend_names(config))
    assert len(records) == 2 * 2 * 2 and len(set(records)) == len(records)
    assert {paths.parse(paths.FIT_RECORD, r)["backend"] for r in records} == {"sklearn", "faiss"}


def test_seed_depends_only_on_dataset_k_and_init():
    config = validate_config(MINIMAL)
    wider = validate_config(with_changes(k={"min": 2, "max": 30}, inits=20, backends={"faiss": {}}))
    assert init_seed(config, "b", 5, 3) == init_seed(wider, "b", 5, 3)
    seeds = {init_seed(config, d, k, i) for d in ("a", "b") for k in (5, 6) for i in (0, 1)}
    assert len(seeds) == 8
    assert init_seed(validate_config(with_changes(seed=1)), "b", 5, 3) != init_seed(config, "b", 5, 3)
    assert all(0 <= s < 2**31 for s in seeds)


def test_backend_params_carry_the_stopping_rule():
    config = validate_config(with_changes(backends={"faiss": {"early_stopping": False}}, fit={"tol": 0.01}))
    assert backend_params(config, "faiss") == {"early_stopping": False, "init": "shared", "max_iter": 300, "tol": 0.01}


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"colour": "red"}, "'colour'"),
        ({"datasets": {"b": {"source": "blobs", "n_samplez": 3}}}, "n_samplez"),
        ({"datasets": {"b": {"source": "mnist5k", "n_samples": 3}}}, "n_samples"),
        ({"datasets": {"b": {"source": "blobs", "n_samples": "many"}}}, "datasets.b.n_samples"),
        ({"datasets": {"b": {"source": "parquet"}}}, "datasets.b.source"),
        ({"datasets": {"b": {"source": "file"}}}, "datasets.b"),
        ({"datasets": {}}, "datasets"),
        ({"backends": {"sklearn": {}, "kmeans_gpu": {}}}, "'backends.kmeans_gpu'"),
        ({"backends": {"sklearn": {"algorithm": "full"}}}, "backends.sklearn.algorithm"),
        ({"k": {"min": 1, "max": 4}}, "k.min"),
        ({"k": {"min": 9, "max": 4}}, "empty k range"),
        ({"k": {"values": []}}, "k.values"),
        ({"k": {"max": 4}}, "'k'"),
        ({"inits": [1, 1]}, "inits"),
        ({"inits": [-1, 2]}, "inits"),
        ({"inits": 0}, "inits"),
        ({"fit": {"max_iter": 0}}, "fit.max_iter"),
        ({"fit": {"tol": "small"}}, "fit.tol"),
        ({"datasets": {"b": {"source": "blobs", "n_samples": 10}}}, "exceeds the number of samples (10)"),
        ({"datasets": {"b": {"source": "blobs", "n_features": 4, "pca": 5}}}, "datasets.b.pca"),
        ({"datasets": {"bad name!": {"source": "blobs"}}}, "bad name!"),
    ],
)
def test_invalid_configs_name_the_key(changes, expected):
    with pytest.raises(ConfigError) as excinfo:
        validate_config(with_changes(**changes))
    assert expected in str(excinfo.value)


def test_load_config_errors_name_the_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("datasets: [unclosed\n")
    with pytest.raises(ConfigError, match="bad.yaml: not valid YAML"):
        load_config(bad)


def test_yaml_is_read_with_the_safe_loader(tmp_path):
    unsafe = tmp_path / "unsafe.yaml"
    unsafe.write_text("datasets: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(ConfigError, match="unsafe.yaml: the tag !!python/object/apply:os.system .* is refused"):
        load_config(unsafe)


def test_shipped_configs_are_valid():
    from kmeans_study.config.schema import REPO_ROOT

    shipped = [REPO_ROOT / "config.yaml", *sorted((REPO_ROOT / "workflow" / "configs").glob("*.yaml"))]
    assert len(shipped) >= 3
    for path in shipped:
        config = load_config(path)
        assert config["datasets"], path


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"fit": {"max_iter": 300.0}}, "config key 'fit.max_iter': expected an integer, got float 300.0"),
        ({"k": {"values": [2.0, 3]}}, "config key 'k.values.0': expected an integer, got float 2.0"),
        ({"inits": 10.0}, "config key 'inits': expected initialisations per k"),
        ({"seed": True}, "config key 'seed': expected an integer, got bool True"),
        ({"seed": 2**40}, "config key 'seed': expected an integer below 2**31 = 2147483648, got int 1099511627776"),
        ({"fit": {"tol": float("nan")}}, "config key 'fit.tol': expected a finite number, got float nan"),
        ({"cache_dir": "a\0b"}, "config key 'cache_dir': expected a string without NUL characters"),
        ({"report": {"plot_dpi": 10**6}}, "config key 'report.plot_dpi': 1000000 is above the maximum 1200"),
        ({"k": {"min": 2, "max": 2**30}}, "the study asks for 10737418230 fits"),
        ({"datasets": {1: {"source": "blobs"}}}, "config key 'datasets': the key 1 is a int; keys must be strings"),
        (
            {"datasets": {"bad name!": {"source": "blobs"}}},
            "config key 'datasets': the name 'bad name!' is not allowed",
        ),
    ],
)
def test_numbers_and_names_are_checked_strictly(changes, expected):
    with pytest.raises(ConfigError) as excinfo:
        validate_config(with_changes(**changes))
    assert expected in str(excinfo.value), str(excinfo.value)


@pytest.mark.parametrize(
    "value",
    ["x" * 100_000, [*range(5000), -1], {f"key{i}": i for i in range(5000)}, [[[[[1] * 9] * 9] * 9] * 9]],
    ids=["long string", "long list", "big mapping", "nested lists"],
)
@pytest.mark.parametrize("key", ["seed", "colour", "datasets.b.n_samples", "inits"])
def test_echoed_values_are_cut_to_a_readable_length(key, value):
    config = copy.deepcopy(MINIMAL)
    if key.startswith("datasets"):
        config["datasets"]["b"]["n_samples"] = value
    else:
        config[key] = value
    with pytest.raises(ConfigError) as excinfo:
        validate_config(config)
    message = str(excinfo.value)
    assert len(message) < 400 and message.count("\n") <= 6, message[:1000]


def test_many_unknown_keys_are_named_a_few_at_a_time():
    with pytest.raises(ConfigError) as excinfo:
        validate_config(with_changes(**{f"key{i}": i for i in range(40)}))
    assert "and 35 more (allowed here:" in str(excinfo.value) and len(str(excinfo.value)) < 400


@pytest.mark.parametrize(
    "text_values, expected",
    [
        ({"fit": "{max_iter: 5}"}, {"fit": {"max_iter": 5, "tol": 1e-4}}),
        ({"fit": {"max_iter": "5", "tol": "1e-4"}}, {"fit": {"max_iter": 5, "tol": 1e-4}}),
        ({"inits": "[0, 3]"}, {"inits": [0, 3]}),
        ({"k": {"values": ["2", "3"]}}, {"k": {"values": [2, 3], "step": 1}}),
        ({"datasets": {"b": {"source": "blobs", "zscore": "false", "pca": "null"}}},
         {"datasets": {"b": {"source": "blobs", "zscore": False, "pca": None}}}),
    ],
)
def test_text_values_are_read_as_yaml_where_the_schema_expects_another_type(text_values, expected):
    """What Snakemake's --config hands over for nested values (all text) means what it says."""
    validated = validate_config(with_changes(**text_values))
    for key, value in expected.items():
        if key == "datasets":
            assert {k: validated[key]["b"][k] for k in value["b"]} == value["b"]
        else:
            assert validated[key] == value


def test_text_that_reads_as_nothing_else_is_still_a_type_error():
    with pytest.raises(ConfigError, match="config key 'fit.max_iter': expected an integer, got str 'five'"):
        validate_config(with_changes(fit={"max_iter": "five"}))
    with pytest.raises(ConfigError, match="config key 'fit.max_iter': expected an integer, got float 5.0"):
        validate_config(with_changes(fit={"max_iter": "5.0"}))
