"""Property-based tests (Hypothesis): generated configs and data files, malformed ones included,
are either accepted and read as written, or refused with the project's own error in a short
message; nothing else (no other exception, no half-written files).

Everything runs in-process (validate_config, the config-file reader, the prepare step), so each
case takes milliseconds. Generated cases per run: 300 configs, 100 config files, 100 overrides,
200 data files (MAX_EXAMPLES below); about 40 s in all on this project's 2-core machine.
"""

from __future__ import annotations

import copy
import json
import math
import string

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmeans_study.config.errors import ConfigError
from kmeans_study.config.file import read_config_file
from kmeans_study.config.outputs import fit_files
from kmeans_study.config.schema import load_schema
from kmeans_study.config.study import backend_names, config_hash, init_ids, k_values
from kmeans_study.config.validate import validate_config
from kmeans_study.data.prepare import prepare_dataset
from kmeans_study.data.sources import DataError
from kmeans_study.paths import FIT_RECORD

MAX_EXAMPLES = {"configs": 300, "config_files": 100, "overrides": 100, "data_files": 200}
# A PCA of a single row divides by n - 1 = 0; that dataset is then refused as all-identical points.
pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered in divide:RuntimeWarning")
SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]}


def assert_short_message(message: str) -> None:
    """A user error is read at a glance: a line or a short list of lines, nothing echoed whole."""
    lines = message.splitlines()
    assert 1 <= len(lines) <= 7, message[:2000]
    assert all(len(line) <= 400 for line in lines), message[:2000]
    assert "Traceback" not in message


# ---------------------------------------------------------------------------------------------
# configs


def _schema_keys() -> tuple[list[tuple], set[tuple]]:
    """Every key path the schema knows (a dataset's under ``datasets.d``, list items as ``[]``),
    and those whose values must be integers."""
    schema = load_schema()  # the schema as validated (read-only)
    paths, integers = [], set()

    def walk(node, path):
        if "$ref" in node:
            node = {**schema["$defs"][node["$ref"].split("/")[-1]], **{k: v for k, v in node.items() if k != "$ref"}}
        types = node.get("type", [])
        if "integer" in types and "number" not in types:
            integers.add(path)
        for name, sub in node.get("properties", {}).items():
            paths.append(path + (name,))
            walk(sub, path + (name,))
        if isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"], path + ("d",))
        for branch in node.get("allOf", []):
            walk(branch["then"], path)
        for branch in node.get("oneOf", []):
            walk(branch, path)
        if isinstance(node.get("items"), dict):
            walk(node["items"], path + ("[]",))

    walk(schema, ())
    return paths, integers


KEY_PATHS, INTEGER_PATHS = _schema_keys()
SOURCES = {
    "blobs": {"source": "blobs", "n_samples": 60, "n_features": 3, "centers": 3},
    "uniform": {"source": "uniform", "n_samples": 50, "n_features": 2},
    "mnist5k": {"source": "mnist5k"},
    "mnist": {"source": "mnist", "download": False},
    "image": {"source": "image"},
}


def alias_bomb(levels: int) -> list:
    """What YAML's nested aliases build: each level a list of 9 references to the level below."""
    value: list = ["lol"] * 9
    for _ in range(levels):
        value = [value] * 9
    return value


def nested(depth: int):
    value: object = 1
    for _ in range(depth):
        value = {"x": value}
    return value


SCALARS = st.one_of(
    st.integers(-3, 3000),
    st.integers(2**31 - 2, 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([2.0, 3.0, 300.0, 0.5, 1e308, -0.0, 1e-4]),
    st.booleans(),
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["5", "2.0", "{max_iter: 5}", "[2, 3]", "1e-4", "null", "true", "nan", "x" * 3000,
                     "!!python/name:os.system", "{values: [2, 3]}", "[[[[[1]]]]]", "&a [*a]", "2**40"]),
)
NASTY = st.sampled_from([2.0, 3.0, 10.0, 300.0, 1e308, float("inf"), float("nan"), True, 2**31, 2**64, "5", "x", None,
                         {1, 2}, b"\x00", __import__("datetime").date(2020, 1, 1)])  # YAML's !!set, !!binary, dates
