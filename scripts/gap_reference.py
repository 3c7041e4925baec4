from _job import sm

from kmeans_study.steps import kchoice, runner
from kmeans_study.steps.job import int_keys

runner.run_job(
    sm, kchoice.gap_reference, X=sm.input.X, seeds=int_keys(sm.params.seeds), sample=dict(sm.params.sample),
    references=sm.output.references,
)
