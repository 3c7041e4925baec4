from kmeans_study import rule, steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(
    sm.log[0], steps.timing, records=sm.input.records, benchmarks=sm.input.benchmarks, reference=sm.params.reference,
    table=sm.output.table,
)
