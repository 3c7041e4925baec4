# What the k-choice rules (kchoice.smk) need from the config: the backend of their fits, the gap
# statistic's references, seeds, inputs and targets (kmeans_study.config.kchoice).
import kmeans_study.config.kchoice as kchoice

GAP_BACKEND = kchoice.fit_backend(config)
GAP_REFS = kchoice.gap_refs(config)
STABILITY_PAIRS = kchoice.stability_pairs(config)


def kchoice_seed(purpose):
    """Input function: the seed of one of a dataset's k-choice draws (kmeans_study.config.kchoice.seed)."""

    def seed_of(wildcards):
        return kchoice.seed(config, wildcards.dataset, purpose)

    return seed_of


def gap_reference_seeds(wildcards):
    return {b: kchoice.seed(config, wildcards.dataset, f"gap{b}") for b in GAP_REFS}


def gap_fit_seeds(wildcards):
    return kchoice.gap_seeds(config, wildcards.dataset, int(wildcards.k))


def gap_references(wildcards):
    return [
        paths.fmt(paths.GAP_REFERENCE, dataset=wildcards.dataset, ref=b)
        for b in GAP_REFS
    ]


def kchoice_fit_env(wildcards):
    return f"../../envs/{registered(config, GAP_BACKEND).env}.yaml"


def kchoice_fit_params(wildcards):
    return backend_params(config, GAP_BACKEND)


def kchoice_registered(wildcards):
    return base_backend(config, GAP_BACKEND)


def gap_fit_mem_mb(wildcards, input):
    """One reference dataset is fitted at a time: as a fit job, for one reference's size."""
    return 500 + 3 * int(input.size_mb / max(1, len(GAP_REFS)))


def subsample_seeds(wildcards):
    """Per pair: the seed of its two subsamples and of each one's k-means++ start."""
    k = int(wildcards.k)
    return [
        [
            kchoice.seed(config, wildcards.dataset, f"stability{p}", k, i)
            for i in range(3)
        ]
        for p in STABILITY_PAIRS
    ]


def kchoice_inputs(wildcards):
    """What the verdict reads: every backend's criteria, elbows and fit records, the gap
    statistic's reference fits and the subsample pairs."""
    dataset = wildcards.dataset
    ks = k_values(config, dataset)
    return {
        "criteria": [
            paths.fmt(paths.CRITERIA, dataset=dataset, backend=b) for b in BACKENDS
        ],
        "elbows": dataset_elbows(wildcards),
        "scores": [
            paths.fmt(paths.ELBOW_SCORES, dataset=dataset, backend=b) for b in BACKENDS
        ],
        "records": dataset_records(wildcards),
        "gap_records": [
            paths.fmt(paths.GAP_FIT, dataset=dataset, k=k, ref=b)
            for k in ks
            for b in GAP_REFS
        ],
        "stability": [
            paths.fmt(paths.SUBSAMPLE_STABILITY, dataset=dataset, k=k)
            for k in ks
            if STABILITY_PAIRS
        ],
    }


def reference_criteria(wildcards):
    return paths.fmt(
        paths.CRITERIA, dataset=wildcards.dataset, backend=reference_backend(config)
    )


def k_choice_reports(dataset):
    """The k-choice files of one dataset (targets, linked from the summary)."""
    per_backend = [
        paths.fmt(paths.CRITERIA, dataset=dataset, backend=b) for b in BACKENDS
    ]
    return per_backend + [
        paths.fmt(p, dataset=dataset)
        for p in (paths.K_CHOICE_JSON, paths.K_CHOICE_CSV, paths.K_CHOICE_PLOT)
    ]
