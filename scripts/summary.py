from kmeans_study.steps import report, runner

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
runner.run(
    sm.log[0], report.summary, config=dict(sm.config), per_dataset=dict(sm.params.per_dataset), md=sm.output.md,
    provenance=sm.output.provenance,
)
