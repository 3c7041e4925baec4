"""How many clusters: every criterion, its uncertainty and one verdict per dataset.

What the workflow asks of the ``k_choice`` config (seeds, the gap statistic's reference ids, the
backend of the extra fits) is derived in ``kmeans_study.config.kchoice``; the computations are in
the submodules: ``criteria`` (silhouette, Calinski-Harabasz, Davies-Bouldin and the agreement of
the best inits, per backend and k), ``gap`` (the gap statistic's reference data and fits),
``stability`` (subsample stability), ``resample`` (the elbow's uncertainty over the inits),
``verdict`` (the rule, the sentence and the tables) and ``figure``.
"""
