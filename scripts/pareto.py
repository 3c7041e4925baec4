from kmeans_study import rule, steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(
    sm.log[0], steps.pareto, records=sm.input.records, by_init=sm.input.by_init, reference=sm.params.reference,
    budget=sm.params.budget, table=sm.output.table,
)
