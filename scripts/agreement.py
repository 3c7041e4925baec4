from kmeans_study import rule, steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(
    sm.log[0], steps.agreement, list(sm.input.records), list(sm.input.fit_labels),
    dict(zip(sm.params.backends, sm.input.elbows)), sm.output.by_init, sm.output.by_k, sm.output.elbows,
    [tuple(pair) for pair in sm.params.pairs],
)
