from kmeans_study import rule, steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(
    sm.log[0], steps.fit, sm.wildcards.dataset, sm.wildcards.backend, int(sm.wildcards.k),
    int(sm.wildcards.init_id), dict(sm.params.backend), sm.params.seed, sm.threads,
    sm.input.X, sm.input.meta, sm.input.get("init"),
    sm.output.centroids, sm.output.labels, sm.output.record, registered=sm.params.registered,
)
