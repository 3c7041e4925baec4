"""The ``embeddings`` source (data/embeddings.py): embeddings-like unit vectors generated a block at
a time, the same whatever the block size, and written to a .npy or .parquet file that the ``file``
source reads back as the same data."""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_study import io
from kmeans_study.config.study import source_of
from kmeans_study.config.validate import validate_config
from kmeans_study.data import embeddings
from kmeans_study.data.prepare import prepare_dataset
from kmeans_study.data.sources import DataError, load_source

SPEC = {"source": "embeddings", "n_samples": 3000, "n_features": 16, "n_clusters": 6, "size_exponent": 1.0,
        "spread_min": 0.3, "spread_max": 1.5, "seed": 11}


def generated(spec=SPEC, rows=None, monkeypatch=None):
    if rows is not None:
        monkeypatch.setattr(io, "CHUNK_ROWS", rows)
    loaded = load_source("emb", spec, "unused")
    return loaded.X, loaded.labels


@pytest.mark.parametrize("rows", [1, 7, 500])
def test_the_data_is_the_same_whatever_the_block_size(monkeypatch, rows):
    X, labels = generated()
    X_small, labels_small = generated(rows=rows, monkeypatch=monkeypatch)
    np.testing.assert_array_equal(X_small, X)
    np.testing.assert_array_equal(labels_small, labels)
    stream = embeddings.load("emb", SPEC)
    np.testing.assert_array_equal(np.concatenate([b.labels for b in stream.label_blocks()]), labels)


def test_unit_vectors_in_clusters_of_unequal_sizes_and_spreads():
    X, labels = generated()
    assert X.dtype == np.float32 and X.shape == (3000, 16) and labels.dtype == np.int64
    np.testing.assert_allclose(np.linalg.norm(X.astype(np.float64), axis=1), 1.0, atol=1e-6)
    sizes = np.bincount(labels, minlength=6)
    assert sizes.min() > 0 and sizes.max() > 3 * sizes.min()  # Zipf shares 1, 1/2, ... 1/6 in some order
    centres = np.array([X[labels == c].mean(axis=0) for c in range(6)])
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    cosines = [float(np.mean(X[labels == c] @ centres[c])) for c in range(6)]
    assert max(cosines) - min(cosines) > 0.1  # spreads differ
    assert min(cosines) > 0.4  # each cluster is a cluster
    assert not np.array_equal(generated({**SPEC, "seed": 12})[0], X)


@pytest.mark.parametrize("suffix, label_column", [(".npy", -1), (".parquet", "label")])
def test_a_written_file_reads_back_through_the_file_source_as_the_same_data(tmp_path, monkeypatch, suffix,
                                                                           label_column):
    monkeypatch.setattr(io, "CHUNK_ROWS", 128)  # several blocks and parquet row groups
    monkeypatch.setattr(embeddings, "ROW_GROUP_BLOCKS", 4)
    path = tmp_path / f"emb{suffix}"
    options = ["--n-samples", "3000", "--n-features", "16", "--n-clusters", "6", "--spread-min", "0.3",
               "--spread-max", "1.5", "--seed", "11"]
    embeddings.main([str(path), *options])
    from_file = {"source": "file", "path": str(path), "label_column": label_column, "zscore": False}
    out, direct = tmp_path / "file", tmp_path / "generated"
    meta = prepare_dataset("f", from_file, tmp_path, out / "X.npy", out / "labels.npy", out / "meta.json")
    prepare_dataset("g", {**SPEC, "zscore": False}, tmp_path, direct / "X.npy", direct / "labels.npy",
                    direct / "meta.json")
    assert (out / "X.npy").read_bytes() == (direct / "X.npy").read_bytes()
    assert (out / "labels.npy").read_bytes() == (direct / "labels.npy").read_bytes()
    assert meta["label_names"] == ([f"{c}.0" for c in range(6)] if suffix == ".npy" else [str(c) for c in range(6)])
    assert not list(tmp_path.glob("*.part"))


def test_a_spread_range_upside_down_is_refused_by_key():
    with pytest.raises(DataError, match=r"config key 'datasets.emb.spread_max': 0.2 is below spread_min \(0.5\)"):
        load_source("emb", {**SPEC, "spread_min": 0.5, "spread_max": 0.2}, "unused")


def test_the_config_knows_the_shape_and_the_defaults():
    config = validate_config({"datasets": {"emb": {"source": "embeddings", "n_samples": 2_000_000}},
                              "backends": {"fused": {}}})
    spec = config["datasets"]["emb"]
    assert spec["n_features"] == 128 and spec["n_clusters"] == 64 and spec["seed"] == 0
    source = source_of(config, "emb")
    assert (source.n_samples(spec), source.n_features(spec)) == (2_000_000, 128) and source.has_labels(spec)


def test_the_command_refuses_another_file_type(tmp_path, capsys):
    with pytest.raises(SystemExit):
        embeddings.main([str(tmp_path / "emb.csv")])
    assert "write a .npy or a .parquet file" in capsys.readouterr().err
