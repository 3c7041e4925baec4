from _job import sm

from kmeans_study.steps import plots, runner

runner.run_job(
    sm, plots.elbow_plot, dataset=sm.wildcards.dataset, backend=sm.wildcards.backend, best=sm.input.best,
    elbow=sm.input.elbow, scores=sm.input.scores, plot=sm.output.plot, dpi=sm.params.dpi,
)
