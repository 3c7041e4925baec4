from kmeans_study.steps import fit, runner

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
runner.run(
    sm.log[0], fit.fit_fused, dataset=sm.wildcards.dataset, backend=sm.wildcards.backend, k=int(sm.wildcards.k),
    seeds=dict(sm.params.seeds), params=dict(sm.params.backend), threads=sm.threads, X=sm.input.X,
    meta=sm.input.meta, starts=sm.input.starts, centroids=sm.output.centroids, labels=sm.output.labels,
    records=sm.output.records,
)
