"""Load and validate a study configuration; derive k values, init ids, seeds and fit units.

This module is the single source of truth for what a config means: the Snakefile, the scripts and
the tests all ask it, and none of them re-derive a k range or a seed on their own.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO_ROOT / "workflow" / "schemas" / "config.schema.yaml"


class ConfigError(ValueError):
    """A configuration that cannot be run. The message names the offending key."""


def _load_schema() -> dict:
    """The config schema: the YAML file, with the backends' and the sources' parts built from
    their registries (the one place each backend's and source's options are described)."""
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


def _validator_with_defaults(schema: dict):
    """A Draft 2020-12 validator that also fills in every ``default:`` it walks past.

    This is the extension the jsonschema documentation describes; defaults inside an
    ``if/then`` branch are only filled when the branch applies (when ``source`` matches).
    """
    from jsonschema import Draft202012Validator, validators

    base_properties = Draft202012Validator.VALIDATORS["properties"]

    def properties_with_defaults(validator, properties, instance, schema_):
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if "default" in subschema and name not in instance:
                    instance[name] = copy.deepcopy(subschema["default"])
        yield from base_properties(validator, properties, instance, schema_)

    extended = validators.extend(Draft202012Validator, {"properties": properties_with_defaults})
    return extended(schema)


def _key(path) -> str:
    return ".".join(str(p) for p in path) or "<top level>"


def _allowed_keys(error, schema: dict) -> list[str]:
    """Keys allowed where an unknown key was found (for a dataset: those of its source)."""
    allowed = set(error.schema.get("properties", {}))
    source = error.instance.get("source") if isinstance(error.instance, dict) else None
    for branch in error.schema.get("allOf", []):
        if source == branch["if"]["properties"]["source"]["const"]:
            allowed |= set(branch["then"].get("properties", {}))
    return sorted(allowed)


def _describe(error, schema: dict) -> str:
    """One line naming the config key, what was expected and what was received."""
    key = _key(error.absolute_path)
    if error.validator in ("additionalProperties", "unevaluatedProperties"):
        allowed = _allowed_keys(error, schema)
        unknown = sorted(set(error.instance) - set(allowed))
        names = ", ".join(f"'{key}.{name}'" if error.absolute_path else f"'{name}'" for name in unknown)
        return f"unknown config key {names} (allowed here: {', '.join(allowed)})"
    if error.validator == "enum":
        return f"config key '{key}': {error.instance!r} is not one of {error.validator_value}"
    if error.validator == "type":
        return f"config key '{key}': expected {error.validator_value}, got {type(error.instance).__name__} {error.instance!r}"
    if error.validator in ("oneOf", "anyOf"):
        expected = " ".join(error.schema.get("description", "").split())
        return f"config key '{key}': {error.instance!r} is not valid. Expected: {expected}"
    return f"config key '{key}': {error.message}"


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


def validate_config(raw: dict) -> dict:
    """Validate ``raw`` against the schema, fill defaults, and check what a schema cannot say.

    Returns a new dict; raises ConfigError listing every problem found, one per line.
    """
    if not isinstance(raw, dict):
        raise ConfigError(f"config must be a mapping of keys to values, got {type(raw).__name__}")
    config = copy.deepcopy(raw)
    schema = _load_schema()
    validator = _validator_with_defaults(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if errors:
        lines = dict.fromkeys(_describe(e, schema) for e in _reportable(errors))
        raise ConfigError("invalid config:\n  " + "\n  ".join(lines))
    problems = list(_semantic_problems(config))
    if problems:
        raise ConfigError("invalid config:\n  " + "\n  ".join(problems))
    return config


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


def _semantic_problems(config: dict) -> Iterator[str]:
    from kmeans_study.data.sources import SOURCES
    from kmeans_study.kchoice import config_problems

    yield from _k_spec_problems(config["k"], "k")
    yield from config_problems(config)
    chosen = config["report"]["reference_backend"]
    if chosen and chosen not in backend_names(config):
        yield (
            f"config key 'report.reference_backend': {chosen!r} is not a backend of this study "
            f"(its backends: {', '.join(backend_names(config))})"
        )
    for name, ds in config["datasets"].items():
        source = SOURCES[ds["source"]]
        if "k" in ds:
            yield from _k_spec_problems(ds["k"], f"datasets.{name}.k")
        for key in source.files:
            if ds.get(key) and not Path(ds[key]).is_file():
                yield f"config key 'datasets.{name}.{key}': file not found: {ds[key]} (relative to {Path.cwd()})"
        for key, why in source.refused.items():
            if ds.get(key) is not None:
                yield f"config key 'datasets.{name}.{key}': {why}"
        n = _known_n_samples(ds)
        if n is not None:
            ks = _k_values(ds.get("k", config["k"]))
            if ks and max(ks) > n:
                yield (
                    f"config key 'datasets.{name}': k={max(ks)} exceeds the number of samples ({n})"
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


def _k_values(spec: dict) -> list[int]:
    if "values" in spec:
        return sorted(spec["values"])
    if "min" not in spec or "max" not in spec:
        return []
    return list(range(spec["min"], spec["max"] + 1, spec.get("step", 1)))


def load_config(path: str | Path) -> dict:
    """Read a YAML config file (safe loader) and validate it."""
    path = Path(path)
    try:
        with path.open() as fh:
            raw = yaml.safe_load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {exc}") from None
    return validate_config(raw or {})


def k_values(config: dict, dataset: str) -> list[int]:
    """Sorted k values of ``dataset`` (its own ``k`` if given, else the top-level one)."""
    ds = config["datasets"][dataset]
    return _k_values(ds.get("k", config["k"]))


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
