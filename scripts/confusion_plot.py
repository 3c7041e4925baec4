from kmeans_study import rule, steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(
    sm.log[0], steps.confusion_plot, dataset=sm.wildcards.dataset, backend=sm.wildcards.backend,
    which=sm.wildcards.which, confusion=sm.input.confusion, elbow=sm.input.elbow, plot=sm.output.plot,
    dpi=sm.params.dpi,
)
