from kmeans_study import rule, steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(
    sm.log[0], steps.confusion_plot, sm.wildcards.dataset, sm.wildcards.backend, sm.wildcards.which,
    sm.input.confusion, sm.input.elbow, sm.output[0], sm.params.dpi,
)
