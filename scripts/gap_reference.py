from kmeans_study import rule
from kmeans_study.kchoice import steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(sm.log[0], steps.gap_reference, X=sm.input.X, seeds=dict(sm.params.seeds), references=sm.output.references)
