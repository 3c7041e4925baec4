from kmeans_study.steps import examples, runner

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
runner.run(
    sm.log[0], examples.quantization, dataset=sm.wildcards.dataset, backend=sm.wildcards.backend, X=sm.input.X,
    meta=sm.input.meta, best=sm.input.best, records=sm.input.records, fit_labels=sm.input.fit_labels,
    table=sm.output.table, plot=sm.output.plot, dpi=sm.params.dpi,
)
