from kmeans_study import rule
from kmeans_study.kchoice import steps

sm = snakemake  # noqa: F821 (injected by Snakemake's script directive)
rule.run(
    sm.log[0], steps.k_choice_plot, choice=sm.input.choice, criteria=sm.input.criteria, plot=sm.output.plot,
    dpi=sm.params.dpi,
)
