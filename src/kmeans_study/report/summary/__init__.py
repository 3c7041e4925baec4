"""The study's summary page (results/summary.md): ``formats`` (numbers, tables, the thresholds the
prose reads them by), one module per question (``clusters``: how many clusters and the k the
tables are shown at; ``quality``: how good; ``speed``: fastest, and fastest within the inertia
budget; ``agreement``: do the backends agree) and ``assembly`` (a dataset's section, its files,
the page)."""
