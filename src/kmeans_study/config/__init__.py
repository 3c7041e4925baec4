"""What a study config means: read, checked, and what the workflow derives from it.

The modules, low to high (each imports only those above it):

- ``errors``: ``ConfigError``, the one exception of a config that cannot be run.
- ``schema``: the schema file, completed from the backend ``REGISTRY`` and the data ``SOURCES``,
  and the strict validator that fills in its defaults.
- ``wording``: how a schema error, or a list of problems, is said in one line.
- ``study``: everything derived from a validated config (k values, init ids and seeds, backend
  names and parameters, the reference backend, dataset facts, the config hash).
- ``kchoice``: the k-choice report's settings (its seeds, the backend of its fits, the gap
  statistic's references, the stability pairs).
- ``checks``: what the schema cannot say (k ranges, backends named, files present, sizes).
- ``validate``: the shape limits, strings read as typed values, and ``validate_config``.
- ``file``: config files read as data only, merged, overridden (``--set``), and ``load_config``.
- ``outputs``: the study's files: which outputs each dataset has, the fits' files, what the
  summary reads and links.

Nothing is imported here: a caller imports the submodule that defines a name, and importing one
submodule loads only what it needs.
"""
