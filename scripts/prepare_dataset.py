from kmeans_study import rule, steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(
    sm.log[0], steps.prepare, sm.wildcards.dataset, sm.params.spec, sm.params.cache_dir,
    sm.output.X, sm.output.labels, sm.output.meta,
)