VALUES = st.one_of(
    NASTY,
    NASTY,
    st.recursive(
        SCALARS,
        lambda children: st.one_of(
            st.lists(children, max_size=5), st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=12,
    ),
    st.integers(1, 8).map(alias_bomb),
    st.integers(1, 40).map(nested),
    st.integers(0, 20000).map(lambda n: list(range(n))),
    st.dictionaries(st.one_of(st.integers(), st.none(), st.floats(allow_nan=False)), SCALARS, min_size=1, max_size=2),
)


def put(config: dict, path: tuple, value) -> None:
    """Set ``path`` in ``config``, creating mappings on the way (a list item: the first item)."""
    node = config
    for step in path[:-1]:
        if step == "[]":
            return
        if not isinstance(node.get(step), dict):
            node[step] = {}
        node = node[step]
    if path[-1] != "[]":
        node[path[-1]] = value


@st.composite
def configs(draw) -> dict:
    """A small valid config, then a few changes: any schema key (or an unknown one) set to any
    value, or removed."""
    config = {
        "k": {"values": [2, 3]},
        "inits": 1,
        "datasets": {"d": copy.deepcopy(draw(st.sampled_from(list(SOURCES.values()))))},
        "backends": {draw(st.sampled_from(["sklearn", "faiss", "fused", "restricted", "faiss_ivf"])): {}},
    }
    for _ in range(draw(st.integers(0, 4))):
        unknown_path = st.lists(st.text(max_size=6), min_size=1, max_size=3).map(tuple)
        path = draw(st.one_of(st.sampled_from(KEY_PATHS), unknown_path))
        if draw(st.booleans()) and len(path) == 1:
            config.pop(path[0], None)
        else:
            put(config, path, draw(VALUES))
    return config


def value_at(config, path):
    """The values at a schema path (``[]``: every item of a list), skipping absent keys."""
    values = [config]
    for step in path:
        if step == "[]":
            values = [item for value in values if isinstance(value, list) for item in value]
        else:
            values = [value[step] for value in values if isinstance(value, dict) and step in value]
    return values


@settings(max_examples=MAX_EXAMPLES["configs"], **SETTINGS)
@given(configs())
def test_any_config_is_accepted_with_integer_keys_as_ints_or_refused_in_a_short_message(config):
    try:
        validated = validate_config(config)
    except ConfigError as exc:
        assert_short_message(str(exc))
        return
    for path in INTEGER_PATHS:
        for value in value_at(validated, path):
            assert not isinstance(value, (float, bool)), (path, value)
    for dataset in validated["datasets"]:
        assert all(type(k) is int for k in k_values(validated, dataset))
    assert all(type(i) is int for i in init_ids(validated))
    fits = [fit_files(validated, FIT_RECORD, d, backend_names(validated)) for d in validated["datasets"]]
    assert sum(map(len, fits)) <= 100_000
    json.dumps(validated, allow_nan=False)
    config_hash(validated)


YAML_TEXTS = st.one_of(
    st.text(alphabet=string.printable, max_size=200),
    st.sampled_from([
        "__use_yte__: true\nseed: ?1+1\n",
        "seed: !!python/name:os.system\n",
        "seed: !!python/object/apply:os.system ['true']\n",
        "k: {values: [2, 3]}\nk: {values: [5]}\n",
        "seed: &a [" + ",".join(["1"] * 9) + "]\n" + "".join(
            f"l{i}: &a{i} [" + ",".join([f"*{'a' if i == 0 else f'a{i - 1}'}"] * 9) + "]\n" for i in range(7)
        ),
        "a: " + "[" * 300 + "]" * 300 + "\n",
        '{"seed": 1, "seed": 2}',
        '{"seed": NaN, "datasets": {"d": {"source": "blobs"}}, "backends": {"sklearn": {}}}',
        "- 1\n- 2\n",
        "\ufeffseed: 1\n",
        "datasets: {d: {source: blobs}}\nbackends: {sklearn: {}}\n",
        "datasets: {1: {source: blobs}}\nbackends: {sklearn: {}}\n",
        "seed: 2020-13-45\n", "seed: !!int x\n", "seed: !!timestamp x\n", "seed: !!float x\n", "seed: !!set {a}\n",
        "seed: !!binary aGk=\n", "seed: 1e999\n", '{"seed": 1e999}', "seed: .inf\n", "seed: 0x7fffffffffffffffff\n",
    ]),
)


@settings(max_examples=MAX_EXAMPLES["config_files"], **SETTINGS)
@given(text=YAML_TEXTS)
def test_any_config_file_is_read_as_data_or_refused_in_a_short_message(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("cfg") / "config.yaml"
    path.write_text(text)
    try:
        validate_config(read_config_file(path))
    except ConfigError as exc:
        assert_short_message(str(exc))
        assert "config" in str(exc)


def as_override_text(value) -> str:
    """A value as the text Snakemake's ``--config`` hands over for it."""
    return yaml.safe_dump(value, default_flow_style=True).removesuffix("\n...\n").strip()


OVERRIDABLE = {
    "seed": st.integers(0, 1000),
    "inits": st.one_of(st.integers(1, 4), st.lists(st.integers(0, 9), min_size=1, max_size=3, unique=True)),
    "k": st.one_of(
        st.lists(st.integers(2, 9), min_size=1, max_size=4, unique=True).map(lambda v: {"values": v}),
        st.integers(2, 4).map(lambda m: {"min": m, "max": m + 3}),
    ),
    "fit": st.fixed_dictionaries({}, optional={"max_iter": st.integers(1, 500), "tol": st.floats(0, 1)}),
    "report": st.fixed_dictionaries({}, optional={"plot_dpi": st.integers(50, 300),
                                                  "heatmap_k": st.lists(st.integers(2, 9), max_size=3, unique=True),
                                                  "inertia_budget": st.floats(0, 1)}),
    "backends": st.just({"restricted": {"candidates": 8, "grid": {"refresh": [0, 10]}}, "sklearn": {}}),
    "datasets": st.just({"d": {"source": "blobs", "n_samples": 100, "zscore": False, "pca": 2}}),
}


@settings(max_examples=MAX_EXAMPLES["overrides"], **SETTINGS)
@given(st.fixed_dictionaries({}, optional=OVERRIDABLE), st.data())
def test_values_given_as_text_mean_what_they_say_for_every_key(config, data):
    """Snakemake's ``--config`` passes nested values as text: a config whose values (at any
    depth) are replaced by their YAML text validates to the same config."""
    config = {"datasets": {"d": {"source": "blobs"}}, "backends": {"sklearn": {}}, **config}
    try:
        expected = validate_config(config)
    except ConfigError:
        return
    texts = copy.deepcopy(config)
    for key in data.draw(st.lists(st.sampled_from(sorted(config)), unique=True)):
        if data.draw(st.booleans()) or not isinstance(config[key], dict):
            texts[key] = as_override_text(config[key])
        else:
            texts[key] = {name: as_override_text(value) for name, value in config[key].items()}
    assert validate_config(texts) == expected


# ---------------------------------------------------------------------------------------------
# data files

ODD_CELLS = [np.nan, np.inf, -np.inf, 1e308, -1e308, 3e38, 1e20, 1e-320, 2.0**63, 0.1 + 2**-40]


@st.composite
def tables(draw):
    """The table a user meant to write: names, values (n, d) float64 (now and then with a few
    odd cells: missing, infinite, huge, tiny), optional string labels (now and then a missing one)."""
    n = draw(st.integers(1, 12))
    d = draw(st.integers(1, 4))
    good, odd = ["a", "b", "c", "age", "x y", "é"], ["a", "1", "2.5", "", "a;b", "nan", "-inf"]
    names = draw(st.one_of(st.lists(st.sampled_from(good), min_size=d, max_size=d, unique=True),
                           st.lists(st.sampled_from(good + odd), min_size=d, max_size=d)))
    cells = st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.integers(-1000, 1000).map(float))
    values = np.array(draw(st.lists(st.lists(cells, min_size=d, max_size=d), min_size=n, max_size=n)))
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        values[draw(st.integers(0, n - 1)), draw(st.integers(0, d - 1))] = draw(st.sampled_from(ODD_CELLS))
    labels = draw(st.one_of(st.none(), st.lists(st.sampled_from(["x", "y", "z"]), min_size=n, max_size=n)))
    if labels is not None and draw(st.integers(0, 4)) == 0:
        labels[draw(st.integers(0, n - 1))] = draw(st.sampled_from(["", "nan", "NA"]))
    return names, values, labels


CSV_STYLES = ["plain", "plain", "no header", "no header", "pandas index", "semicolon", "tab", "bom", "blank lines",
              "ragged", "latin-1"]


def write_table(path, style, names, values, labels) -> None:
    frame = pd.DataFrame(values, columns=[f"{name}" for name in names])
    if labels is not None:
        frame["label"] = labels
    if path.suffix == ".parquet":
        if len(set(frame.columns)) == len(frame.columns):
            frame.to_parquet(path, index=style == "pandas index")
        else:
            path.write_bytes(b"PAR1 not really")
        return
    if path.suffix == ".npy":  # "ragged": float16 values, "no header": a 3-D array
        with np.errstate(over="ignore"):  # huge values become inf in float16, to be refused
            array = values.astype(np.float16) if style == "ragged" else values
        np.save(path, array[None] if style == "no header" else array)
        return
    sep = {"semicolon": ";", "tab": "\t"}.get(style, ",")
    text = frame.to_csv(index=style == "pandas index", header=style != "no header", sep=sep)
    if style == "blank lines":
        text = text.replace("\n", "\n\n", 2)
    if style == "ragged":
        text = text.rstrip("\n") + sep + "7\n"
    encoding = {"bom": "utf-8-sig", "latin-1": "latin-1"}.get(style, "utf-8")
    path.write_bytes(text.encode(encoding, errors="replace"))


@settings(max_examples=MAX_EXAMPLES["data_files"], **SETTINGS)
@given(
    table=tables(),
    suffix=st.sampled_from([".csv", ".csv", ".npy", ".parquet"]),
    style=st.sampled_from(CSV_STYLES),
    zscore=st.booleans(),
    pca=st.sampled_from([None, None, None, 1, 2, 5]),
    subsample=st.sampled_from([None, None, None, 2, 5, 20]),
)
def test_any_data_file_is_read_as_written_or_refused_in_a_short_message(
    tmp_path_factory, table, suffix, style, zscore, pca, subsample
):
    names, values, labels = table
    workdir = tmp_path_factory.mktemp("data")
    path = workdir / f"table{suffix}"
    write_table(path, style, names, values, labels)
    spec = {"source": "file", "path": str(path), "zscore": zscore, "pca": pca, "subsample": subsample,
            "subsample_seed": 0, "label_column": "label" if labels is not None and suffix != ".npy" else None}
    out = workdir / "results" / "t" / "data"
    try:
        meta = prepare_dataset("t", spec, workdir, out / "X.npy", out / "labels.npy", out / "meta.json", max_k=2)
    except DataError as exc:
        assert_short_message(str(exc))
        assert not out.exists() or not any(out.iterdir()), "a refused dataset leaves no file"
        return
    X = np.load(out / "X.npy")
    assert X.dtype == np.float32 and np.isfinite(X).all()
    assert json.loads((out / "meta.json").read_text()) == meta
    # read as written: every row, every column, the values themselves
    assert meta["raw_shape"] == list(values.shape)
    if suffix != ".npy":
        assert meta["feature_names"] == names
        assert labels is None or sorted(meta["label_names"]) == sorted(set(labels))
    if not zscore and pca is None and subsample is None and not (suffix == ".npy" and style == "ragged"):
        np.testing.assert_array_equal(X, values.astype(np.float32))
    assert all(math.isfinite(v) for step in meta["preprocessing"] for key in ("mean", "std") for v in step.get(key, []))


@pytest.mark.parametrize("path", sorted(INTEGER_PATHS), ids=".".join)
def test_every_integer_key_refuses_a_whole_number_float_by_name(path):
    """JSON Schema would take 2.0 as an integer; every integer key of the schema refuses it."""
    config = {"datasets": {"d": {"source": "blobs"}}, "backends": {"sklearn": {}}}
    if path[:2] == ("datasets", "d"):
        config["datasets"]["d"]["source"] = {"split": "mnist", "raw_dir": "mnist", "download": "mnist", "path": "file",
                                             "label_column": "file", "sample_image": "image",
                                             "n_clusters": "embeddings"}.get(path[2], "blobs")
    if path[0] == "backends":
        config["backends"] = {path[1]: {}}
    if path[-1] == "[]":
        put(config, path[:-1], [4.0])
        key = ".".join(path[:-1]) + ".0"
    else:
        put(config, path, 4.0)
        key = ".".join(path)
    if path[0] == "inits":
        key = "inits"
    with pytest.raises(ConfigError) as excinfo:
        validate_config(config)
    assert f"config key '{key}'" in str(excinfo.value) and "4.0" in str(excinfo.value), str(excinfo.value)


def test_property_tests_cover_every_schema_key():
    """The config generator draws from the schema itself, so a new key is covered without
    editing this file; this fails if the schema walk finds too little to be the real schema."""
    assert ("fit", "max_iter") in KEY_PATHS and ("datasets", "d", "label_column") in KEY_PATHS
    assert ("k", "values", "[]") in INTEGER_PATHS
    assert ("backends", "restricted", "grid", "candidates", "[]") in INTEGER_PATHS
    assert len(KEY_PATHS) >= 70


@pytest.mark.parametrize("levels", [6, 7])
def test_nested_aliases_are_measured_without_being_expanded(levels):
    config = {"datasets": {"d": {"source": "blobs"}}, "backends": {"sklearn": {}}, "inits": alias_bomb(levels)}
    expected = r"holds \d+ values once its YAML aliases are expanded \(most under 'inits'\)"
    with pytest.raises(ConfigError, match=expected):
        validate_config(config)
