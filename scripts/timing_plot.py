from _job import sm

from kmeans_study.steps import plots, runner

runner.run_job(
    sm, plots.timing_plot, dataset=sm.wildcards.dataset, timing=sm.input.timing, plot=sm.output.plot,
    dpi=sm.params.dpi,
)
