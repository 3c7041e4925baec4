from _job import sm

from kmeans_study.steps import plots, runner

runner.run_job(
    sm, plots.confusion_plot, dataset=sm.wildcards.dataset, backend=sm.wildcards.backend,
    which=sm.wildcards.which, confusion=sm.input.confusion, elbow=sm.input.elbow, plot=sm.output.plot,
    dpi=sm.params.dpi,
)
