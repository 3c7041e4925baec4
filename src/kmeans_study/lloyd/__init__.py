"""One Lloyd core for every engine of the study: the rules, the exact nearest centroid, every
assignment strategy, the shared starts.

The rules (numpy only: importing them is cheap):

- ``core``: the stopping rule and its iteration count, scikit-learn's absolute tolerance that
  feeds it, and new centres with scikit-learn's empty-cluster relocation.
- ``starts``: the shared k-means++ starts of every backend (``INIT_VERSION``).

The compiled kernels (Numba), split by algorithm as scikit-learn splits its k-means kernels:

- ``common``: what every kernel shares: the centroid sets as the kernels take them
  (``Centroids``) with their rounding constants, the bound and tally arrays of a pass, row norms,
  the cluster-sum moves, the threads that split a pass's chunks.
- ``exact``: THE exact nearest centroid and its float32 error bound, and the multi-init exact
  pass by one matrix product, which also sets the distance bounds.
- ``hamerly``, ``elkan``: the exact pass pruned by Hamerly's or by Elkan's bounds.
- ``evaluate``: the evaluation every fit record uses (labels, inertia, means on ALL points).

The loop and its assignment strategies:

- ``engine``: the one Lloyd loop, for several inits at once, with pluggable strategies.
- ``exact_strategy``: exact Lloyd for all inits of one k in one pass per iteration, pruned by
  Elkan's or Hamerly's bounds (the ``fused`` backend).
- ``bounded``: exact, scoring only the points its bounds cannot settle.
- ``restricted``: approximate, each point against the centroids nearest its own (lists from
  ``candidates``), with full exact passes before stopping.
- ``faiss_index``: approximate, a faiss IVF or HNSW index over the centroids.

The exact nearest centroid is defined once (``exact``): the smallest squared distance, ties to
the lowest centroid index. The fast path scores with float32 matrix products and settles every
point whose best and second-best scores are further apart than a rigorous bound on the float32
error; the others are decided by an exact float64 recomputation. Every path (unpruned, pruned,
restricted to candidates, evaluation) goes through it, so they give identical labels.
"""
