"""One Lloyd core for every engine of the study.

- ``core``: row chunking (one chunk size), the stopping rule and its iteration count, and new
  centres with scikit-learn's empty-cluster relocation (numpy only: importing it is cheap).
- ``kernel``: the one exact assignment kernel (compiled with Numba), the incremental cluster
  sums, and the evaluation every fit record uses.
- ``engine``: the one Lloyd loop, for several inits at once, with pluggable assignment
  strategies; ``ExactStrategy`` is exact Lloyd with optional distance-bound pruning, and the
  approximate strategies of ``kmeans_study.approx`` plug into the same loop.

The exact nearest centroid is defined once (``kernel``): the smallest squared distance, ties to
the lowest centroid index. The fast path scores with float32 matrix products and settles every
point whose best and second-best scores are further apart than a rigorous bound on the float32
error; the others are decided by an exact float64 recomputation. Every path (unpruned, pruned,
restricted to candidates, evaluation) goes through it, so they give identical labels.
"""
