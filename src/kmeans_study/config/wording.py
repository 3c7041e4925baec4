"""How a config problem is said: one line naming the key, what was expected and what was received.

Values are shown through ``messages.shown``; jsonschema's own ``error.message`` embeds a full repr
and is never used.
"""

from __future__ import annotations

from kmeans_study.config.schema import INT_LIMIT
from kmeans_study.messages import shown, shown_name

_TYPE_NAMES = {"integer": "an integer", "number": "a number", "string": "a string", "boolean": "true or false",
               "array": "a list", "object": "a mapping", "null": "null"}


def key_name(path) -> str:
    """A config key's dotted name from its path of keys and list indices."""
    return ".".join(shown_name(p) for p in path) or "<top level>"


def received(instance) -> str:
    """A received value said with its type: ``float 2.0``."""
    return f"{type(instance).__name__} {shown(instance)}"


def _allowed_keys(error) -> list[str]:
    """Keys allowed where an unknown key was found (for a dataset: those of its source)."""
    allowed = set(error.schema.get("properties", {}))
    source = error.instance.get("source") if isinstance(error.instance, dict) else None
    for branch in error.schema.get("allOf", []):
        if source == branch["if"]["properties"]["source"]["const"]:
            allowed |= set(branch["then"].get("properties", {}))
    return sorted(allowed)


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


def _unknown_keys(error) -> str:
    allowed = _allowed_keys(error)
    unknown = sorted(map(str, set(error.instance) - set(allowed)))
    prefix = f"{key_name(error.absolute_path)}." if error.absolute_path else ""
    names = [f"'{prefix}{shown_name(name)}'" for name in unknown]
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    return f"unknown config key {', '.join(names[:5])}{more} (allowed here: {', '.join(allowed)})"


def describe(error) -> str:
    """One line for a jsonschema ``ValidationError`` of a config."""
    if error.validator in ("additionalProperties", "unevaluatedProperties"):
        return _unknown_keys(error)
    key = key_name(error.absolute_path)
    value, instance = error.validator_value, error.instance
    what = {
        "type": lambda: f"expected {_expected_type(value, instance)}, got {received(instance)}",
        "enum": lambda: f"{shown(instance)} is not one of {value}",
        "const": lambda: f"{shown(instance)} is not {value!r}",
        "minimum": lambda: f"{shown(instance)} is below the minimum {value}",
        "maximum": lambda: f"{shown(instance)} is above the maximum {value}",
        "exclusiveMinimum": lambda: f"{shown(instance)} must be above {value}",
        "exclusiveMaximum": lambda: f"{shown(instance)} must be below {value}",
        "minItems": lambda: f"{shown(instance)} needs at least {value} item(s)",
        "minProperties": lambda: f"{shown(instance)} needs at least {value} entry(ies)",
        "uniqueItems": lambda: f"{shown(instance)} {error.message}; the items must be distinct",
        "required": lambda: "needs " + ", ".join(f"'{name}'" for name in value if name not in instance),
        "pattern": lambda: f"the name {shown(instance)} is not allowed (it must match {value})",
    }.get(error.validator)
    if what is not None:
        return f"config key '{key}': {what()}"
    expected = " ".join(error.schema.get("description", "").split())
    if error.validator in ("oneOf", "anyOf") and expected:
        return f"config key '{key}': expected {expected[0].lower()}{expected[1:]} Got {received(instance)}"
    return f"config key '{key}': {received(instance)} is not valid here ({error.validator}: {shown(value)})"


def reportable(errors: list) -> list:
    """Drop unknown-key errors caused by another error in the same object: a failing
    ``then`` branch leaves its keys "unevaluated", which is not the user's mistake."""
    paths = [tuple(e.absolute_path) for e in errors if e.validator != "unevaluatedProperties"]
    return [
        e
        for e in errors
        if e.validator != "unevaluatedProperties"
        or not any(p[: len(e.absolute_path)] == tuple(e.absolute_path) for p in paths)
    ]


def invalid(problems: list[str], shown_at_most: int = 5) -> str:
    """The message of an invalid config: its one problem on one line, or the first few listed."""
    if len(problems) == 1:
        return f"invalid config: {problems[0]}"
    more = [f"(and {len(problems) - shown_at_most} more)"] if len(problems) > shown_at_most else []
    return "invalid config:\n  " + "\n  ".join(problems[:shown_at_most] + more)
