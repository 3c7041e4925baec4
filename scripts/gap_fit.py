from kmeans_study.steps import kchoice, runner

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
runner.run(
    sm.log[0], kchoice.gap_fit, dataset=sm.wildcards.dataset, k=int(sm.wildcards.k), backend=sm.params.backend,
    base_backend=sm.params.base_backend, params=dict(sm.params.backend_params), seeds=dict(sm.params.seeds),
    threads=sm.threads, meta=sm.input.meta, references=sm.input.references, records=sm.output.records,
)
