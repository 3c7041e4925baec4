"""The streaming prepare step (data/stream.py, stats.py, distinct.py, labels.py, output.py,
prepare.py): what it computes a block at a time equals the whole-array computation, with a tiny
forced chunk size (io.CHUNK_ROWS) so that every rule crosses block boundaries.

The whole-array reference is numpy's own (np.mean, np.std, np.unique, np.save, hashlib on the
whole array) or, for the PCA, scikit-learn's. Memory independent of the rows is a benchmark figure
(benchmarks/prepare_scale.py), not a test.
"""

from __future__ import annotations

import hashlib
import json
import logging
from io import BytesIO

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from test_loaders import file_spec, outputs

from kmeans_study import io
from kmeans_study.data import distinct, prepare
from kmeans_study.data.labels import LabelCoder
from kmeans_study.data.prepare import prepare_dataset
from kmeans_study.data.preprocess import preprocess, subsample_rows
from kmeans_study.data.sources import DataError, load_source
from kmeans_study.data.stats import ColumnSum, Scatter
from kmeans_study.data.stream import Problems
from kmeans_study.runtime import Progress

SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]}


@pytest.fixture
def tiny_chunks(monkeypatch):
    monkeypatch.setattr(io, "CHUNK_ROWS", 3)


def layouts(draw, n, d):
    """An (n, d) float64 array in one of the layouts numpy sums differently: C order, Fortran
    order, a column of a wider array, every other row."""
    values = draw(hnp.arrays(np.float64, (2 * n, d + 1), elements=st.floats(-1e6, 1e6, width=64)))
    values *= 10.0 ** draw(hnp.arrays(np.float64, (2 * n, 1), elements=st.integers(-8, 8).map(float)))
    layout = draw(st.sampled_from(["C", "F", "columns", "rows"]))
    return {"C": np.ascontiguousarray(values[:n, :d]), "F": np.asfortranarray(values[:n, :d]),
            "columns": values[:n, :d], "rows": values[::2, :d]}[layout]


@st.composite
def arrays(draw):
    n = draw(st.integers(1, 700))
    d = draw(st.sampled_from([1, 1, 2, 3, 5]))
    return layouts(draw, n, d)


# ---------------------------------------------------------------------------------------------
# statistics


@settings(max_examples=150, **SETTINGS)
@given(X=arrays(), block=st.integers(1, 300))
def test_column_sums_in_blocks_are_numpys_sums_bit_for_bit(X, block):
    from kmeans_study.data.stream import column_major

    sums = ColumnSum(X.shape[0], X.shape[1], pairwise=column_major(X))
    for start in range(0, X.shape[0], block):
        rows = X[start:start + block]
        np.copyto(sums.space(rows.shape[0]), rows)
        sums.add(rows.shape[0])
    np.testing.assert_array_equal(sums.total(), X.sum(axis=0))


