from kmeans_study import rule, steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(
    sm.log[0], steps.fit, dataset=sm.wildcards.dataset, backend=sm.wildcards.backend,
    registered=sm.params.registered, k=int(sm.wildcards.k), init_id=int(sm.wildcards.init_id),
    params=dict(sm.params.backend), seed=sm.params.seed, threads=sm.threads, X=sm.input.X, meta=sm.input.meta,
    init=sm.input.get("init"), centroids=sm.output.centroids, labels=sm.output.labels, record=sm.output.record,
)
