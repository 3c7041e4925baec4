"""Load and validate a study configuration; derive k values, init ids, seeds and fit units.

This module is the single source of truth for what a config means: the Snakefile, the scripts and
the tests all ask it, and none of them re-derive a k range or a seed on their own.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import itertools
import json
import math
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kmeans_study.io import is_file
from kmeans_study.messages import shown, shown_name

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO_ROOT / "workflow" / "schemas" / "config.schema.yaml"


class ConfigError(ValueError):
    """A configuration that cannot be run. The message names the offending key."""


@functools.lru_cache(maxsize=1)
def _load_schema() -> dict:
    """The config schema: the YAML file, with the backends' and the sources' parts built from
    their registries (the one place each backend's and source's options are described). Built
    once per process (PyYAML takes about 0.1 s); read-only."""
    from kmeans_study.backends import REGISTRY
    from kmeans_study.data.sources import SOURCES

    if not SCHEMA_PATH.is_file():
        raise ConfigError(f"config schema not found at {SCHEMA_PATH}: is the package run from its repository?")
    with SCHEMA_PATH.open() as fh:
        schema = yaml.safe_load(fh)
    schema["properties"]["backends"]["properties"] = {name: entry.schema() for name, entry in REGISTRY.items()}
    dataset = schema["$defs"]["dataset"]
    dataset["properties"]["source"]["enum"] = list(SOURCES)
    dataset["allOf"] = [
        {
            "if": {"properties": {"source": {"const": name}}},
            "then": {"required": list(source.required), "properties": copy.deepcopy(source.options)},
        }
        for name, source in SOURCES.items()
        if source.options
    ]
    return schema


# Integers reach C ints in the libraries (faiss's niter and efSearch, say): every integer of a
# config stays below this.
INT_LIMIT = 2**31
# A config is a few hundred values; a YAML file of nested aliases can expand to billions, which
# validating, hashing or printing would then walk. Configs beyond these bounds are refused first
# (at the bound, validation takes about a second).
MAX_VALUES = 10_000
MAX_DEPTH = 20
MAX_TEXT_VALUE = 10_000  # characters of a string worth reading as YAML (an override someone typed)


def _is_integer(checker, instance) -> bool:
    """JSON Schema counts 2.0 as an integer; here it is a float (a k of 2.0 would name a directory
    ``k2.0`` and reach scikit-learn as a float), and ``True`` is no number."""
    return isinstance(instance, int) and not isinstance(instance, bool) and abs(instance) < INT_LIMIT


def _is_number(checker, instance) -> bool:
    """Finite numbers only: inf or nan would reach the data generators and the JSON records."""
    if isinstance(instance, bool) or not isinstance(instance, (int, float)):
        return False
    return isinstance(instance, int) or math.isfinite(instance)


def _is_string(checker, instance) -> bool:
    """No NUL character: every string of a config may end up in a path, where it cannot be."""
    return isinstance(instance, str) and "\0" not in instance


def _canonical(value):
    """A hashable stand-in for a YAML value with JSON Schema's equality (1 == 1.0, True != 1)."""
    if isinstance(value, dict):
        return ("object", frozenset((key, _canonical(item)) for key, item in value.items()))
    if isinstance(value, list):
        return ("array", tuple(map(_canonical, value)))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            hash(value)
        except TypeError:  # a YAML !!set: never a valid item, so never taken for a repeat
            return (type(value).__name__, id(value))
        return (type(value).__name__, value)
    return ("number", value)


def _validator_with_defaults(schema: dict):
    """A Draft 2020-12 validator that also fills in every ``default:`` it walks past.

    This is the extension the jsonschema documentation describes; defaults inside an
    ``if/then`` branch are only filled when the branch applies (when ``source`` matches). Its
    types are strict (``_is_integer``, ``_is_number``), and ``uniqueItems`` is checked in linear
    time (jsonschema compares unsortable items pairwise).
    """
    from jsonschema import Draft202012Validator, ValidationError, validators

    base_properties = Draft202012Validator.VALIDATORS["properties"]

    def properties_with_defaults(validator, properties, instance, schema_):
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if "default" in subschema and name not in instance:
                    instance[name] = copy.deepcopy(subschema["default"])
        yield from base_properties(validator, properties, instance, schema_)

    def unique_items(validator, unique, instance, schema_):
        if unique and isinstance(instance, list):
            seen = set()
            for item in instance:
                key = _canonical(item)
                if key in seen:
                    yield ValidationError(f"repeats {shown(item)}")
                    return
                seen.add(key)

    checker = Draft202012Validator.TYPE_CHECKER.redefine_many(
        {"integer": _is_integer, "number": _is_number, "string": _is_string}
    )
    extended = validators.extend(
        Draft202012Validator,
        {"properties": properties_with_defaults, "uniqueItems": unique_items},
        type_checker=checker,
    )
    return extended(schema)


