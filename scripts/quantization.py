from kmeans_study import rule, steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(
    sm.log[0], steps.quantization, dataset=sm.wildcards.dataset, backend=sm.wildcards.backend, X=sm.input.X,
    meta=sm.input.meta, best=sm.input.best, records=sm.input.records, fit_labels=sm.input.fit_labels,
    table=sm.output.table, plot=sm.output.plot, dpi=sm.params.dpi,
)
