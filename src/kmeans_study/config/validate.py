"""Validate a raw config: its shape first, then the schema (defaults filled in, strings read as
the values they spell where the schema expects another type), then the checks a schema cannot say.
"""

from __future__ import annotations

import copy

import yaml

from kmeans_study.config import checks
from kmeans_study.config.errors import ConfigError
from kmeans_study.config.schema import load_schema, validator_with_defaults
from kmeans_study.config.wording import describe, invalid, key_name, received, reportable
from kmeans_study.messages import shown, shown_name

# A config is a few hundred values; a YAML file of nested aliases can expand to billions, which
# validating, hashing or printing would then walk. Configs beyond these bounds are refused first
# (at the bound, validation takes about a second).
MAX_VALUES = 10_000
MAX_DEPTH = 20
MAX_TEXT_VALUE = 10_000  # characters of a string worth reading as YAML (an override someone typed)


def validate_config(raw: dict) -> dict:
    """Validate ``raw`` against the schema, fill defaults, and check what a schema cannot say.

    Returns a new dict; raises ConfigError listing every problem found, one per line.
    """
    if not isinstance(raw, dict):
        raise ConfigError(f"config must be a mapping of keys to values, got {received(raw)}")
    check_shape(raw)
    config = copy.deepcopy(raw)
    validator = validator_with_defaults(load_schema())
    _read_typed_strings(config, validator)
    errors = sorted(validator.iter_errors(config), key=lambda e: ([(isinstance(p, str), p) for p in e.absolute_path],
                                                                   e.validator))
    problems = list(dict.fromkeys(describe(e) for e in reportable(errors)))
    if not problems:
        problems = list(checks.problems(config))
    if problems:
        raise ConfigError(invalid(problems))
    return config


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
            raise ConfigError(f"{where} key '{key_name(path)}': nested more than {MAX_DEPTH} levels deep")
        if isinstance(value, dict):
            for name in value:
                if not isinstance(name, str):
                    raise ConfigError(
                        f"{where} key '{key_name(path)}': the key {shown(name)} is a {type(name).__name__}; "
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
