from _job import sm

from kmeans_study.steps import data, runner
from kmeans_study.steps.job import int_keys

runner.run_job(
    sm, data.init_centroids, dataset=sm.wildcards.dataset, k=int(sm.wildcards.k),
    seeds=int_keys(sm.params.seeds), X=sm.input.X, meta=sm.input.meta, starts=sm.output.starts,
)
