from _job import sm

from kmeans_study.steps import runner, tables

runner.run_job(sm, tables.best_init, records=sm.input.records, table=sm.output.table)
