from kmeans_study.steps import plots, runner

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
runner.run(
    sm.log[0], plots.elbow_plot, dataset=sm.wildcards.dataset, backend=sm.wildcards.backend, best=sm.input.best,
    elbow=sm.input.elbow, scores=sm.input.scores, plot=sm.output.plot, dpi=sm.params.dpi,
)
