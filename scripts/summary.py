from _job import sm

from kmeans_study.steps import report, runner

runner.run_job(
    sm, report.summary, config=dict(sm.config), per_dataset=dict(sm.params.per_dataset), md=sm.output.md,
    provenance=sm.output.provenance,
)
