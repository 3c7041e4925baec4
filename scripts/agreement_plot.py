from kmeans_study import rule, steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(
    sm.log[0], steps.agreement_plot, dataset=sm.wildcards.dataset, agreement=sm.input.agreement, plot=sm.output.plot,
    dpi=sm.params.dpi,
)
