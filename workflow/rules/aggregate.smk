rule best_init:
    input:
        records=fit_records,
    output:
        paths.BEST_INIT,
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
        plot=report(
            paths.ELBOW_PLOT,
            caption="../report/elbow.rst",
            category="Elbow",
            labels={"dataset": "{dataset}", "backend": "{backend}"},
        ),
    log:
        paths.log("elbow", "{dataset}/{backend}"),
    localrule: True
    conda:
        "../../envs/aggregate.yaml"
    params:
        dpi=config["report"]["elbow_plot_dpi"],
    script:
        "../../scripts/elbow.py"
