from kmeans_study.steps import kchoice, runner

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
runner.run(sm.log[0], kchoice.gap_reference, X=sm.input.X, seeds=dict(sm.params.seeds), references=sm.output.references)
