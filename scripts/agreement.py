from _job import sm

from kmeans_study.steps import runner, tables

runner.run_job(
    sm, tables.agreement, records=sm.input.records, fit_labels=sm.input.fit_labels, elbows=sm.input.elbows,
    pairs=sm.params.pairs, by_init=sm.output.by_init, by_k=sm.output.by_k, elbow_agreement=sm.output.elbow_agreement,
)
