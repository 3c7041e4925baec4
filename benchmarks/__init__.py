"""The performance benchmarks: scripts that print figures, not tests, run from the repository root.

    make benchmark                      # every part, both datasets (about 40 minutes on 2 cores)
    .venv/bin/python -m benchmarks --parts sweep iteration --datasets fashion_mnist
    make benchmark-large-k              # large k: .venv/bin/python -m benchmarks.large_k

``python -m benchmarks`` (``__main__``) runs the parts below on each dataset, z-scored, k = 5..15,
10 inits per k, the pipeline's seeds; one module per part:

- ``pipeline``: the study in Snakemake against the reference notebook's loop, from the same starts.
- ``sweep``: the exact engines side by side on every (k, init), one thread each.
- ``iteration``: CPU seconds per Lloyd pass at k = 10 against a floor measured in the same process.
- ``bounds``: the distances Hamerly's and Elkan's bounds leave to compute along one exact trajectory.
- ``memory``: peak memory of one fit job per exact backend.
- ``startup``: what a fit job's process pays before computing.

``common`` holds what the parts share (the study they measure, its data and shared starts, a
clock). ``large_k`` is the large-k benchmark (exact faiss against the fastest settings of a
completed large-k study); ``elbow_axis`` measures on which x the elbow methods find a known
number of clusters over geometric k ranges (docs/choosing_k.md). Everything is written under
results/benchmark/ (the working directories and benchmark.json).
"""
