# Plots are drawn from result tables only, so a plotting option reruns these rules and nothing else.


rule elbow_plot:
    input:
        best=paths.BEST_INIT,
        elbow=paths.ELBOW_JSON,
        scores=paths.ELBOW_SCORES,
    output:
        plot=report(
            paths.ELBOW_PLOT,
            caption="../report/elbow.rst",
            category="{dataset}",
            subcategory="How many clusters",
            labels={"plot": "elbow", "backend": "{backend}"},
        ),
    log:
        paths.log("elbow_plot", "{dataset}/{backend}"),
    localrule: True
    conda:
        "../../envs/aggregate.yaml"
    params:
        job=get_job(
            dpi=lookup(dpath="report/plot_dpi", within=config),
        ),
        files=get_files,
    shell:
        JOB.format(script="elbow_plot")


rule confusion_plot:
    input:
        confusion=paths.CONFUSION,
        elbow=paths.ELBOW_JSON,
    output:
        plot=report(
            paths.CONFUSION_PLOT,
            caption="../report/confusion_plot.rst",
            category="{dataset}",
            subcategory="How good",
            labels={"plot": "confusion at {which}", "backend": "{backend}"},
        ),
    log:
        paths.log("confusion_plot", "{dataset}/{backend}_{which}"),
    localrule: True
    conda:
        "../../envs/aggregate.yaml"
    params:
        job=get_job(
            dpi=lookup(dpath="report/plot_dpi", within=config),
        ),
        files=get_files,
    shell:
        JOB.format(script="confusion_plot")


rule timing_plot:
    input:
        timing=paths.TIMING,
    output:
        plot=report(
            paths.TIMING_PLOT,
            caption="../report/timing_plot.rst",
            category="{dataset}",
            subcategory="Which backend is fastest",
            labels={"plot": "timing"},
        ),
    log:
        paths.log("timing_plot", "{dataset}"),
    localrule: True
    conda:
        "../../envs/aggregate.yaml"
    params:
        job=get_job(
            dpi=lookup(dpath="report/plot_dpi", within=config),
        ),
        files=get_files,
    shell:
        JOB.format(script="timing_plot")


rule pareto_plot:
    input:
        pareto=paths.PARETO,
    output:
        plot=report(
            paths.PARETO_PLOT,
            caption="../report/pareto_plot.rst",
            category="{dataset}",
            subcategory="Which backend is fastest",
            labels={"plot": "Pareto: fit time vs inertia gap"},
        ),
    log:
        paths.log("pareto_plot", "{dataset}"),
    localrule: True
    conda:
        "../../envs/aggregate.yaml"
    params:
        job=get_job(
            dpi=lookup(dpath="report/plot_dpi", within=config),
        ),
        files=get_files,
    shell:
        JOB.format(script="pareto_plot")


rule agreement_plot:
    input:
        agreement=paths.AGREEMENT,
    output:
        plot=report(
            paths.AGREEMENT_PLOT,
            caption="../report/agreement_plot.rst",
            category="{dataset}",
            subcategory="Do the backends agree",
            labels={"plot": "agreement"},
        ),
    log:
        paths.log("agreement_plot", "{dataset}"),
    localrule: True
    conda:
        "../../envs/aggregate.yaml"
    params:
        job=get_job(
            dpi=lookup(dpath="report/plot_dpi", within=config),
        ),
        files=get_files,
    shell:
        JOB.format(script="agreement_plot")
