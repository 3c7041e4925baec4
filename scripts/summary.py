from kmeans_study import rule, steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(sm.log[0], steps.summary, dict(sm.config), dict(sm.params.per_dataset), sm.output.md, sm.output.provenance)
