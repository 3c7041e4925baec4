"""How many clusters: the criteria of each backend, the gap statistic's references and fits,
subsample stability and the verdict (workflow/rules/kchoice.smk)."""

from __future__ import annotations

import logging

from kmeans_study import io, paths
from kmeans_study.data.sources import DataError
from kmeans_study.steps.common import check_k, checked_records, labels_of_fits

log = logging.getLogger(__name__)


def criteria(*, X: str, records: list[str], fit_labels: list[str], sample_size: int, seed: int,
             top_fraction: float, table: str) -> None:
    """criteria.csv of one backend: the internal criteria of every k's best init."""
    from kmeans_study.kchoice.criteria import criteria_table, silhouette_sample

    data = io.load_npy(X, mmap=True)
    fits = checked_records(records)
    labels = labels_of_fits(fits, fit_labels, ("k", "init_id"))
    sample = silhouette_sample(data.shape[0], sample_size, seed)
    io.write_csv(table, criteria_table(data, fits, labels, sample, top_fraction))
    log.info("silhouette on %d of %d points", len(sample), data.shape[0])


def gap_reference(*, X: str, seeds: dict[int, int], sample: dict[str, int], references: list[str]) -> None:
    """The gap statistic's reference datasets of one dataset (references : output paths, matched
    to the seeds by the reference id in their paths), drawn in the principal box of the data or,
    for data of more than sample["rows"] points, of a seeded sample of that many, with as many
    points as the data or its sample."""
    from kmeans_study.kchoice.gap import gap_rows, principal_box, reference_data

    data = io.load_npy(X, mmap=True)
    rows = gap_rows(data.shape[0], sample["rows"], sample["seed"])
    if rows is not None:
        log.info("the gap statistic's sample: %d of %d points (seed %d)", len(rows), data.shape[0], sample["seed"])
        data = data[rows]
    box = principal_box(data)
    for (ref,), path in paths.index(paths.GAP_REFERENCE, references, ("ref",)).items():
        io.save_npy(path, reference_data(box, data.shape[0], seeds[ref]))
        log.info("reference %d (seed %d) -> %s", ref, seeds[ref], path)


def gap_fit(*, dataset: str, k: int, backend: str, base_backend: str, params: dict, seeds: dict[int, dict[int, int]],
            threads: int, meta: str, references: list[str], records: list[str]) -> None:
    """Every reference dataset of one dataset fitted at k; one small record per reference."""
    from kmeans_study.kchoice.gap import fit_references

    check_k(dataset, k, io.read_json(meta))
    data = {ref: io.load_npy(path, mmap=True) for (ref,), path in paths.index(paths.GAP_REFERENCE, references,
                                                                              ("ref",)).items()}
    fitted = fit_references(
        data, k=k, seeds=seeds, backend=backend, base_backend=base_backend, params=params, threads=threads,
        dataset=dataset,
    )
    for (ref,), path in paths.index(paths.GAP_FIT, records, ("ref",)).items():
        io.write_json(path, fitted[ref])
        log.info("reference %d, k=%d: inertia %.6g", ref, k, fitted[ref]["inertia"])


def subsample_stability(*, dataset: str, k: int, backend: str, base_backend: str, params: dict,
                        seeds: list[list[int]], fraction: float, threads: int, X: str, meta: str, table: str) -> None:
    """Ben-Hur's subsample pairs at k (seeds : one (subsample, start, start) triple per pair)."""
    from kmeans_study.kchoice.stability import subsample_pair

    check_k(dataset, k, io.read_json(meta))
    data = io.load_npy(X, mmap=True)
    pairs = [
        {"pair": pair, **subsample_pair(data, k=k, fraction=fraction, seeds=tuple(triple), backend=backend,
                                        base_backend=base_backend, params=params, threads=threads,
                                        dataset=f"{dataset}/stability{pair}")}
        for pair, triple in enumerate(seeds)
    ]
    io.write_json(table, {"dataset": dataset, "k": k, "backend": backend, "fraction": fraction, "pairs": pairs})


def _gap(gap_records: list[str], data_records, gap_backend: str, gap_init_ids: list[int]) -> dict | None:
    """The gap table from the reference fits' records and the data side's fits (the gap
    backend's best of ``gap_init_ids`` at every k); None without reference fits."""
    import numpy as np
    import pandas as pd

    from kmeans_study.kchoice.gap import gap_table

    if not gap_records:
        return None
    by_key = paths.index(paths.GAP_FIT, gap_records, ("k", "ref"))
    ks, refs = sorted({k for k, _ in by_key}), sorted({ref for _, ref in by_key})
    fitted = {key: io.read_json(path) for key, path in by_key.items()}
    reference = np.array([[fitted[(k, ref)]["inertia"] for ref in refs] for k in ks])
    side = data_records[(data_records["backend"] == gap_backend) & data_records["init_id"].isin(gap_init_ids)]
    data = side.groupby("k")["inertia"].min().reindex(ks)
    if data.isna().any():
        raise DataError(f"no {gap_backend} fit of init ids {gap_init_ids} at k = {list(data[data.isna()].index)}")
    n_data, n_reference = int(side["n_points"].iloc[0]), int(next(iter(fitted.values()))["n_points"])
    gap = {"backend": gap_backend, "inits": len(gap_init_ids)}
    if n_reference != n_data:  # references of a sample: W_k scaled to as many points (docs/choosing_k.md)
        data = data * (n_reference / n_data)
        gap["sample"] = {"points": n_reference, "of": n_data}
    return {**gap, "table": pd.DataFrame(gap_table(ks, data.to_numpy(), reference))}


def k_choice(*, dataset: str, reference: str, criteria: list[str], elbows: list[str], scores: list[str],
             records: list[str], gap_records: list[str], gap_backend: str | None, gap_init_ids: list[int],
             stability: list[str], resamples: int, fraction: float, seed: int, min_votes: int, min_share: float,
             choice: str, table: str) -> None:
    """k_choice.json and k_choice.csv of one dataset, from every backend's criteria, elbows and
    fit records, the gap statistic's reference fits and the subsample pairs (if any)."""
    import pandas as pd

    from kmeans_study.kchoice.resample import resampled_picks
    from kmeans_study.kchoice.verdict import k_choice_report

    def by_backend(pattern, files, read):
        return {backend: read(path) for (backend,), path in paths.index(pattern, files, ("backend",)).items()}

    fits = checked_records(records)
    resampled = {
        backend: resampled_picks(rows, resamples, fraction, seed) for backend, rows in fits.groupby("backend")
    }
    subsample = None
    if stability:
        subsample = pd.DataFrame(
            [{"k": facts["k"], **pair} for facts in map(io.read_json, stability) for pair in facts["pairs"]]
        )
    report, rows = k_choice_report(
        dataset, reference, criteria=by_backend(paths.CRITERIA, criteria, pd.read_csv),
        elbows=by_backend(paths.ELBOW_JSON, elbows, io.read_json),
        scores=by_backend(paths.ELBOW_SCORES, scores, pd.read_csv), resampled=resampled,
        gap=_gap(gap_records, fits, gap_backend, gap_init_ids), subsample=subsample, min_votes=min_votes,
        min_share=min_share,
    )
    io.write_json(choice, report)
    io.write_csv(table, rows)
    log.info("%s", report["sentence"])

