from kmeans_study.steps import runner, tables

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
runner.run(
    sm.log[0], tables.elbow, dataset=sm.wildcards.dataset, backend=sm.wildcards.backend, best=sm.input.best,
    elbow=sm.output.elbow, scores=sm.output.scores,
)
