"""The study a validated config describes: its k values, inits, seeds, backends and datasets.

The single source of truth for what a config means: the workflow, the scripts and the tests ask
these functions, and none of them re-derives a k range or a seed on its own. Every function takes
a config that ``validate.validate_config`` returned.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import zlib
from typing import Any

import numpy as np

from kmeans_study.backends import REGISTRY
from kmeans_study.data.sources import SOURCES


def k_range(spec: dict) -> range | list[int]:
    """The k values of a k spec (``{min, max, step}`` or ``{values}``) in increasing order, a
    range not yet listed; empty for a spec that names neither."""
    if "values" in spec:
        return sorted(spec["values"])
    if "min" not in spec or "max" not in spec:
        return []
    return range(spec["min"], spec["max"] + 1, spec.get("step", 1))


def k_values(config: dict, dataset: str) -> list[int]:
    """Sorted k values of ``dataset`` (its own ``k`` if given, else the top-level one)."""
    ds = config["datasets"][dataset]
    return list(k_range(ds.get("k", config["k"])))


def init_ids(config: dict) -> list[int]:
    """The init ids of every (dataset, k), sorted: ``range(inits)`` or the listed ids."""
    inits = config["inits"]
    return list(range(inits)) if isinstance(inits, int) else sorted(inits)


def init_seed(config: dict, dataset: str, k: int, init_id: int) -> int:
    """The seed of the shared initialisation of (dataset, k, init_id): an integer in [0, 2**31).

    Depends on nothing else (not on the backend, the order of jobs or the other k values), so
    widening the k range or adding inits never changes an existing initialisation.
    """
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
    """The names of every backend the study runs, grid points included, in config order."""
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
    """The registry entry (``backends.Registered``) behind a backend name of the study (a grid
    point's included)."""
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


def config_hash(config: dict) -> str:
    """SHA-256 of the validated config in canonical JSON (sorted keys)."""
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()


def source_of(config: dict, dataset: str):
    """The source registry entry (``data.sources.Source``) of a dataset."""
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
