from kmeans_study.steps import plots, runner

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
runner.run(
    sm.log[0], plots.timing_plot, dataset=sm.wildcards.dataset, timing=sm.input.timing, plot=sm.output.plot,
    dpi=sm.params.dpi,
)
