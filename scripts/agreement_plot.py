from kmeans_study.steps import plots, runner

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
runner.run(
    sm.log[0], plots.agreement_plot, dataset=sm.wildcards.dataset, agreement=sm.input.agreement, plot=sm.output.plot,
    dpi=sm.params.dpi,
)
