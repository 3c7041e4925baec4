from kmeans_study import rule, steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(sm.log[0], steps.report_page, source=sm.input.source, page=sm.output.page)
