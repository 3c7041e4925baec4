import json
import re
import shlex
import sys
from pathlib import Path

from snakemake.settings.types import DeploymentMethod

# This file imports the project's package, installed (make installs it, editable) or else from
# src/; the rule scripts put src/ first on their own path (scripts/_job.py), so they find it also
# where it is not installed (a conda env, a cluster node).
sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from kmeans_study import paths
from kmeans_study.report import pages as report_pages
from kmeans_study.io import CorruptFile, read_json
from kmeans_study.data.prepare import k_problem
from kmeans_study.backends.record import RECORD_VERSION
from kmeans_study.lloyd.starts import INIT_VERSION
import kmeans_study.config.kchoice as kchoice
import kmeans_study.config.outputs as outputs
from kmeans_study.config.errors import ConfigError
from kmeans_study.config.study import (
    agreement_pairs,
    backend_names,
    backend_params,
    backend_variants,
    base_backend,
    config_hash,
    dataset_spec,
    init_ids,
    init_seed,
    k_values,
    reference_backend,
    registered,
)
from kmeans_study.config.validate import validate_config
from kmeans_study.config.memory import memory_problems
from kmeans_study.backends.memory import need_mb, starts_need_mb
from kmeans_study.runtime import LIMIT_WORDS, memory_limit_mb

try:
    _validated = validate_config(config)
    paths.check_not_taken()
except (ConfigError, PermissionError) as exc:
    sys.exit(f"kmeans-study: {exc}")
config.clear()
config.update(_validated)


def check_prepared_datasets():
    """k values against data prepared by an earlier run, before any job starts (a fresh
    dataset is checked by its prepare job)."""
    for dataset in config["datasets"]:
        meta = Path(paths.fmt(paths.DATA_META, dataset=dataset))
        if meta.is_file():
            try:
                facts = read_json(meta)
            except CorruptFile as exc:
                sys.exit(f"kmeans-study: {exc}")
            problem = k_problem(
                dataset,
                max(k_values(config, dataset)),
                facts["n_distinct_points"],
                facts["shape"][0],
            )
            if problem:
                sys.exit(f"kmeans-study: {problem}")


check_prepared_datasets()


def fit_memory() -> tuple[int, str]:
    """The memory a fit job is given: the smallest of what the command line or profile sets
    (set-resources fit:mem_mb, --resources mem_mb) and, running here, this machine's (its memory
    cgroup's limit, or all of it)."""
    given = []
    for where, resources in (
        (
            "set-resources fit:mem_mb",
            workflow.resource_settings.overwrite_resources.get("fit", {}),
        ),
        ("--resources mem_mb", workflow.global_resources),
    ):
        value = getattr(resources.get("mem_mb"), "value", resources.get("mem_mb"))
        if isinstance(value, int):
            given.append((value, where))
    limit = memory_limit_mb() if workflow.local_exec else None
    if limit:
        given.append((limit[0], LIMIT_WORDS[limit[1]]))
    return min(given) if given else (2**31, "no limit known")


def check_memory():
    """Backends that need the data in memory against the memory a fit job is given, for every
    dataset whose size is known now (kmeans_study.config.memory), before any job starts.
    """
    given, given_by = fit_memory()
    problems = memory_problems(config, given_mb=given, given_by=given_by)
    if problems:
        sys.exit(f"kmeans-study: {problems[0]}")


check_memory()

# Every backend the study runs: a grid point is one (its name holds its parameters).
BACKENDS = backend_names(config)
FUSED_BACKENDS = [b for b in BACKENDS if registered(config, b).fused]
PER_INIT_BACKENDS = [b for b in BACKENDS if not registered(config, b).fused]
INIT_IDS = init_ids(config)
INIT_PRIORITY = 1000  # above every fit's priority (its k)
# The k-choice report's extra fits (kmeans_study.config.kchoice): their backend, the gap
# statistic's reference datasets and the subsample pairs.
GAP_BACKEND = kchoice.fit_backend(config)
GAP_REFS = kchoice.gap_refs(config)
STABILITY_PAIRS = kchoice.stability_pairs(config)


def alternatives(names):
    """A wildcard regex matching exactly these names (none: matching nothing)."""
    return "|".join(map(re.escape, names)) or "(?!)"


wildcard_constraints:
    dataset=alternatives(config["datasets"]),
    backend=alternatives(BACKENDS),
    k=r"\d+",
    init_id=r"\d+",
    which=r"elbow|k\d+",


