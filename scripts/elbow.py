from _job import sm

from kmeans_study.steps import runner, tables

runner.run_job(
    sm, tables.elbow, dataset=sm.wildcards.dataset, backend=sm.wildcards.backend, best=sm.input.best,
    elbow=sm.output.elbow, scores=sm.output.scores,
)
