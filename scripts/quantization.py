from _job import sm

from kmeans_study.steps import examples, runner

runner.run_job(
    sm, examples.quantization, dataset=sm.wildcards.dataset, backend=sm.wildcards.backend, X=sm.input.X,
    meta=sm.input.meta, best=sm.input.best, records=sm.input.records, fit_labels=sm.input.fit_labels,
    table=sm.output.table, plot=sm.output.plot, dpi=sm.params.dpi,
)
