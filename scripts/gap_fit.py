from _job import sm

from kmeans_study.steps import kchoice, runner
from kmeans_study.steps.job import int_keys

runner.run_job(
    sm, kchoice.gap_fit, dataset=sm.wildcards.dataset, k=int(sm.wildcards.k), backend=sm.params.backend,
    base_backend=sm.params.base_backend, params=dict(sm.params.backend_params), seeds=int_keys(sm.params.seeds),
    threads=sm.threads, meta=sm.input.meta, references=sm.input.references, records=sm.output.records,
)
