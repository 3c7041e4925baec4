from kmeans_study.steps import data, runner

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
runner.run(
    sm.log[0], data.init_centroids, dataset=sm.wildcards.dataset, k=int(sm.wildcards.k),
    seeds=dict(sm.params.seeds), X=sm.input.X, meta=sm.input.meta, starts=sm.output.starts,
)