def _key(path) -> str:
    return ".".join(shown_name(p) for p in path) or "<top level>"


def _allowed_keys(error, schema: dict) -> list[str]:
    """Keys allowed where an unknown key was found (for a dataset: those of its source)."""
    allowed = set(error.schema.get("properties", {}))
    source = error.instance.get("source") if isinstance(error.instance, dict) else None
    for branch in error.schema.get("allOf", []):
        if source == branch["if"]["properties"]["source"]["const"]:
            allowed |= set(branch["then"].get("properties", {}))
    return sorted(allowed)


_TYPE_NAMES = {"integer": "an integer", "number": "a number", "string": "a string", "boolean": "true or false",
               "array": "a list", "object": "a mapping", "null": "null"}


def _expected_type(types, instance) -> str:
    """What a ``type`` keyword asks for, said for the value received (a huge integer is too large,
    an inf is not finite)."""
    types = [types] if isinstance(types, str) else list(types)
    names = [_TYPE_NAMES[t] for t in types]
    if "integer" in types and isinstance(instance, int) and not isinstance(instance, bool):
        names[types.index("integer")] = f"an integer below 2**31 = {INT_LIMIT}"
    if "number" in types and isinstance(instance, (int, float)) and not isinstance(instance, bool):
        names[types.index("number")] = "a finite number"
    if "string" in types and isinstance(instance, str):
        names[types.index("string")] = "a string without NUL characters"
    return " or ".join(names)


def _received(instance) -> str:
    return f"{type(instance).__name__} {shown(instance)}"


def _describe(error, schema: dict) -> str:
    """One line naming the config key, what was expected and what was received. Values are shown
    through ``shown``; jsonschema's own ``error.message`` embeds a full repr and is never used."""
    key = _key(error.absolute_path)
    value = error.validator_value
    if error.validator in ("additionalProperties", "unevaluatedProperties"):
        allowed = _allowed_keys(error, schema)
        unknown = sorted(map(str, set(error.instance) - set(allowed)))
        names = [f"'{key}.{shown_name(name)}'" if error.absolute_path else f"'{shown_name(name)}'" for name in unknown]
        more = f" and {len(names) - 5} more" if len(names) > 5 else ""
        return f"unknown config key {', '.join(names[:5])}{more} (allowed here: {', '.join(allowed)})"
    what = {
        "type": lambda: f"expected {_expected_type(value, error.instance)}, got {_received(error.instance)}",
        "enum": lambda: f"{shown(error.instance)} is not one of {value}",
        "const": lambda: f"{shown(error.instance)} is not {value!r}",
        "minimum": lambda: f"{shown(error.instance)} is below the minimum {value}",
        "maximum": lambda: f"{shown(error.instance)} is above the maximum {value}",
        "exclusiveMinimum": lambda: f"{shown(error.instance)} must be above {value}",
        "exclusiveMaximum": lambda: f"{shown(error.instance)} must be below {value}",
        "minItems": lambda: f"{shown(error.instance)} needs at least {value} item(s)",
        "minProperties": lambda: f"{shown(error.instance)} needs at least {value} entry(ies)",
        "uniqueItems": lambda: f"{shown(error.instance)} {error.message}; the items must be distinct",
        "required": lambda: "needs " + ", ".join(f"'{name}'" for name in value if name not in error.instance),
        "pattern": lambda: f"the name {shown(error.instance)} is not allowed (it must match {value})",
    }.get(error.validator)
    if what is not None:
        return f"config key '{key}': {what()}"
    expected = " ".join(error.schema.get("description", "").split())
    if error.validator in ("oneOf", "anyOf") and expected:
        return f"config key '{key}': expected {expected[0].lower()}{expected[1:]} Got {_received(error.instance)}"
    return f"config key '{key}': {_received(error.instance)} is not valid here ({error.validator}: {shown(value)})"


def _reportable(errors: list) -> list:
    """Drop unknown-key errors caused by another error in the same object: a failing
    ``then`` branch leaves its keys "unevaluated", which is not the user's mistake."""
    paths = [tuple(e.absolute_path) for e in errors if e.validator != "unevaluatedProperties"]
    return [
        e
        for e in errors
        if e.validator != "unevaluatedProperties"
        or not any(p[: len(e.absolute_path)] == tuple(e.absolute_path) for p in paths)
    ]


