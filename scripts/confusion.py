from kmeans_study import rule, steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(
    sm.log[0], steps.confusion, data_labels=sm.input.data_labels, meta=sm.input.meta, best=sm.input.best,
    records=sm.input.records, fit_labels=sm.input.fit_labels, confusion=sm.output.confusion,
    quality=sm.output.quality,
)
