from _job import sm

from kmeans_study.steps import report, runner

runner.run_job(sm, report.report_page, source=sm.input.source, page=sm.output.page)
