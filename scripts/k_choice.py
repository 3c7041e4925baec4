from _job import sm

from kmeans_study.steps import kchoice, runner

runner.run_job(
    sm, kchoice.k_choice, dataset=sm.wildcards.dataset, reference=sm.params.reference,
    criteria=sm.input.criteria, elbows=sm.input.elbows, scores=sm.input.scores, records=sm.input.records,
    gap_records=sm.input.gap_records, gap_backend=sm.params.gap_backend, gap_init_ids=list(sm.params.gap_init_ids),
    stability=sm.input.stability, resamples=sm.params.resamples, fraction=sm.params.fraction, seed=sm.params.seed,
    min_votes=sm.params.min_votes, min_share=sm.params.min_share, choice=sm.output.choice, table=sm.output.table,
)
