from kmeans_study import rule, steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(
    sm.log[0], steps.fit_fused, dataset=sm.wildcards.dataset, backend=sm.wildcards.backend, k=int(sm.wildcards.k),
    seeds=dict(sm.params.seeds), params=dict(sm.params.backend), threads=sm.threads, X=sm.input.X,
    meta=sm.input.meta, inits=sm.input.inits, centroids=sm.output.centroids, labels=sm.output.labels,
    records=sm.output.records,
)