@settings(max_examples=60, **SETTINGS)
@given(X=arrays(), rows=st.integers(1, 9), subsample=st.booleans())
def test_zscore_statistics_are_np_mean_and_np_std_bit_for_bit(X, rows, subsample):
    spec = {"zscore": True}
    if subsample:
        spec.update(subsample=max(1, X.shape[0] // 2), subsample_seed=5)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(io, "CHUNK_ROWS", rows)
        Z, _, steps = preprocess(X, None, spec, "d")
    reference = X[subsample_rows(X.shape[0], spec["subsample"], 5)] if subsample else X
    zscore = steps[-1]
    np.testing.assert_array_equal(zscore["mean"], np.mean(reference, axis=0))
    std = np.std(reference, axis=0)
    std[std == 0] = 1.0
    np.testing.assert_array_equal(zscore["std"], std)
    np.testing.assert_array_equal(Z, ((reference - np.mean(reference, axis=0)) / std).astype(np.float32))


@pytest.mark.parametrize("components", [1, 3, 5])
@pytest.mark.parametrize("zscore", [True, False])
def test_pca_by_the_scatter_matrix_is_sklearns_pca(tiny_chunks, components, zscore):
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(components)
    X = rng.normal(size=(200, 5)) @ rng.normal(size=(5, 5)) * [1, 2, 3, 4, 5] + 1e3  # distinct variances, a mean
    Z, _, steps = preprocess(X, None, {"zscore": zscore, "pca": components}, "d")
    data = (X - X.mean(axis=0)) / X.std(axis=0) if zscore else X
    model = PCA(n_components=components, svd_solver="full")
    expected = model.fit_transform(data)
    np.testing.assert_allclose(Z, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())  # same signs
    assert steps[-1]["explained_variance_ratio"] == pytest.approx(model.explained_variance_ratio_.sum(), rel=1e-12)
    scatter = Scatter(5)
    for start in range(0, 200, 7):
        scatter.add(data[start:start + 7])
    mean, axes, _ = scatter.components(components)
    np.testing.assert_allclose(mean, model.mean_, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(axes, model.components_, atol=1e-9)


# ---------------------------------------------------------------------------------------------
# distinct rows


def count_reference(X: np.ndarray) -> int:
    return np.unique(np.ascontiguousarray(X).view(np.dtype((np.void, X.itemsize * X.shape[1])))).size


@st.composite
def rows_with_repeats(draw):
    """Float32 rows, many repeated near and far apart, -0.0 beside 0.0."""
    n, d = draw(st.integers(1, 300)), draw(st.integers(1, 4))
    pool = draw(hnp.arrays(np.float32, (draw(st.integers(1, 20)), d), elements=st.sampled_from([0.0, -0.0, 1.0, 2.5])))
    picks = draw(hnp.arrays(np.int64, n, elements=st.integers(0, len(pool) - 1)))
    return pool[picks]


@settings(max_examples=80, **SETTINGS)
@given(X=rows_with_repeats(), block=st.integers(1, 50), collide=st.sampled_from([None, 1, 3]), buckets=st.booleans())
def test_distinct_count_is_exact_even_when_every_hash_collides(tmp_path_factory, X, block, collide, buckets):
    """``collide``: every row's hash forced into 1 or 3 values, so rows are told apart by their
    bytes alone; ``buckets``: pairs spread over bucket files as for a large dataset."""
    work = tmp_path_factory.mktemp("distinct")
    with pytest.MonkeyPatch.context() as patch:
        if collide is not None:
            real = distinct.row_hashes
            patch.setattr(distinct, "row_hashes", lambda rows: real(rows) % np.uint64(collide) << np.uint64(62))
        if buckets:
            patch.setattr(distinct, "BUCKET_ROWS", 8)
        patch.setattr(io, "CHUNK_ROWS", 4)  # rows sharing a hash are compared a few at a time
        counter = distinct.DistinctRows(X.shape[0], work)
        assert (counter.bits > 0) == (buckets and X.shape[0] > 8)
        for start in range(0, X.shape[0], block):
            counter.add(start, np.ascontiguousarray(X[start:start + block]))
        assert counter.count(X) == count_reference(X)


def test_equal_rows_hash_equally_and_different_rows_differently():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 16)).astype(np.float32)
    X[1000:1100] = X[:100]
    hashes = distinct.row_hashes(X)
    np.testing.assert_array_equal(hashes[1000:1100], hashes[:100])
    assert np.unique(hashes).size == 3900
    np.testing.assert_array_equal(distinct.row_hashes(X[1000:1003]), hashes[1000:1003])  # wherever the row is


# ---------------------------------------------------------------------------------------------
# labels, writer


@settings(max_examples=60, **SETTINGS)
@given(labels=st.lists(st.one_of(st.integers(-3, 12), st.sampled_from(["a", "b", "10", "9", "bbbbb", "bbb"])),
                       min_size=1, max_size=60), block=st.integers(1, 20), text=st.booleans())
def test_label_codes_in_blocks_are_np_unique_of_the_whole_column(labels, block, text):
    """Numeric labels keep numeric order (10 after 9); a column with text anywhere is text, its
    numbers written as text (as pandas writes them when it joins such chunks)."""
    if not text:
        labels = [x if isinstance(x, int) else len(x) for x in labels]
    coder = LabelCoder("kind", "d.csv", lambda row: row + 2)
    problems = Problems()
    blocks = [labels[start:start + block] for start in range(0, len(labels), block)]
    for i, part in enumerate(blocks):
        if all(isinstance(x, int) for x in part):
            part = np.array(part, dtype=np.int64)
        else:
            part = np.array(part, dtype=object)
        coder.feed(i * block, part, problems)
    assert problems.first is None
    names = coder.finish()
    codes = np.concatenate([b.labels for b in coder.code_blocks()])
    whole = np.array([str(x) for x in labels]) if any(isinstance(x, str) for x in labels) else np.array(labels)
    expected_names, expected_codes = np.unique(whole, return_inverse=True)
    assert names == [str(x) for x in expected_names]
    np.testing.assert_array_equal(codes, expected_codes)


def test_labels_seen_in_longer_strings_are_not_confused_with_shorter_ones():
    coder = LabelCoder("kind", "d.csv", lambda row: row + 2)
    for start, part in enumerate([["bbbbb"], ["a"], ["b"], ["bbbbb"]]):
        coder.feed(start, np.array(part), Problems())
    assert coder.finish() == ["a", "b", "bbbbb"]
    np.testing.assert_array_equal(np.concatenate([b.labels for b in coder.code_blocks()]), [2, 0, 1, 2])


@pytest.mark.parametrize("array", [np.arange(12.0, dtype=np.float32).reshape(4, 3), np.arange(5, dtype=np.int64),
                                   np.zeros((0, 7), dtype=np.float32)], ids=["2-D float32", "labels", "no rows"])
def test_npy_written_in_blocks_is_what_np_save_writes(tmp_path, array):
    np.save(tmp_path / "whole.npy", array)
    with (tmp_path / "blocks.npy").open("wb") as fh:
        writer = io.NpyWriter(fh, array.shape, array.dtype)
        for start in range(0, array.shape[0], 3):
            writer.write(array[start:start + 3])
        writer.close()
    assert (tmp_path / "blocks.npy").read_bytes() == (tmp_path / "whole.npy").read_bytes()
    with (tmp_path / "short.npy").open("wb") as fh, pytest.raises(ValueError, match="rows written"):
        io.NpyWriter(fh, (array.shape[0] + 1, *array.shape[1:]), array.dtype).close()


# ---------------------------------------------------------------------------------------------
# the prepare step in chunks


def prepared(tmp_path, spec, name="d"):
    """(X bytes, labels bytes, meta) of a prepare run into a fresh directory; nothing else left there."""
    out = tmp_path / f"out{len(list(tmp_path.glob('out*')))}"
    meta = prepare_dataset(name, spec, tmp_path / "cache", *outputs(out))
    assert sorted(p.name for p in out.iterdir()) == ["X.npy", "labels.npy", "meta.json"]  # no scratch left
    assert json.loads((out / "meta.json").read_text()) == meta
    return (out / "X.npy").read_bytes(), (out / "labels.npy").read_bytes(), meta


def source_files(tmp_path) -> dict[str, dict]:
    rng = np.random.default_rng(7)
    X = rng.normal(size=(50, 4)) * [1, 10, 100, 1000] + [0, 5, -5, 1e4]
    y = rng.integers(0, 4, 50)
    np.save(tmp_path / "f32.npy", X.astype(np.float32))
    np.save(tmp_path / "fortran.npy", np.asfortranarray(X))
    np.save(tmp_path / "labelled.npy", np.column_stack([X, y * 10]))
    frame = pd.DataFrame(X, columns=list("abcd")).assign(kind=np.array(["x", "y", "z", "w"])[y])
    frame.to_csv(tmp_path / "t.csv", index=False)
    frame.to_parquet(tmp_path / "t.parquet")
    frame.set_axis(np.arange(50) * 3 + 7).to_parquet(tmp_path / "indexed.parquet")  # the index kept as a column
    frame.to_parquet(tmp_path / "groups.parquet", row_group_size=7)  # read a row group at a time
    frame[["a"]].to_csv(tmp_path / "one.csv", index=False)
    return {
        "npy float32": file_spec(tmp_path / "f32.npy"),
        "npy fortran": file_spec(tmp_path / "fortran.npy"),
        "npy label column": file_spec(tmp_path / "labelled.npy", label_column=-1),
        "csv": file_spec(tmp_path / "t.csv", label_column="kind"),
        "parquet": file_spec(tmp_path / "t.parquet", label_column="kind"),
        "parquet with an index": file_spec(tmp_path / "indexed.parquet", label_column="kind"),
        "parquet in row groups": file_spec(tmp_path / "groups.parquet", label_column="kind"),
        "csv one column": file_spec(tmp_path / "one.csv"),
        "blobs": {"source": "blobs", "n_samples": 40, "n_features": 3, "centers": 3, "cluster_std": 1.0,
                  "center_box": 10.0, "seed": 1},
        "embeddings": {"source": "embeddings", "n_samples": 45, "n_features": 6, "n_clusters": 4,
                       "size_exponent": 1.0, "spread_min": 0.5, "spread_max": 1.2, "seed": 3},
    }


PREPROCESSING = {"z-score": {}, "raw": {"zscore": False}, "pca": {"pca": 1},
                 "subsample": {"subsample": 17, "subsample_seed": 4, "zscore": False}}


@pytest.mark.parametrize("steps", list(PREPROCESSING))
def test_prepare_in_tiny_chunks_writes_what_whole_chunks_write(tmp_path, monkeypatch, steps):
    for source, spec in source_files(tmp_path).items():
        spec = {**spec, **PREPROCESSING[steps]}
        whole = prepared(tmp_path, spec)
        monkeypatch.setattr(io, "CHUNK_ROWS", 3)
        tiny = prepared(tmp_path, spec)
        monkeypatch.setattr(io, "CHUNK_ROWS", 2048)
        X = np.load(BytesIO(whole[0]))
        assert whole[2]["sha256"]["X"] == hashlib.sha256(X.tobytes()).hexdigest()
        if steps == "pca":  # the scatter matrix is summed in other blocks: equal to rounding
            np.testing.assert_allclose(np.load(BytesIO(tiny[0])), X, rtol=1e-5, atol=1e-5, err_msg=source)
            ratio = tiny[2]["preprocessing"][-1].pop("explained_variance_ratio")
            assert ratio == pytest.approx(whole[2]["preprocessing"][-1].pop("explained_variance_ratio"), rel=1e-12)
            for meta in (tiny[2], whole[2]):
                meta.pop("sha256")
            assert tiny[1:] == whole[1:], source
        else:
            assert tiny == whole, source
        loaded = load_source("d", spec, tmp_path / "cache")
        if steps == "subsample":  # the rows of subsample_rows, as float32
            rows = subsample_rows(loaded.X.shape[0], 17, 4)
            np.testing.assert_array_equal(X, loaded.X[rows].astype(np.float32), err_msg=source)
        if steps == "raw":
            np.testing.assert_array_equal(X, loaded.X.astype(np.float32), err_msg=source)


def lines(*rows: str) -> str:
    return "\n".join(rows) + "\n"


NUMBERS = [f"{i},{2 * i}" for i in range(1, 30)]
LATER_CHUNK = {
    # id: (file name, content, extra spec keys, the whole message after the file name)
    "a missing value in a column before a word in the next column": (
        "d.csv", lines("a,b", *NUMBERS[:3], ",7", *NUMBERS[3:20], "1,x", *NUMBERS[20:]), {},
        "row 5, column 'a' has a missing value (an empty cell, NA or nan)",
    ),
    "a word after a missing value in the same column": (
        "d.csv", lines("a,b", *NUMBERS[:3], "1,", *NUMBERS[3:20], "1,x", *NUMBERS[20:]), {},
        "row 23, column 'b' holds 'x', which is not a number",
    ),
    "a ragged line after an infinite value": (
        "d.csv", lines("a,b", "inf,1", *NUMBERS[:20], "1,2,3", *NUMBERS[20:]), {},
        "not a rectangular table ('Error tokenizing data. C error: Expected 2 fields in line 23, saw 3\\n')",
    ),
    "a missing label after an infinite value": (
        "d.csv", lines("a,b,k", "inf,1,x", *[row + ",y" for row in NUMBERS[:20]], "1,2,"), {"label_column": "k"},
        "row 23, column 'k' (the labels) has no label: every row needs one",
    ),
    "booleans": (
        "d.csv", lines("a,b", *[f"{i % 2 == 0},{i}" for i in range(20)]), {},
        "row 2, column 'a' holds True: the column holds bool values, not numbers (write them as 0 and 1 if they are "
        "meant as a feature)",
    ),
    "booleans and later a number": (
        "d.csv", lines("a,b", *[f"{i % 2 == 0},{i}" for i in range(20)], "3,4"), {},
        "row 2, column 'a' holds 'True', which is not a number",
    ),
    "a missing label in a .npy after an infinite value": (
        "d.npy", np.column_stack([np.r_[np.inf, np.arange(29.0)], np.r_[np.arange(25.0) % 3, np.nan, 1, 1, 1, 1]]),
        {"label_column": 1}, "row 26, column index 1 (the labels) has no label: every row needs one",
    ),
}


@pytest.mark.parametrize("rows", [1, 4, 2048])
@pytest.mark.parametrize("case", list(LATER_CHUNK), ids=list(LATER_CHUNK))
def test_a_problem_found_in_a_later_chunk_is_named_as_the_whole_file_names_it(tmp_path, monkeypatch, case, rows):
    """The message the old whole-file reader gave (the same text here for every chunk size): the
    file's own problems first, then the labels, then each column in order (a word before a missing
    value), then the values' range."""
    monkeypatch.setattr(io, "CHUNK_ROWS", rows)
    filename, content, extra, expected = LATER_CHUNK[case]
    path = tmp_path / filename
    if isinstance(content, str):
        path.write_text(content)
    else:
        np.save(path, content)
    with pytest.raises(DataError) as excinfo:
        prepare_dataset("mine", file_spec(path, **extra), tmp_path, *outputs(tmp_path / "out"))
    assert str(excinfo.value) == f"{path}: {expected}"


def test_prepare_logs_its_passes_as_progress(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(io, "CHUNK_ROWS", 10)
    monkeypatch.setattr(prepare, "Progress", lambda: Progress(every_s=0))
    spec = {"source": "uniform", "n_samples": 25, "n_features": 2, "seed": 0, "zscore": True}
    with caplog.at_level(logging.INFO, logger="kmeans_study.progress"):
        prepare_dataset("u", spec, tmp_path, *outputs(tmp_path / "out"))
    said = [r.getMessage() for r in caplog.records if r.name == "kmeans_study.progress"]
    assert said[:3] == [f"progress: prepare u: pass 1 (reading), rows {r} of 25" for r in (10, 20, 25)]
    assert said[-1] == "progress: prepare u: pass 3 (output), rows 25 of 25"
    assert "progress: prepare u: pass 2 (statistics), rows 20 of 25" in said
