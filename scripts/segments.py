from kmeans_study import rule, steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(
    sm.log[0], steps.segments, sm.input.X, sm.input.meta, sm.input.best, list(sm.input.records),
    list(sm.input.fit_labels), sm.output[0],
)
