from kmeans_study import rule, steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(
    sm.log[0], steps.fit_fused, sm.wildcards.dataset, sm.wildcards.backend, int(sm.wildcards.k),
    list(sm.params.init_ids), dict(sm.params.backend), list(sm.params.seeds), sm.threads,
    sm.input.X, sm.input.meta, list(sm.input.inits),
    list(sm.output.centroids), list(sm.output.labels), list(sm.output.records),
)
