from kmeans_study.steps import plots, runner

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
runner.run(
    sm.log[0], plots.k_choice_plot, choice=sm.input.choice, criteria=sm.input.criteria, plot=sm.output.plot,
    dpi=sm.params.dpi,
)
