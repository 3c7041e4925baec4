"""How many clusters: every criterion, its uncertainty and one verdict per dataset.

What the workflow asks of the ``k_choice`` config (seeds, the gap statistic's reference ids, the
backend of the extra fits) lives here, importing nothing heavy; the computations are in the
submodules: ``criteria`` (silhouette, Calinski-Harabasz, Davies-Bouldin and the agreement of the
best inits, per backend and k), ``gap`` (the gap statistic's reference data and fits),
``stability`` (subsample stability), ``resample`` (the elbow's uncertainty over the inits),
``verdict`` (the rule, the sentence and the tables) and ``figure``.
"""

from __future__ import annotations

from collections.abc import Iterator

from kmeans_study.config import backend_names, init_ids, init_seed, reference_backend, registered


def seed(config: dict, dataset: str, purpose: str, k: int = 0, index: int = 0) -> int:
    """The seed of one random draw of the k-choice report, from the study's seed function with
    ``"<dataset>/<purpose>"`` as the dataset name (k = 0, never a fitted k, for draws that do not
    depend on k): e.g. purpose ``gap3`` for the gap statistic's reference dataset 3 (whose
    k-means++ starts use that name with the real k and init id), ``silhouette``, ``resample``."""
    return init_seed(config, f"{dataset}/{purpose}", k, index)


def fit_backend(config: dict) -> str | None:
    """The exact backend that fits the gap statistic's references and the stability subsamples:
    ``k_choice.backend``, else the reference backend if it is exact, else the study's first exact
    backend; None when the study has no exact backend (then there is no gap statistic)."""
    chosen = config["k_choice"]["backend"]
    if chosen:
        return chosen
    names = [reference_backend(config)] + backend_names(config)
    return next((b for b in names if registered(config, b).exact), None)


def gap_refs(config: dict) -> list[int]:
    """Ids of the gap statistic's reference datasets (none when the gap statistic is off)."""
    return list(range(config["k_choice"]["gap"]["references"] if fit_backend(config) else 0))


def gap_init_ids(config: dict) -> list[int]:
    """The inits fitted on each reference dataset, and on the data side the init ids whose best
    fit gives W_k: the first ``k_choice.gap.inits`` of the study's, so both sides take the best of
    as many k-means++ starts."""
    return init_ids(config)[: config["k_choice"]["gap"]["inits"]]


def gap_seeds(config: dict, dataset: str, k: int) -> dict[int, dict[int, int]]:
    """Seeds of the k-means++ starts on every reference dataset: ref -> {init id -> seed}."""
    return {b: {i: seed(config, dataset, f"gap{b}", k, i) for i in gap_init_ids(config)} for b in gap_refs(config)}


def stability_pairs(config: dict) -> list[int]:
    """Ids of the subsample pairs of the stability option (none when it is off)."""
    return list(range(config["k_choice"]["subsample_stability"]["pairs"] if fit_backend(config) else 0))


def config_problems(config: dict) -> Iterator[str]:
    """What the schema cannot say about ``k_choice``."""
    settings = config["k_choice"]
    chosen = settings["backend"]
    if chosen and chosen not in backend_names(config):
        yield (
            f"config key 'k_choice.backend': {chosen!r} is not a backend of this study (the gap statistic's data "
            f"side is its fits; the study's backends: {', '.join(backend_names(config))})"
        )
    elif chosen and not registered(config, chosen).exact:
        yield f"config key 'k_choice.backend': {chosen!r} is not an exact backend (the references need exact Lloyd)"
    if settings["gap"]["inits"] > len(init_ids(config)):
        yield (
            f"config key 'k_choice.gap.inits': {settings['gap']['inits']} exceeds the study's {len(init_ids(config))} "
            "inits (the data side takes the best of the first k_choice.gap.inits of them)"
        )
