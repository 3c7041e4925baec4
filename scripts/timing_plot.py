from kmeans_study import rule, steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(
    sm.log[0], steps.timing_plot, dataset=sm.wildcards.dataset, timing=sm.input.timing, plot=sm.output.plot,
    dpi=sm.params.dpi,
)
