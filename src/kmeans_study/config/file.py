"""Config files read as data, never as code, and overrides of single keys.

Snakemake reads ``--configfile`` through YTE with PyYAML's FullLoader: a file holding
``__use_yte__: true`` has its ``?``-expressions evaluated as Python, and a ``!!python/name:`` tag
becomes a live Python object, before the workflow (and this project's validation) ever runs. So a
config file given to Snakemake directly is as trusted as code. This module is the project's one
reader of config files: JSON as Snakemake reads it, else YAML with the safe loader; it refuses
``__use_yte__`` and every Python tag, so that ``python -m kmeans_study check|run`` (and ``make run``)
stop such a file before Snakemake sees it.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from kmeans_study.config.errors import ConfigError
from kmeans_study.config.validate import check_shape, validate_config
from kmeans_study.messages import shown, shown_name

YTE_KEY = "__use_yte__"
MAX_BYTES = 1_000_000  # a study config is a few kilobytes; PyYAML reads about a megabyte a second
PYTHON_TAG = "tag:yaml.org,2002:python/"
# What PyYAML's safe constructors raise, besides YAMLError, for a malformed scalar: a 13th month
# (2020-13-45), !!int x, !!timestamp x.
CONSTRUCTOR_ERRORS = (ValueError, TypeError, AttributeError, OverflowError)


class _UniqueKeySafeLoader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a key given twice in one mapping is an error (PyYAML
    keeps the last silently, so ``k:`` written twice would drop the first without a word)."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            if key_node.value in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {shown(key_node.value)} appears twice (lines {seen[key_node.value] + 1} and "
                    f"{key_node.start_mark.line + 1})", key_node.start_mark,
                )
            seen[key_node.value] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """One line for a YAML error: what and where (PyYAML's own message spans several lines)."""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    mark = getattr(exc, "problem_mark", None)
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
    tag = problem.partition("constructor for the tag ")[2].strip("'")
    if tag.startswith(PYTHON_TAG):
        return (
            f"the tag !!{tag.removeprefix('tag:yaml.org,2002:')}{where} is refused: Snakemake's YAML loader "
            "would turn it into a live Python object"
        )
    if tag:
        return f"the tag {shown(tag)}{where} is not plain YAML data"
    return f"not valid YAML: {shown_name(problem)}{where}"


def _parse(text: str):
    """JSON first, as Snakemake reads a config file, else YAML (safe loader, unique keys). JSON
    with a repeated key is handed to the YAML reader, which names the key and its lines."""
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except ValueError:
        return _parse_yaml(text)


def _parse_yaml(text: str):
    return yaml.load(text, Loader=_UniqueKeySafeLoader)


def _read_data(parse, text: str, where: str, too_deep: str):
    """``parse(text)``, or a ConfigError that starts with ``where`` and says what is wrong in one line."""
    try:
        return parse(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: {_yaml_problem(exc)}") from None
    except CONSTRUCTOR_ERRORS as exc:
        raise ConfigError(f"{where}: not valid YAML data ({shown_name(str(exc))})") from None
    except RecursionError:
        raise ConfigError(f"{where}: {too_deep}") from None


def _unique_keys(pairs: list) -> dict:
    if len({key for key, _ in pairs}) < len(pairs):
        raise ValueError("a key appears twice")
    return dict(pairs)


def _uses_yte(value, seen: set) -> bool:
    """Whether ``__use_yte__`` is a key anywhere in ``value`` (shared values visited once)."""
    if not isinstance(value, (dict, list)) or id(value) in seen:
        return False
    seen.add(id(value))
    if isinstance(value, dict):
        return YTE_KEY in value or any(_uses_yte(item, seen) for item in value.values())
    return any(_uses_yte(item, seen) for item in value)


def read_config_file(path: str | Path) -> dict:
    """The raw (not yet validated) config in ``path``; ConfigError naming the file for a file
    that cannot be read, is not JSON/YAML data, would run code in Snakemake, or is absurdly
    large once its aliases are expanded."""
    name = f"config file {shown_name(str(path))}"
    try:
        if Path(path).stat().st_size > MAX_BYTES:
            raise ConfigError(f"{name} has {Path(path).stat().st_size} bytes, more than a study config's {MAX_BYTES}")
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{name} not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{name} is not UTF-8 text (byte {exc.start})") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{name} cannot be read: {getattr(exc, 'strerror', None) or exc}") from None
    raw = _read_data(_parse, text, where=name, too_deep="nested too deeply to be a study config")
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{name} must hold a mapping of keys to values, got {type(raw).__name__} {shown(raw)}")
    check_shape(raw, where=name)
    if _uses_yte(raw, set()):
        raise ConfigError(
            f"{name}: '{YTE_KEY}' is refused: it makes Snakemake evaluate the file's ?-expressions as Python (YTE)"
        )
    return raw


def load_config(path: str | Path) -> dict:
    """The validated config in ``path`` (read as data by ``read_config_file``)."""
    return validate_config(read_config_file(path))


def merged(configs: list[dict]) -> dict:
    """Configs merged in order as Snakemake merges several ``--configfile``: mappings key by key,
    anything else replaced."""
    out: dict = {}
    for config in configs:
        _merge_into(out, config)
    return out


def _merge_into(target: dict, update: dict) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge_into(target[key], value)
        else:
            target[key] = value


def apply_override(config: dict, assignment: str) -> None:
    """Apply one ``--set`` override, ``key.path=value``, in place. The value is read as YAML (safe
    loader): ``fit.max_iter=50``, ``k={values: [4, 8]}``, ``datasets.d.label_column=null``."""
    key, sep, text = assignment.partition("=")
    path = key.split(".")
    if not sep or not all(path):
        raise ConfigError(f"--set {shown(assignment)}: expected KEY=VALUE with KEY a dotted path such as fit.max_iter")
    value = _read_data(_parse_yaml, text, where=f"--set {shown_name(key)}", too_deep="nested too deeply")
    parent = config
    for depth, step in enumerate(path[:-1]):
        parent = parent.setdefault(step, {})
        if not isinstance(parent, dict):
            prefix = ".".join(path[: depth + 1])
            raise ConfigError(f"--set {shown_name(key)}: config key '{prefix}' holds {shown(parent)}, not a mapping")
    parent[path[-1]] = value
    check_shape(config, where=f"--set {shown_name(key)}")
