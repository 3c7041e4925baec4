# How many clusters: internal criteria per backend, the gap statistic's reference datasets and
# fits, the optional subsample stability, and one verdict per dataset (kmeans_study.kchoice).


rule criteria:
    input:
        X=paths.DATA_X,
        records=get_backend_records,
        fit_labels=get_backend_fit_labels,
    output:
        table=report(
            paths.CRITERIA,
            caption="../report/criteria.rst",
            category="{dataset}",
            subcategory="How many clusters",
            labels={"table": "criteria per k", "backend": "{backend}"},
        ),
    log:
        paths.log("criteria", "{dataset}/{backend}"),
    localrule: True
    conda:
        "../../envs/aggregate.yaml"
    params:
        sample_size=lookup(dpath="k_choice/silhouette_sample", within=config),
        seed=get_kchoice_seed("silhouette"),
        top_fraction=lookup(dpath="k_choice/stability_top", within=config),
    script:
        "../../scripts/criteria.py"


# The gap statistic's rules exist only when it is computed (their logs name wildcards that an
# empty output list could not supply).
if GAP_REFS:

    # The reference data of the gap statistic, written once per (dataset, reference) by one job per
    # dataset (the principal axes are computed once).
    rule gap_reference:
        input:
            X=paths.DATA_X,
        output:
            references=expand(paths.GAP_REFERENCE, ref=GAP_REFS, allow_missing=True),
        log:
            paths.log("gap_reference", "{dataset}"),
        conda:
            "../../envs/data.yaml"
        params:
            job=get_job(
                seeds=get_gap_reference_seeds,
                sample=get_gap_sample,
            ),
            files=get_files,
        shell:
            JOB.format(script="gap_reference")

    # One job per (dataset, k) fits every reference dataset, so a wider k range adds only its jobs.
    rule gap_fit:
        input:
            meta=paths.DATA_META,
            references=get_gap_references,
        output:
            records=expand(paths.GAP_FIT, ref=GAP_REFS, allow_missing=True),
        log:
            paths.GAP_FIT_LOG,
        benchmark:
            paths.GAP_FIT_BENCHMARK
        priority: get_fit_priority
        conda:
            get_kchoice_fit_env
        threads: 1
        resources:
            mem_mb=get_gap_fit_mem_mb,
        params:
            job=get_job(
                backend=GAP_BACKEND,
                base_backend=get_kchoice_base_backend,
                backend_params=get_kchoice_fit_params,
                seeds=get_gap_fit_seeds,
                init_version=INIT_VERSION,
                record_version=RECORD_VERSION,
            ),
            files=get_files,
        shell:
            JOB.format(script="gap_fit")


rule subsample_stability:
    input:
        X=paths.DATA_X,
        meta=paths.DATA_META,
    output:
        table=paths.SUBSAMPLE_STABILITY,
    log:
        paths.SUBSAMPLE_STABILITY_LOG,
    benchmark:
        paths.SUBSAMPLE_STABILITY_BENCHMARK
    priority: get_fit_priority
    conda:
        get_kchoice_fit_env
    threads: 1
    resources:
        mem_mb=get_stability_mem_mb,
    params:
        job=get_job(
            backend=GAP_BACKEND,
            base_backend=get_kchoice_base_backend,
            backend_params=get_kchoice_fit_params,
            seeds=get_subsample_seeds,
            fraction=lookup(
                dpath="k_choice/subsample_stability/fraction", within=config
            ),
            init_version=INIT_VERSION,
            record_version=RECORD_VERSION,
        ),
        files=get_files,
    shell:
        JOB.format(script="subsample_stability")


rule k_choice:
    input:
        unpack(get_kchoice_inputs),
    output:
        choice=report(
            paths.K_CHOICE_JSON,
            caption="../report/k_choice.rst",
            category="{dataset}",
            subcategory="How many clusters",
            labels={"file": "k_choice.json"},
        ),
        table=report(
            paths.K_CHOICE_CSV,
            caption="../report/k_choice_table.rst",
            category="{dataset}",
            subcategory="How many clusters",
            labels={"table": "k choice per criterion and backend"},
        ),
    log:
        paths.log("k_choice", "{dataset}"),
    localrule: True
    conda:
        "../../envs/aggregate.yaml"
    params:
        reference=reference_backend(config),
        gap_backend=GAP_BACKEND,
        gap_init_ids=kchoice.gap_init_ids(config),
        resamples=lookup(dpath="k_choice/resamples", within=config),
        fraction=lookup(dpath="k_choice/resample_fraction", within=config),
        seed=get_kchoice_seed("resample"),
        min_votes=lookup(dpath="k_choice/verdict/min_votes", within=config),
        min_share=lookup(dpath="k_choice/verdict/min_share", within=config),
    script:
        "../../scripts/k_choice.py"


rule k_choice_plot:
    input:
        choice=paths.K_CHOICE_JSON,
        criteria=get_reference_criteria,
    output:
        plot=report(
            paths.K_CHOICE_PLOT,
            caption="../report/k_choice_plot.rst",
            category="{dataset}",
            subcategory="How many clusters",
            labels={"plot": "k choice"},
        ),
    log:
        paths.log("k_choice_plot", "{dataset}"),
    localrule: True
    conda:
        "../../envs/aggregate.yaml"
    params:
        job=get_job(
            dpi=lookup(dpath="report/plot_dpi", within=config),
        ),
        files=get_files,
    shell:
        JOB.format(script="k_choice_plot")
