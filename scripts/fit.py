from _job import sm

from kmeans_study.steps import fit, runner

runner.run_job(
    sm, fit.fit, dataset=sm.wildcards.dataset, backend=sm.wildcards.backend,
    base_backend=sm.params.base_backend, k=int(sm.wildcards.k), init_id=int(sm.wildcards.init_id),
    params=dict(sm.params.backend), seed=sm.params.seed, threads=sm.threads, X=sm.input.X, meta=sm.input.meta,
    start=sm.input.get("start"), centroids=sm.output.centroids, labels=sm.output.labels, record=sm.output.record,
    sample_seed=sm.params.sample_seed,
)