# How a job starts -----------------------------------------------------------------------------
# Most rules run their script with `shell: JOB`: a plain Python process that reads the job from its
# command line (kmeans_study.steps.job). Snakemake's `script:` directive would import and unpickle
# Snakemake itself in every job first (measured in docs/performance.md); it stays for the rules
# whose inputs grow with the study (a command line has room for about 128 KiB) and for
# prepare_dataset, which reads the config beyond its params. `python` is the interpreter running
# Snakemake (its folder first on the jobs' PATH), or the rule's conda environment's under
# --sdm conda. The shell prefix, not the command, names these places: Snakemake reruns a job whose
# command template changed, and moving the checkout should not.
_job_shell = f"set -euo pipefail; export KMEANS_STUDY_SCRIPTS={shlex.quote(str(Path(workflow.basedir) / 'scripts'))}; "
if DeploymentMethod.CONDA not in workflow.deployment_settings.deployment_method:
    _job_shell += f'PATH={shlex.quote(str(Path(sys.executable).parent))}:"$PATH"; '
shell.prefix(_job_shell)
JOB = 'python "$KMEANS_STUDY_SCRIPTS/{script}.py" --log {{log:q}} --threads {{threads}} {{params.job:q}} {{params.files:q}}'


def get_job(**params):
    """The `job` param of the rules that JOB starts: the given params (values, or functions of the
    wildcards) and the job's wildcards, as one JSON string. A change of any of them reruns the job,
    as a change of a rule's params does (Snakemake compares the params that do not depend on the
    job's files)."""

    def job(wildcards):
        spec = {
            "params": {
                name: value(wildcards) if callable(value) else value
                for name, value in params.items()
            },
            "wildcards": dict(wildcards.items()),
        }
        return json.dumps(spec, sort_keys=True)

    return job


def get_files(wildcards, input, output):
    """The `files` param of the rules that JOB starts: their named inputs and outputs as one JSON
    string (Snakemake reruns a job for its files themselves, never for this param)."""
    return json.dumps(
        {"input": _named(input), "output": _named(output)}, sort_keys=True
    )


def _named(files):
    """A rule's named inputs or outputs as {name: path or list of paths}."""
    return {
        name: value if isinstance(value, str) else list(value)
        for name, value in files.items()
    }


# Job properties -------------------------------------------------------------------------------


def get_init_priority(wildcards):
    """Inits start before fits (they are short and unlock the fits), larger k first."""
    return INIT_PRIORITY + int(wildcards.k)


def get_fit_priority(wildcards):
    """Fits take larger k first, so the longest jobs start early and short ones fill the gaps."""
    return int(wildcards.k)


def get_fit_env(wildcards):
    return f"../../envs/{registered(config, wildcards.backend).env}.yaml"


def get_fit_gpus(wildcards):
    return registered(config, wildcards.backend).gpus


def get_fit_mem_mb(wildcards, input):
    """A fit job's request, sized from the data's shape and what its backend keeps (in memory, or
    a few numbers per point: kmeans_study.backends.memory)."""
    n, d = read_json(input.meta)["shape"]
    params = backend_params(config, wildcards.backend)
    return need_mb(
        registered(config, wildcards.backend),
        n=n,
        d=d,
        k=int(wildcards.k),
        inits=len(INIT_IDS),
        sample=params.get("sample"),
    )


def get_starts_mem_mb(wildcards, input):
    """The k-means++ starts of every init of one k, sized from the data (backends.memory)."""
    n, d = read_json(input.meta)["shape"]
    return starts_need_mb(n=n, d=d, k=int(wildcards.k), inits=len(INIT_IDS))


def get_stability_mem_mb(wildcards, input):
    """A subsample pair is fitted one side at a time, each a fraction of the data."""
    n, d = read_json(input.meta)["shape"]
    fraction = config["k_choice"]["subsample_stability"]["fraction"]
    return need_mb(registered(config, GAP_BACKEND), n=int(n * fraction) + 1, d=d)


def get_gap_fit_mem_mb(wildcards, input):
    """One reference dataset is fitted at a time: a fit job's request for one reference's size."""
    n, d = read_json(input.meta)["shape"]
    n_reference = min(n, config["k_choice"]["gap"]["sample"])
    return need_mb(registered(config, GAP_BACKEND), n=n_reference, d=d)


def get_kchoice_fit_env(wildcards):
    return f"../../envs/{registered(config, GAP_BACKEND).env}.yaml"


# Params ---------------------------------------------------------------------------------------


def get_dataset_spec(wildcards):
    return dataset_spec(config, wildcards.dataset)


def get_backend_params(wildcards):
    return backend_params(config, wildcards.backend)


def get_base_backend(wildcards):
    return base_backend(config, wildcards.backend)


def get_init_seed(wildcards):
    return init_seed(
        config, wildcards.dataset, int(wildcards.k), int(wildcards.init_id)
    )


def get_fit_sample_seed(wildcards):
    """The seed of the rows a backend told to `sample` is fitted on: one sample per dataset."""
    return init_seed(config, f"{wildcards.dataset}/fit_sample", 0, 0)


