from kmeans_study import rule
from kmeans_study.kchoice import steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(
    sm.log[0], steps.gap_fit, dataset=sm.wildcards.dataset, k=int(sm.wildcards.k), backend=sm.params.backend,
    registered=sm.params.registered, params=dict(sm.params.backend_params), seeds=dict(sm.params.seeds),
    threads=sm.threads, meta=sm.input.meta, references=sm.input.references, records=sm.output.records,
)
