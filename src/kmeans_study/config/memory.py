"""Whether the study's backends that need the data in memory can hold it (backends.memory), asked
before any job runs: the datasets' shapes as far as they are known then (prepared data's meta.json,
the config of a generated dataset, the header of a .npy or .parquet file), and the memory a fit job
is given."""

from __future__ import annotations

from pathlib import Path

from kmeans_study import paths
from kmeans_study.backends.memory import refusal
from kmeans_study.config.study import backend_variants, registered, source_of
from kmeans_study.io import CorruptFile, is_file, read_json


def dataset_shape(config: dict, dataset: str) -> tuple[int, int] | None:
    """(points, features) of the prepared data, when a finished prepare job's meta.json, the
    config or a data file's header says so; None otherwise (a CSV file before it is prepared)."""
    meta = Path(paths.fmt(paths.DATA_META, dataset=dataset))
    if meta.is_file():
        try:
            return tuple(read_json(meta)["shape"])
        except (CorruptFile, KeyError, ValueError):
            return None
    spec = config["datasets"][dataset]
    n, d = source_of(config, dataset).n_samples(spec), source_of(config, dataset).n_features(spec)
    if n is None and spec["source"] == "file" and is_file(spec["path"]):
        n, d = _file_shape(spec)
    if n is None or d is None:
        return None
    if spec.get("subsample") is not None:
        n = min(n, spec["subsample"])
    return n, spec.get("pca") or d


def _file_shape(spec: dict) -> tuple[int | None, int | None]:
    """Rows and feature columns of a .npy or .parquet file from its header (no data read)."""
    path, labelled = Path(spec["path"]), spec.get("label_column") is not None
    try:
        if path.suffix == ".npy":
            import numpy as np

            shape = np.load(path, mmap_mode="r", allow_pickle=False).shape
            return (shape[0], shape[1] - labelled) if len(shape) == 2 else (None, None)
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            meta = pq.ParquetFile(path).metadata
            return meta.num_rows, meta.num_columns - labelled
    except Exception:  # noqa: BLE001 (an unreadable file is the prepare job's to report, in its words)
        return None, None
    return None, None


def memory_problems(config: dict, *, given_mb: int, given_by: str) -> list[str]:
    """One line per in-memory backend that cannot hold a dataset of known shape in ``given_mb``."""
    problems = []
    for dataset in config["datasets"]:
        shape = dataset_shape(config, dataset)
        if shape is None:
            continue
        for backend, (base, params) in backend_variants(config).items():
            problem = refusal(backend, registered(config, backend), params, dataset=dataset, n=shape[0], d=shape[1],
                              given_mb=given_mb, given_by=given_by, config_key=base)
            if problem:
                problems.append(problem)
    return problems
