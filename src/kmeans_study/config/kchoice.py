"""What the k-choice report asks of the config: its seeds, the backend of its extra fits, the gap
statistic's references and inits, and the subsample-stability pairs (the computations are in
``kmeans_study.kchoice``)."""

from __future__ import annotations

from kmeans_study.config.study import backend_names, init_ids, init_seed, reference_backend, registered


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


def gap_reference_seeds(config: dict, dataset: str) -> dict[int, int]:
    """Seeds of the gap statistic's reference datasets: ref -> seed."""
    return {b: seed(config, dataset, f"gap{b}") for b in gap_refs(config)}


def gap_sample(config: dict, dataset: str) -> dict[str, int]:
    """The gap statistic's sample of a dataset larger than ``k_choice.gap.sample``: its size and
    seed."""
    return {"rows": config["k_choice"]["gap"]["sample"], "seed": seed(config, dataset, "gap_sample")}


def stability_seeds(config: dict, dataset: str, k: int) -> list[list[int]]:
    """Per subsample pair: the seed of its two subsamples and of each one's k-means++ start."""
    return [[seed(config, dataset, f"stability{p}", k, i) for i in range(3)] for p in stability_pairs(config)]
