from kmeans_study.steps import plots, runner

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
runner.run(
    sm.log[0], plots.confusion_plot, dataset=sm.wildcards.dataset, backend=sm.wildcards.backend,
    which=sm.wildcards.which, confusion=sm.input.confusion, elbow=sm.input.elbow, plot=sm.output.plot,
    dpi=sm.params.dpi,
)
