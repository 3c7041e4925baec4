from kmeans_study import rule, steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(
    sm.log[0], steps.init_centroids, sm.wildcards.dataset, int(sm.wildcards.k), list(sm.params.seeds),
    sm.input.X, sm.input.meta, list(sm.output),
)
