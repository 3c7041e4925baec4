from kmeans_study import rule, steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(
    sm.log[0], steps.elbow_plot, sm.wildcards.dataset, sm.wildcards.backend, sm.input.best, sm.input.elbow,
    sm.output[0], sm.params.dpi,
)
