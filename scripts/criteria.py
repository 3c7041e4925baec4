from kmeans_study.steps import kchoice, runner

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
runner.run(
    sm.log[0], kchoice.criteria, X=sm.input.X, records=sm.input.records, fit_labels=sm.input.fit_labels,
    sample_size=sm.params.sample_size, seed=sm.params.seed, top_fraction=sm.params.top_fraction,
    table=sm.output.table,
)