def check_shape(raw, where: str = "config") -> None:
    """Refuse what no study config can be, before anything walks it: mapping keys that are not
    strings, nesting deeper than ``MAX_DEPTH`` or more than ``MAX_VALUES`` values once YAML aliases
    are expanded. Shared sub-values are counted once per use but visited once, so a file of
    nested aliases is measured in the time its few distinct values take."""
    sizes: dict[int, int] = {}

    def size(value, path) -> int:
        if not isinstance(value, (dict, list)):
            return 1
        if id(value) in sizes:
            return sizes[id(value)]
        if len(path) >= MAX_DEPTH:
            raise ConfigError(f"{where} key '{_key(path)}': nested more than {MAX_DEPTH} levels deep")
        if isinstance(value, dict):
            for name in value:
                if not isinstance(name, str):
                    raise ConfigError(
                        f"{where} key '{_key(path)}': the key {shown(name)} is a {type(name).__name__}; "
                        "keys must be strings (quote it)"
                    )
        items = value.items() if isinstance(value, dict) else enumerate(value)
        sizes[id(value)] = 1 + sum(size(item, (*path, name)) for name, item in items)
        return sizes[id(value)]

    total = size(raw, ())
    if total > MAX_VALUES:
        largest = max(raw, key=lambda name: size(raw[name], (name,))) if isinstance(raw, dict) and raw else ""
        raise ConfigError(
            f"{where} holds {total} values once its YAML aliases are expanded (most under '{shown_name(largest)}'), "
            f"more than the {MAX_VALUES} a study config may have"
        )


def _text_value(text: str):
    """What a string means where the schema expects another type: its YAML reading (``'5'`` -> 5,
    ``'{max_iter: 5}'`` -> a mapping), or for a number PyYAML leaves as text (``'1e-4'``) its float."""
    if len(text) > MAX_TEXT_VALUE:
        return text
    try:
        value = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError):
        return text
    if isinstance(value, str):
        try:
            return float(text)
        except ValueError:
            return text
    return value


def _mistyped_strings(errors):
    """(path, text) of every string where the schema's type excludes strings, also inside the
    branches of a oneOf."""
    for error in errors:
        if error.validator == "type" and isinstance(error.instance, str) and "string" not in error.validator_value:
            yield tuple(error.absolute_path), error.instance
        yield from _mistyped_strings(error.context or [])


def _read_typed_strings(config: dict, validator) -> None:
    """Replace, in place, each string where the schema expects another type by ``_text_value``.

    Snakemake's ``--config`` hands nested values over as strings (``--config fit='{max_iter: 5}'``
    gives ``{'max_iter': '5'}``); this makes every key overridable that way. A string that reads
    as nothing else stays and is reported as a type error. Each pass replaces a string by a value
    read from it, so the passes end."""
    while True:
        changes = [(path, _text_value(text)) for path, text in _mistyped_strings(validator.iter_errors(config))]
        changes = [(path, value) for path, value in changes if not isinstance(value, str)]
        if not changes:
            return
        for path, value in dict(changes).items():
            parent = config
            for step in path[:-1]:
                parent = parent[step]
            parent[path[-1]] = value
        check_shape(config)


def validate_config(raw: dict) -> dict:
    """Validate ``raw`` against the schema, fill defaults, and check what a schema cannot say.

    Returns a new dict; raises ConfigError listing every problem found, one per line.
    """
    if not isinstance(raw, dict):
        raise ConfigError(f"config must be a mapping of keys to values, got {_received(raw)}")
    check_shape(raw)
    config = copy.deepcopy(raw)
    schema = _load_schema()
    validator = _validator_with_defaults(schema)
    _read_typed_strings(config, validator)
    errors = sorted(validator.iter_errors(config), key=lambda e: ([(isinstance(p, str), p) for p in e.absolute_path],
                                                                   e.validator))
    problems = list(dict.fromkeys(_describe(e, schema) for e in _reportable(errors)))
    if not problems:
        problems = list(_semantic_problems(config))
    if problems:
        raise ConfigError(_invalid(problems))
    return config


def _invalid(problems: list[str], shown_at_most: int = 5) -> str:
    """The message of an invalid config: its one problem on one line, or the first few listed."""
    if len(problems) == 1:
        return f"invalid config: {problems[0]}"
    more = [f"(and {len(problems) - shown_at_most} more)"] if len(problems) > shown_at_most else []
    return "invalid config:\n  " + "\n  ".join(problems[:shown_at_most] + more)


