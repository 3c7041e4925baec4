from kmeans_study.steps import runner, tables

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
runner.run(sm.log[0], tables.best_init, records=sm.input.records, table=sm.output.table)
