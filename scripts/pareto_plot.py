from kmeans_study import rule, steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(
    sm.log[0], steps.pareto_plot, dataset=sm.wildcards.dataset, pareto=sm.input.pareto, plot=sm.output.plot,
    dpi=sm.params.dpi,
)
