"""What a schema cannot say about a config: k ranges that are empty or exceed the data, backends
named that the study does not run, files that are not there, a study too large to list.

Each check yields one line per problem (``validate.validate_config`` raises them together); the
config has passed the schema, so its defaults are filled in.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

from kmeans_study.config.study import backend_names, init_ids, k_range, registered, source_of
from kmeans_study.io import is_file
from kmeans_study.messages import shown, shown_name

# More fit jobs than this is a typo (k: {min: 2, max: 2000000000}), not a study: Snakemake could not
# even list them.
MAX_FITS = 100_000


def n_fits(config: dict) -> int:
    """Fit jobs the study asks for, counted without listing them."""
    inits = config["inits"] if isinstance(config["inits"], int) else len(config["inits"])
    variants = sum(
        math.prod(len(values) for values in (entry.get("grid") or {}).values()) for entry in config["backends"].values()
    )
    return sum(len(k_range(ds.get("k", config["k"]))) for ds in config["datasets"].values()) * inits * variants


def problems(config: dict) -> Iterator[str]:
    """Every problem of a config that passed the schema, one line each."""
    fits = n_fits(config)
    if fits > MAX_FITS:
        yield (
            f"the study asks for {fits} fits (k values x inits x backends, over the datasets), more than "
            f"{MAX_FITS}: narrow the k range, the inits or the backends' grids"
        )
        return
    yield from _k_spec_problems(config["k"], "k")
    yield from _k_choice_problems(config)
    chosen = config["report"]["reference_backend"]
    if chosen and chosen not in backend_names(config):
        yield (
            f"config key 'report.reference_backend': {shown(chosen)} is not a backend of this study "
            f"(its backends: {', '.join(backend_names(config))})"
        )
    for name in config["datasets"]:
        yield from _dataset_problems(config, name)


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


def _k_choice_problems(config: dict) -> Iterator[str]:
    """What the schema cannot say about ``k_choice``."""
    settings = config["k_choice"]
    chosen = settings["backend"]
    if chosen and chosen not in backend_names(config):
        yield (
            f"config key 'k_choice.backend': {chosen!r} is not a backend of this study (the gap statistic's data "
            f"side is its fits; the study's backends: {', '.join(backend_names(config))})"
        )
    elif chosen and not registered(config, chosen).exact:
        yield f"config key 'k_choice.backend': {chosen!r} is not an exact backend (the references need exact Lloyd)"
    if settings["gap"]["inits"] > len(init_ids(config)):
        yield (
            f"config key 'k_choice.gap.inits': {settings['gap']['inits']} exceeds the study's {len(init_ids(config))} "
            "inits (the data side takes the best of the first k_choice.gap.inits of them)"
        )


def _dataset_problems(config: dict, name: str) -> Iterator[str]:
    ds = config["datasets"][name]
    source = source_of(config, name)
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
    n = _known_n_samples(config, name)
    if n is not None:
        ks = k_range(ds.get("k", config["k"]))
        if ks and ks[-1] > n:
            yield f"config key 'datasets.{name}': k={ks[-1]} exceeds the number of samples ({n})"
    d = source.n_features(ds)
    if d is not None and ds.get("pca") and ds["pca"] > d:
        yield f"config key 'datasets.{name}.pca': {ds['pca']} components exceed n_features={d}"


def _known_n_samples(config: dict, name: str) -> int | None:
    """Rows the dataset will have, when the config alone says so."""
    ds = config["datasets"][name]
    n = source_of(config, name).n_samples(ds)
    if ds.get("subsample") is not None:
        n = ds["subsample"] if n is None else min(n, ds["subsample"])
    return n
