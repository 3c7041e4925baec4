from kmeans_study.steps import runner, tables

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
runner.run(
    sm.log[0], tables.timing, records=sm.input.records, benchmarks=sm.input.benchmarks, reference=sm.params.reference,
    table=sm.output.table,
)
