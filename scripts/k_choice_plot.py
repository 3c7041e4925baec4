from _job import sm

from kmeans_study.steps import plots, runner

runner.run_job(
    sm, plots.k_choice_plot, choice=sm.input.choice, criteria=sm.input.criteria, plot=sm.output.plot,
    dpi=sm.params.dpi,
)
