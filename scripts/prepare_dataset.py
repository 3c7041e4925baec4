from _job import sm

from kmeans_study.config.study import k_values
from kmeans_study.steps import data, runner

# The largest k is read from the config, not passed as a param: it is checked against the data
# here, but widening the k range must not redo the preparation (common.smk checks prepared data).
runner.run_job(
    sm, data.prepare, dataset=sm.wildcards.dataset, spec=sm.params.spec, cache_dir=sm.params.cache_dir,
    max_k=max(k_values(sm.config, sm.wildcards.dataset)), X=sm.output.X, labels=sm.output.labels,
    meta=sm.output.meta,
)
