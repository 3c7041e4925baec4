from kmeans_study.steps import report, runner

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
runner.run(sm.log[0], report.report_page, source=sm.input.source, page=sm.output.page)
