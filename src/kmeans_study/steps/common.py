"""What the stages share: k checked against the prepared data, fit records checked against
their paths, and fit labels keyed by what their paths say."""

from __future__ import annotations

from collections.abc import Mapping

from kmeans_study import io, paths
from kmeans_study.data.sources import DataError

FIT_KEY = ("backend", "k", "init_id")


def check_k(dataset: str, k: int, meta: dict) -> None:
    """k must leave every cluster a distinct point to start from."""
    from kmeans_study.data.prepare import k_problem

    problem = k_problem(dataset, k, meta["n_distinct_points"], meta["shape"][0])
    if problem:
        raise DataError(problem)


def check_memory(backend: str, base_backend: str, params: dict, *, dataset: str, shape: tuple[int, int]) -> None:
    """A backend that needs the data in memory must have room for it here (the memory cgroup's
    limit or the machine's), else DataError before it starts (rather than the kernel killing it)."""
    from kmeans_study.backends import REGISTRY
    from kmeans_study.backends.memory import refusal
    from kmeans_study.runtime import LIMIT_WORDS, memory_limit_mb

    limit = memory_limit_mb()
    if limit is None:
        return
    given, given_by = limit[0], LIMIT_WORDS[limit[1]]
    problem = refusal(backend, REGISTRY[base_backend], params, dataset=dataset, n=shape[0], d=shape[1],
                      given_mb=given, given_by=given_by, config_key=base_backend)
    if problem:
        raise DataError(problem)


def checked_records(record_paths: list[str]):
    """The fit records (load_records rows), each checked against the wildcards of its path."""
    from kmeans_study.aggregate.best_init import load_records

    records = load_records(record_paths)
    for row in records.itertuples(index=False):
        where = paths.parse(paths.FIT_RECORD, row.record_path)
        if (where["dataset"], where["backend"], where["k"], where["init_id"]) != (
            row.dataset, row.backend, row.k, row.init_id
        ):
            raise DataError(f"{row.record_path}: the record is of another fit ({row.dataset}, {row.backend}, "
                            f"k={row.k}, init {row.init_id}); delete it and rerun")
    return records


class FitLabels(Mapping):
    """Fit key -> that fit's labels (n,) int32, memory-mapped when asked for: the aggregates read
    them in chunks, and a study's hundreds of labels files are never all open at once."""

    def __init__(self, files: dict[tuple, str]):
        self.files = files

    def __getitem__(self, key: tuple):
        return io.load_npy(self.files[key], mmap=True)

    def __iter__(self):
        return iter(self.files)

    def __len__(self) -> int:
        return len(self.files)


def labels_of_fits(records, label_paths: list[str], keys: tuple[str, ...] = FIT_KEY) -> FitLabels:
    """Labels of every fit of ``records``, keyed by ``keys`` (columns of the records)."""
    by_key = paths.index(paths.FIT_LABELS, label_paths, keys)
    files = {}
    for key in records[list(keys)].itertuples(index=False, name=None):
        if key not in by_key:
            raise DataError(f"no labels file among the inputs for the fit {dict(zip(keys, key))}")
        files[key] = by_key[key]
    return FitLabels(files)