def _k_spec_problems(spec: dict, key: str) -> Iterator[str]:
    if "values" in spec:
        if {"min", "max"} & set(spec):
            yield f"config key '{key}': give either 'values' or 'min'/'max', not both"
        return
    if "min" not in spec or "max" not in spec:
        yield f"config key '{key}': needs 'min' and 'max' (or 'values')"
        return
    if spec["min"] > spec["max"]:
        yield f"config key '{key}': empty k range, min={spec['min']} > max={spec['max']}"


# More fit jobs than this is a typo (k: {min: 2, max: 2000000000}), not a study: Snakemake could not
# even list them.
MAX_FITS = 100_000


def _n_fits(config: dict) -> int:
    """Fit jobs the study asks for, counted without listing them."""
    inits = config["inits"] if isinstance(config["inits"], int) else len(config["inits"])
    variants = sum(
        math.prod(len(values) for values in (entry.get("grid") or {}).values()) for entry in config["backends"].values()
    )
    return sum(len(_k_range(ds.get("k", config["k"]))) for ds in config["datasets"].values()) * inits * variants


def _semantic_problems(config: dict) -> Iterator[str]:
    from kmeans_study.data.sources import SOURCES
    from kmeans_study.kchoice import config_problems

    n_fits = _n_fits(config)
    if n_fits > MAX_FITS:
        yield (
            f"the study asks for {n_fits} fits (k values x inits x backends, over the datasets), more than "
            f"{MAX_FITS}: narrow the k range, the inits or the backends' grids"
        )
        return
    yield from _k_spec_problems(config["k"], "k")
    yield from config_problems(config)
    chosen = config["report"]["reference_backend"]
    if chosen and chosen not in backend_names(config):
        yield (
            f"config key 'report.reference_backend': {shown(chosen)} is not a backend of this study "
            f"(its backends: {', '.join(backend_names(config))})"
        )
    for name, ds in config["datasets"].items():
        source = SOURCES[ds["source"]]
        if "k" in ds:
            yield from _k_spec_problems(ds["k"], f"datasets.{name}.k")
        for key in source.files:
            if ds.get(key) and not is_file(ds[key]):
                yield (
                    f"config key 'datasets.{name}.{key}': file not found: {shown_name(ds[key])} "
                    f"(relative to {Path.cwd()})"
                )
        for key, why in source.refused.items():
            if ds.get(key) is not None:
                yield f"config key 'datasets.{name}.{key}': {why}"
        n = _known_n_samples(ds)
        if n is not None:
            ks = _k_range(ds.get("k", config["k"]))
            if ks and ks[-1] > n:
                yield (
                    f"config key 'datasets.{name}': k={ks[-1]} exceeds the number of samples ({n})"
                )
        d = source.n_features(ds)
        if d is not None and ds.get("pca") and ds["pca"] > d:
            yield f"config key 'datasets.{name}.pca': {ds['pca']} components exceed n_features={d}"


def _known_n_samples(ds: dict) -> int | None:
    """Rows the dataset will have, when the config alone says so."""
    from kmeans_study.data.sources import SOURCES

    n = SOURCES[ds["source"]].n_samples(ds)
    if ds.get("subsample") is not None:
        n = ds["subsample"] if n is None else min(n, ds["subsample"])
    return n


def _k_range(spec: dict) -> range | list[int]:
    """The k values of a k spec in increasing order, a range not yet listed."""
    if "values" in spec:
        return sorted(spec["values"])
    if "min" not in spec or "max" not in spec:
        return []
    return range(spec["min"], spec["max"] + 1, spec.get("step", 1))


def load_config(path: str | Path) -> dict:
    """Read a config file as data (config_file.read_config_file) and validate it."""
    from kmeans_study.config_file import read_config_file

    return validate_config(read_config_file(path))


def k_values(config: dict, dataset: str) -> list[int]:
    """Sorted k values of ``dataset`` (its own ``k`` if given, else the top-level one)."""
    ds = config["datasets"][dataset]
    return list(_k_range(ds.get("k", config["k"])))


def init_ids(config: dict) -> list[int]:
    inits = config["inits"]
    return list(range(inits)) if isinstance(inits, int) else sorted(inits)


def init_seed(config: dict, dataset: str, k: int, init_id: int) -> int:
    """The seed of the shared initialisation of (dataset, k, init_id): an integer in [0, 2**31).

    Depends on nothing else (not on the backend, the order of jobs or the other k values), so
    widening the k range or adding inits never changes an existing initialisation.
    """
    import numpy as np

    entropy = [config["seed"], zlib.crc32(dataset.encode()), int(k), int(init_id)]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0] >> 1)


