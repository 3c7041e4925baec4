from _job import sm

from kmeans_study.steps import runner, tables

runner.run_job(
    sm, tables.confusion, data_labels=sm.input.data_labels, meta=sm.input.meta, best=sm.input.best,
    records=sm.input.records, fit_labels=sm.input.fit_labels, confusion=sm.output.confusion,
    quality=sm.output.quality,
)
