from kmeans_study import rule
from kmeans_study.kchoice import steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(
    sm.log[0], steps.subsample_stability, dataset=sm.wildcards.dataset, k=int(sm.wildcards.k),
    backend=sm.params.backend, registered=sm.params.registered, params=dict(sm.params.backend_params),
    seeds=list(sm.params.seeds), fraction=sm.params.fraction, threads=sm.threads, X=sm.input.X, meta=sm.input.meta,
    table=sm.output.table,
)
