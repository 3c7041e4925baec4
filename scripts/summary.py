from kmeans_study import rule, steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(
    sm.log[0], steps.summary, config=dict(sm.config), per_dataset=dict(sm.params.per_dataset), md=sm.output.md,
    provenance=sm.output.provenance,
)
