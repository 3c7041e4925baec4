from _job import sm

from kmeans_study.steps import plots, runner

runner.run_job(
    sm, plots.pareto_plot, dataset=sm.wildcards.dataset, pareto=sm.input.pareto, plot=sm.output.plot,
    dpi=sm.params.dpi,
)
