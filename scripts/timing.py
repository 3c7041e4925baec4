from kmeans_study import rule, steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(sm.log[0], steps.timing, list(sm.input.records), list(sm.input.benchmarks), sm.output[0])