def backend_variants(config: dict) -> dict[str, tuple[str, dict]]:
    """Every backend the study runs, by name: (registered backend, its parameters).

    A backend entry with a ``grid`` becomes one backend per combination of the grid's values,
    named after them (``restricted-candidates16-refresh10``: the grid keys in sorted order); the
    grid's value replaces the entry's own. The name is the ``backend`` wildcard of its jobs and a
    directory of its outputs, so each grid point is cached like any backend.
    """
    variants = {}
    for base, entry in config["backends"].items():
        fixed = {key: value for key, value in entry.items() if key != "grid"}
        grid = entry.get("grid") or {}
        keys = sorted(grid)
        for values in itertools.product(*(grid[key] for key in keys)):
            point = dict(zip(keys, values))
            name = base + "".join(f"-{key}{value}" for key, value in point.items())
            variants[name] = (base, {**fixed, **point})
    return variants


def backend_names(config: dict) -> list[str]:
    return list(backend_variants(config))


def base_backend(config: dict, backend: str) -> str:
    """The registered backend behind a backend name (a grid point's name included)."""
    return backend_variants(config)[backend][0]


def is_grid_point(config: dict, backend: str) -> bool:
    return bool(config["backends"][base_backend(config, backend)].get("grid"))


def backend_params(config: dict, backend: str) -> dict:
    """Everything that determines a backend's fit besides its inputs: its own parameters plus
    the shared stopping rule. Used as the fit job's params, so a change reruns only its fits."""
    return {**backend_variants(config)[backend][1], **config["fit"]}


def registered(config: dict, backend: str):
    """The registry entry behind a backend name of the study (a grid point's included)."""
    from kmeans_study.backends import REGISTRY

    return REGISTRY[base_backend(config, backend)]


def reference_backend(config: dict) -> str:
    """The backend others are measured against: ``report.reference_backend``, else the study's
    first exact backend (in the order of ``backends``), else its first backend."""
    names = backend_names(config)
    chosen = config["report"]["reference_backend"]
    if chosen:
        return chosen
    return next((b for b in names if registered(config, b).exact), names[0])


def agreement_pairs(config: dict) -> list[tuple[str, str]]:
    """Pairs of backends whose labellings the agreement report compares: every pair of backends
    not swept by a grid, and each grid point with the reference backend only (a grid of 12
    points would otherwise make 66 pairs of Hungarian matchings at every k)."""
    names = backend_names(config)
    plain = [b for b in names if not is_grid_point(config, b)]
    ref = reference_backend(config)
    pairs = [(a, b) for i, a in enumerate(plain) for b in plain[i + 1:]]
    pairs += [(ref, b) for b in names if is_grid_point(config, b) and b != ref]
    return pairs


@dataclass(frozen=True)
class FitUnit:
    dataset: str
    k: int
    init_id: int
    backend: str


def fit_units(config: dict) -> list[FitUnit]:
    """Every (dataset, k, init_id, backend) the study fits: one Snakemake job each."""
    return [
        FitUnit(ds, k, i, b)
        for ds in config["datasets"]
        for k in k_values(config, ds)
        for i in init_ids(config)
        for b in backend_names(config)
    ]


def config_hash(config: dict) -> str:
    """SHA-256 of the validated config in canonical JSON (sorted keys)."""
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()


def source_of(config: dict, dataset: str):
    """The source registry entry of a dataset."""
    from kmeans_study.data.sources import SOURCES

    return SOURCES[config["datasets"][dataset]["source"]]


def has_labels(config: dict, dataset: str) -> bool:
    """Whether the prepared dataset will carry true labels (for the confusion reports)."""
    return source_of(config, dataset).has_labels(config["datasets"][dataset])


def worked_examples(config: dict, dataset: str) -> tuple[str, ...]:
    """The worked-example reports of a dataset (``quantization`` for images, ``segments`` for
    tables), as its source says."""
    return source_of(config, dataset).examples(config["datasets"][dataset])


def heatmap_ks(config: dict, dataset: str) -> list[int]:
    """The k values of ``report.heatmap_k`` that ``dataset`` fits."""
    return [k for k in config["report"]["heatmap_k"] if k in k_values(config, dataset)]


def dataset_spec(config: dict, dataset: str) -> dict[str, Any]:
    """What determines a dataset's prepared arrays (everything but its k values)."""
    return {key: value for key, value in config["datasets"][dataset].items() if key != "k"}
