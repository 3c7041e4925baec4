rule best_init:
    input:
        records=get_backend_records,
    output:
        table=report(
            paths.BEST_INIT,
            caption="../report/best_init.rst",
            category="{dataset}",
            subcategory="How many clusters",
            labels={"table": "best init per k", "backend": "{backend}"},
        ),
    log:
        paths.log("best_init", "{dataset}/{backend}"),
    localrule: True
    conda:
        "../../envs/aggregate.yaml"
    script:
        "../../scripts/best_init.py"


rule elbow:
    input:
        best=paths.BEST_INIT,
    output:
        elbow=paths.ELBOW_JSON,
        scores=paths.ELBOW_SCORES,
    log:
        paths.log("elbow", "{dataset}/{backend}"),
    localrule: True
    conda:
        "../../envs/aggregate.yaml"
    params:
        job=get_job(),
        files=get_files,
    shell:
        JOB.format(script="elbow")


rule confusion:
    input:
        data_labels=paths.DATA_LABELS,
        meta=paths.DATA_META,
        best=paths.BEST_INIT,
        records=get_backend_records,
        fit_labels=get_backend_fit_labels,
    output:
        confusion=report(
            paths.CONFUSION,
            caption="../report/confusion.rst",
            category="{dataset}",
            subcategory="How good",
            labels={"table": "confusion pivots", "backend": "{backend}"},
        ),
        quality=report(
            paths.QUALITY,
            caption="../report/quality.rst",
            category="{dataset}",
            subcategory="How good",
            labels={"table": "quality vs labels", "backend": "{backend}"},
        ),
    log:
        paths.log("confusion", "{dataset}/{backend}"),
    localrule: True
    conda:
        "../../envs/aggregate.yaml"
    script:
        "../../scripts/confusion.py"


rule timing:
    input:
        records=get_dataset_records,
        benchmarks=get_dataset_benchmarks,
    output:
        table=report(
            paths.TIMING,
            caption="../report/timing.rst",
            category="{dataset}",
            subcategory="Which backend is fastest",
            labels={"table": "timing"},
        ),
    log:
        paths.log("timing", "{dataset}"),
    localrule: True
    conda:
        "../../envs/aggregate.yaml"
    params:
        reference=reference_backend(config),
    script:
        "../../scripts/timing.py"


rule agreement:
    input:
        records=get_dataset_records,
        fit_labels=get_dataset_fit_labels,
        elbows=get_dataset_elbows,
    output:
        by_k=report(
            paths.AGREEMENT,
            caption="../report/agreement.rst",
            category="{dataset}",
            subcategory="Do the backends agree",
            labels={"table": "agreement per k"},
        ),
        by_init=paths.AGREEMENT_BY_INIT,
        elbow_agreement=report(
            paths.ELBOW_AGREEMENT,
            caption="../report/elbow_agreement.rst",
            category="{dataset}",
            subcategory="Do the backends agree",
            labels={"table": "elbow agreement"},
        ),
    log:
        paths.log("agreement", "{dataset}"),
    localrule: True
    conda:
        "../../envs/aggregate.yaml"
    params:
        pairs=agreement_pairs(config),
    script:
        "../../scripts/agreement.py"


# Speed vs quality: one point per backend and k (a grid point is a backend), gaps paired by init.
rule pareto:
    input:
        records=get_dataset_records,
        by_init=get_pairs_by_init,
    output:
        table=report(
            paths.PARETO,
            caption="../report/pareto.rst",
            category="{dataset}",
            subcategory="Which backend is fastest",
            labels={"table": "Pareto: fit time vs inertia gap"},
        ),
    log:
        paths.log("pareto", "{dataset}"),
    localrule: True
    conda:
        "../../envs/aggregate.yaml"
    params:
        reference=reference_backend(config),
        budget=lookup(dpath="report/inertia_budget", within=config),
    script:
        "../../scripts/pareto.py"
