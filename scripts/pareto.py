from kmeans_study import rule, steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(
    sm.log[0], steps.pareto, list(sm.input.records), sm.input.by_init[0] if sm.input.by_init else None,
    sm.params.reference, sm.params.budget, sm.output[0],
)
