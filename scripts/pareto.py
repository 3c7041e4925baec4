from kmeans_study.steps import runner, tables

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
runner.run(
    sm.log[0], tables.pareto, records=sm.input.records, by_init=sm.input.by_init, reference=sm.params.reference,
    budget=sm.params.budget, table=sm.output.table,
)
