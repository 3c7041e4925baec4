import re
import sys
from pathlib import Path

# This file and the rule scripts import the project's package from src/. Snakemake hands this
# process's sys.path to every script it runs (also in conda envs and on cluster nodes, which parse
# this file again), so inserting it here is enough.
sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from kmeans_study import paths
from kmeans_study.config import (
    ConfigError,
    backend_params,
    dataset_spec,
    init_ids,
    init_seed,
    k_values,
    validate_config,
)

try:
    _validated = validate_config(config)
except ConfigError as exc:
    sys.exit(f"kmeans-study: {exc}")
config.clear()
config.update(_validated)


wildcard_constraints:
    dataset="|".join(map(re.escape, config["datasets"])),
    backend="|".join(config["backends"]),
    k=r"\d+",
    init_id=r"\d+",


def uses_shared_init(backend):
    return config["backends"][backend]["init"] == "shared"


def fit_inputs(wildcards):
    """Prepared data, plus the shared initial centroids unless the backend uses its own."""
    inputs = {"X": paths.DATA_X, "meta": paths.DATA_META}
    if uses_shared_init(wildcards.backend):
        inputs["init"] = paths.INIT
    return {name: expand(p, **wildcards)[0] for name, p in inputs.items()}


def fit_records(wildcards):
    """Every fit record of one (dataset, backend)."""
    return expand(
        paths.FIT_RECORD,
        dataset=wildcards.dataset,
        backend=wildcards.backend,
        k=k_values(config, wildcards.dataset),
        init_id=init_ids(config),
    )


def get_final_output():
    targets = []
    for dataset in config["datasets"]:
        for backend in config["backends"]:
            for pattern in (paths.BEST_INIT, paths.ELBOW_JSON, paths.ELBOW_PLOT):
                targets.append(paths.fmt(pattern, dataset=dataset, backend=backend))
    return targets
