from _job import sm

from kmeans_study.steps import runner, tables

runner.run_job(
    sm, tables.timing, records=sm.input.records, benchmarks=sm.input.benchmarks, reference=sm.params.reference,
    table=sm.output.table,
)
