from _job import sm

from kmeans_study.steps import kchoice, runner

runner.run_job(
    sm, kchoice.criteria, X=sm.input.X, records=sm.input.records, fit_labels=sm.input.fit_labels,
    sample_size=sm.params.sample_size, seed=sm.params.seed, top_fraction=sm.params.top_fraction,
    table=sm.output.table,
)
