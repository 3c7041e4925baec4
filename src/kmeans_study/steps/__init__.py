"""One function per rule, by stage: read the inputs, call the library, write the outputs.

Every function takes keyword arguments named like its rule's named inputs, outputs and params, so
a rule script reads ``tables.timing(records=sm.input.records, ..., table=sm.output.table)``. Tests
call them directly, without Snakemake. Lists of result files are matched to each other by the
wildcards in their paths (``paths.index``), never by their positions in the list.

- ``runner``: what every rule script shares (logging to the rule's log, one-line failures);
  ``joblog``: the format of those logs, which the terminal view reads back.
- ``common``: checks and readers the stages share (k against the data, fit records, fit labels).
- ``data`` (prepare, shared starts), ``fit``, ``tables`` (best init, elbow, confusion, timing,
  agreement, Pareto), ``plots``, ``examples`` (quantization, segments), ``kchoice`` (criteria,
  gap statistic, stability, verdict) and ``report`` (summary, HTML report pages).
"""
