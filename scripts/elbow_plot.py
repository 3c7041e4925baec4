from kmeans_study import rule, steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(
    sm.log[0], steps.elbow_plot, dataset=sm.wildcards.dataset, backend=sm.wildcards.backend, best=sm.input.best,
    elbow=sm.input.elbow, scores=sm.input.scores, plot=sm.output.plot, dpi=sm.params.dpi,
)
