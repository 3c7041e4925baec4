from kmeans_study import rule
from kmeans_study.kchoice import steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(
    sm.log[0], steps.criteria, X=sm.input.X, records=sm.input.records, fit_labels=sm.input.fit_labels,
    sample_size=sm.params.sample_size, seed=sm.params.seed, top_fraction=sm.params.top_fraction,
    table=sm.output.table,
)
