from kmeans_study.steps import plots, runner

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
runner.run(
    sm.log[0], plots.pareto_plot, dataset=sm.wildcards.dataset, pareto=sm.input.pareto, plot=sm.output.plot,
    dpi=sm.params.dpi,
)
