rule best_init:
    input:
        records=lambda wc: fit_outputs(paths.FIT_RECORD, wc.dataset, [wc.backend]),
    output:
        report(
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
        json=paths.ELBOW_JSON,
        scores=paths.ELBOW_SCORES,
    log:
        paths.log("elbow", "{dataset}/{backend}"),
    localrule: True
    conda:
        "../../envs/aggregate.yaml"
    script:
        "../../scripts/elbow.py"


rule confusion:
    input:
        labels=paths.DATA_LABELS,
        meta=paths.DATA_META,
        best=paths.BEST_INIT,
        records=lambda wc: fit_outputs(paths.FIT_RECORD, wc.dataset, [wc.backend]),
        fit_labels=lambda wc: fit_outputs(paths.FIT_LABELS, wc.dataset, [wc.backend]),
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
        records=lambda wc: fit_outputs(paths.FIT_RECORD, wc.dataset, BACKENDS),
        benchmarks=lambda wc: fit_benchmarks(wc.dataset, BACKENDS),
    output:
        report(
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
    script:
        "../../scripts/timing.py"


rule agreement:
    input:
        records=lambda wc: fit_outputs(paths.FIT_RECORD, wc.dataset, BACKENDS),
        fit_labels=lambda wc: fit_outputs(paths.FIT_LABELS, wc.dataset, BACKENDS),
        elbows=expand(paths.ELBOW_JSON, backend=BACKENDS, allow_missing=True),
    output:
        by_k=report(
            paths.AGREEMENT,
            caption="../report/agreement.rst",
            category="{dataset}",
            subcategory="Do the backends agree",
            labels={"table": "agreement per k"},
        ),
        by_init=paths.AGREEMENT_BY_INIT,
        elbows=report(
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
        backends=BACKENDS,
        pairs=agreement_pairs(config),
    script:
        "../../scripts/agreement.py"


# Speed vs quality: one point per backend and k (a grid point is a backend), gaps paired by init.
rule pareto:
    input:
        records=lambda wc: fit_outputs(paths.FIT_RECORD, wc.dataset, BACKENDS),
        by_init=lambda wc: (
            [paths.fmt(paths.AGREEMENT_BY_INIT, dataset=wc.dataset)]
            if len(BACKENDS) > 1
            else []
        ),
    output:
        report(
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
        budget=config["report"]["inertia_budget"],
    script:
        "../../scripts/pareto.py"


rule summary:
    input:
        lambda wc: [
            path
            for entry in summary_inputs().values()
            for value in entry.values()
            for path in (
                value.values()
                if isinstance(value, dict)
                else value if isinstance(value, list) else [value]
            )
        ],
    output:
        md=report(
            paths.SUMMARY,
            caption="../report/summary.rst",
            category="Summary",
            labels={"file": "summary.md"},
        ),
        provenance=paths.PROVENANCE,
    log:
        paths.log("summary", "summary"),
    localrule: True
    conda:
        "../../envs/aggregate.yaml"
    params:
        per_dataset=lambda wc: summary_inputs(),
        # Any config change refreshes the provenance, even one that reruns nothing else.
        config_sha256=config_hash(config),
    script:
        "../../scripts/summary.py"
