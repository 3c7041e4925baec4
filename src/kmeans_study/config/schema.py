"""The config schema and its validator.

The schema is ``workflow/schemas/config.schema.yaml``, with the backends' and the sources' parts
built from their registries (the one place each backend's and source's options are described).
Its validator is Draft 2020-12 with strict types and the defaults filled in as it walks.
"""

from __future__ import annotations

import copy
import functools
import math
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator, ValidationError, validators

from kmeans_study.backends import REGISTRY
from kmeans_study.config.errors import ConfigError
from kmeans_study.data.sources import SOURCES
from kmeans_study.messages import shown

REPO_ROOT = Path(__file__).resolve().parents[3]
SCHEMA_PATH = REPO_ROOT / "workflow" / "schemas" / "config.schema.yaml"

# Integers reach C ints in the libraries (faiss's niter and efSearch, say): every integer of a
# config stays below this.
INT_LIMIT = 2**31


@functools.lru_cache(maxsize=1)
def load_schema() -> dict:
    """The config schema, completed from ``REGISTRY`` and ``SOURCES``. Built once per process
    (PyYAML takes about 0.1 s); read-only."""
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


def _properties_with_defaults(validator, properties, instance, schema):
    if isinstance(instance, dict):
        for name, subschema in properties.items():
            if "default" in subschema and name not in instance:
                instance[name] = copy.deepcopy(subschema["default"])
    yield from Draft202012Validator.VALIDATORS["properties"](validator, properties, instance, schema)


def _unique_items(validator, unique, instance, schema):
    if unique and isinstance(instance, list):
        seen = set()
        for item in instance:
            key = _canonical(item)
            if key in seen:
                yield ValidationError(f"repeats {shown(item)}")
                return
            seen.add(key)


def validator_with_defaults(schema: dict):
    """A Draft 2020-12 validator of ``schema`` that also fills in every ``default:`` it walks past.

    This is the extension the jsonschema documentation describes; defaults inside an
    ``if/then`` branch are only filled when the branch applies (when ``source`` matches). Its
    types are strict (``_is_integer``, ``_is_number``, ``_is_string``), and ``uniqueItems`` is
    checked in linear time (jsonschema compares unsortable items pairwise).
    """
    checker = Draft202012Validator.TYPE_CHECKER.redefine_many(
        {"integer": _is_integer, "number": _is_number, "string": _is_string}
    )
    extended = validators.extend(
        Draft202012Validator,
        {"properties": _properties_with_defaults, "uniqueItems": _unique_items},
        type_checker=checker,
    )
    return extended(schema)