def get_init_seeds(wildcards):
    """Seed of every init id of (dataset, k)."""
    return {
        i: init_seed(config, wildcards.dataset, int(wildcards.k), i) for i in INIT_IDS
    }


def get_kchoice_seed(purpose):
    """An input function: the seed of one of a dataset's k-choice draws (kchoice.seed)."""

    def get_seed(wildcards):
        return kchoice.seed(config, wildcards.dataset, purpose)

    return get_seed


def get_gap_reference_seeds(wildcards):
    return kchoice.gap_reference_seeds(config, wildcards.dataset)


def get_gap_sample(wildcards):
    return kchoice.gap_sample(config, wildcards.dataset)


def get_gap_fit_seeds(wildcards):
    return kchoice.gap_seeds(config, wildcards.dataset, int(wildcards.k))


def get_subsample_seeds(wildcards):
    return kchoice.stability_seeds(config, wildcards.dataset, int(wildcards.k))


def get_kchoice_fit_params(wildcards):
    return backend_params(config, GAP_BACKEND)


def get_kchoice_base_backend(wildcards):
    return base_backend(config, GAP_BACKEND)


def get_summary_structure(wildcards):
    return outputs.summary_structure(config)


# Inputs ---------------------------------------------------------------------------------------


def get_fit_inputs(wildcards):
    """Prepared data, plus the shared initial centroids unless the backend uses its own."""
    inputs = {
        "X": paths.fmt(paths.DATA_X, **wildcards),
        "meta": paths.fmt(paths.DATA_META, **wildcards),
    }
    if backend_variants(config)[wildcards.backend][1]["init"] == "shared":
        # Rewritten unchanged when inits are added (see init_centroids in fit.smk): not a reason to refit.
        inputs["start"] = ancient(paths.fmt(paths.START, **wildcards))
    return inputs


def get_starts_of_k(wildcards):
    """The shared starts of every init of (dataset, k), ancient for the same reason."""
    return [
        ancient(
            paths.fmt(paths.START, dataset=wildcards.dataset, k=wildcards.k, init_id=i)
        )
        for i in INIT_IDS
    ]


def get_backend_records(wildcards):
    return outputs.fit_files(
        config, paths.FIT_RECORD, wildcards.dataset, [wildcards.backend]
    )


def get_backend_fit_labels(wildcards):
    return outputs.fit_files(
        config, paths.FIT_LABELS, wildcards.dataset, [wildcards.backend]
    )


def get_dataset_records(wildcards):
    return outputs.fit_files(config, paths.FIT_RECORD, wildcards.dataset, BACKENDS)


def get_dataset_fit_labels(wildcards):
    return outputs.fit_files(config, paths.FIT_LABELS, wildcards.dataset, BACKENDS)


def get_dataset_benchmarks(wildcards):
    return outputs.fit_benchmarks(config, wildcards.dataset, BACKENDS)


def get_dataset_elbows(wildcards):
    return list(
        outputs.per_backend(config, paths.ELBOW_JSON, wildcards.dataset).values()
    )


def get_pairs_by_init(wildcards):
    """agreement_by_init.csv of the dataset, which a one-backend study does not have."""
    return outputs.dataset_files(config, wildcards.dataset, [paths.AGREEMENT_BY_INIT])


def get_best_fits(wildcards):
    """What the worked examples read: the data, and every fit of one backend with its best inits."""
    return {
        "X": paths.fmt(paths.DATA_X, **wildcards),
        "meta": paths.fmt(paths.DATA_META, **wildcards),
        "best": paths.fmt(paths.BEST_INIT, **wildcards),
        "records": get_backend_records(wildcards),
        "fit_labels": get_backend_fit_labels(wildcards),
    }


def get_gap_references(wildcards):
    return [
        paths.fmt(paths.GAP_REFERENCE, dataset=wildcards.dataset, ref=b)
        for b in GAP_REFS
    ]


def get_kchoice_inputs(wildcards):
    return outputs.k_choice_inputs(config, wildcards.dataset)


def get_reference_criteria(wildcards):
    return outputs.reference_criteria(config, wildcards.dataset)


def get_summary_inputs(wildcards):
    return outputs.summary_inputs(config)


# Targets --------------------------------------------------------------------------------------


def get_final_output():
    """Every output a rule marks report(...) (REPORT_OUTPUTS, collected in report.smk), for each
    dataset that has it, with its page in the HTML report; and the provenance."""
    targets = outputs.study_files(config, REPORT_OUTPUTS)
    targets += [f for f in (paths.SUMMARY, paths.PROVENANCE) if f not in targets]
    return targets + report_pages.pages_for(targets, PAGE_SOURCES)
