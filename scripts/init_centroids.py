from kmeans_study import rule, steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(
    sm.log[0], steps.init_centroids, dataset=sm.wildcards.dataset, k=int(sm.wildcards.k),
    seeds=dict(sm.params.seeds), X=sm.input.X, meta=sm.input.meta, inits=sm.output.inits,
)
