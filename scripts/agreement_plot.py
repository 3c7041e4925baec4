from _job import sm

from kmeans_study.steps import plots, runner

runner.run_job(
    sm, plots.agreement_plot, dataset=sm.wildcards.dataset, agreement=sm.input.agreement, plot=sm.output.plot,
    dpi=sm.params.dpi,
)
