from _job import sm

from kmeans_study.steps import kchoice, runner

runner.run_job(
    sm, kchoice.subsample_stability, dataset=sm.wildcards.dataset, k=int(sm.wildcards.k),
    backend=sm.params.backend, base_backend=sm.params.base_backend, params=dict(sm.params.backend_params),
    seeds=list(sm.params.seeds), fraction=sm.params.fraction, threads=sm.threads, X=sm.input.X, meta=sm.input.meta,
    table=sm.output.table,
)
