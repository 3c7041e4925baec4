"""The prepare step: source -> preprocessing -> float32 array + labels + metadata on disk."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from kmeans_study import io
from kmeans_study.data.finite import check_prepared, check_source
from kmeans_study.data.preprocess import preprocess
from kmeans_study.data.sources import DataError, load_source
from kmeans_study.runtime import library_versions


def sha256(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def count_distinct_rows(X: np.ndarray) -> int:
    rows = np.ascontiguousarray(X).view(np.dtype((np.void, X.dtype.itemsize * X.shape[1])))
    return int(np.unique(rows).size)


def k_problem(dataset: str, k: int, n_distinct: int, n_rows: int) -> str | None:
    """Why ``k`` clusters cannot be fitted to the data, or None."""
    if k <= n_distinct:
        return None
    return (
        f"dataset {dataset}: k={k} exceeds its {n_distinct} distinct points ({n_rows} rows); "
        "lower the k range for this dataset"
    )


def prepare_dataset(
    name: str, spec: dict, cache_dir: str | Path, out_X, out_labels, out_meta, max_k: int | None = None
) -> dict:
    """Load dataset ``name`` as its config entry ``spec`` says, preprocess, and write
    ``out_X`` (float32, n x d), ``out_labels`` (int64, n; -1 everywhere when unlabelled) and
    ``out_meta`` (JSON). With ``max_k``, refuse (writing nothing) data with fewer distinct points.
    Returns the metadata."""
    loaded = load_source(name, spec, cache_dir)
    check_source(name, loaded)
    raw_shape = list(loaded.X.shape)
    X, labels, steps = preprocess(loaded.X, loaded.labels, spec, name)
    check_prepared(name, X, steps, loaded)
    n_distinct = count_distinct_rows(X)
    if n_distinct == 1:
        raise DataError(f"dataset {name}: every point is identical after preprocessing (all-constant data)")
    if max_k is not None and (problem := k_problem(name, max_k, n_distinct, X.shape[0])):
        raise DataError(problem)
    has_labels = labels is not None
    labels = np.asarray(labels, dtype=np.int64) if has_labels else np.full(X.shape[0], -1, dtype=np.int64)
    meta = {
        "dataset": name,
        "source": spec["source"],
        "config": spec,
        "raw_shape": raw_shape,
        "shape": list(X.shape),
        "dtype": str(X.dtype),
        "preprocessing": steps,
        "n_distinct_points": n_distinct,
        "has_labels": has_labels,
        "n_label_classes": int(np.unique(labels).size) if has_labels else 0,
        "sha256": {"X": sha256(X), "labels": sha256(labels)},
        "versions": library_versions(["numpy"]),
        **loaded.info,
    }
    io.save_npy(out_X, X)
    io.save_npy(out_labels, labels)
    io.write_json(out_meta, meta)
    return meta
