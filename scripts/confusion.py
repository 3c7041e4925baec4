from kmeans_study.steps import runner, tables

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
runner.run(
    sm.log[0], tables.confusion, data_labels=sm.input.data_labels, meta=sm.input.meta, best=sm.input.best,
    records=sm.input.records, fit_labels=sm.input.fit_labels, confusion=sm.output.confusion,
    quality=sm.output.quality,
)
