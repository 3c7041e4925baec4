from _job import sm

from kmeans_study.steps import fit, runner
from kmeans_study.steps.job import int_keys

runner.run_job(
    sm, fit.fit_fused, dataset=sm.wildcards.dataset, backend=sm.wildcards.backend, k=int(sm.wildcards.k),
    seeds=int_keys(sm.params.seeds), params=dict(sm.params.backend), threads=sm.threads, X=sm.input.X,
    meta=sm.input.meta, starts=sm.input.starts, centroids=sm.output.centroids, labels=sm.output.labels,
    records=sm.output.records,
)
