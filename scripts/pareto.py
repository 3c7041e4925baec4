from _job import sm

from kmeans_study.steps import runner, tables

runner.run_job(
    sm, tables.pareto, records=sm.input.records, by_init=sm.input.by_init, reference=sm.params.reference,
    budget=sm.params.budget, table=sm.output.table,
)
