"""Dataset loaders (data/sources.py, file_source.py, torchvision_source.py), preprocessing
(data/preprocess.py) and the prepare step (data/prepare.py).

Nothing here touches the network: the torchvision tests write their own tiny IDX files, and the
one test that lets torchvision try to download points its mirror at a closed local port.
"""

from __future__ import annotations

import gzip
import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from kmeans_study import io
from kmeans_study.data import torchvision_source
from kmeans_study.data.prepare import prepare_dataset
from kmeans_study.data.preprocess import preprocess, to_original_units
from kmeans_study.data.sources import DataError, load_source

IDX_SIZES = {"train": 20, "t10k": 10}  # images per IDX prefix
SPLIT_PREFIX = {"train": "train", "test": "t10k"}
SPECIES = ["setosa", "versicolor", "virginica"]


# ---------------------------------------------------------------------------------------------
# helpers


def write_bytes(path, data: bytes) -> None:
    """Write ``data`` to ``path``, gzip-compressed when the name ends in .gz."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gz":
        with gzip.open(path, "wb") as fh:
            fh.write(data)
    else:
        path.write_bytes(data)


def idx_images(images: np.ndarray) -> bytes:
    """IDX3 bytes: magic 0x00000803, n, rows, cols (big-endian int32), then uint8 pixels."""
    images = np.asarray(images, dtype=np.uint8)
    return np.array([0x00000803, *images.shape], dtype=">i4").tobytes() + images.tobytes()


def idx_labels(labels: np.ndarray) -> bytes:
    """IDX1 bytes: magic 0x00000801, n (big-endian int32), then uint8 labels."""
    labels = np.asarray(labels, dtype=np.uint8)
    return np.array([0x00000801, labels.size], dtype=">i4").tobytes() + labels.tobytes()


def write_idx_set(directory, gz: bool = False, seed: int = 0) -> dict:
    """Write the four MNIST-style IDX files into ``directory``.

    Returns {"train": (images, labels), "test": (images, labels)} of what was written.
    """
    rng = np.random.default_rng(seed)
    suffix = ".gz" if gz else ""
    written = {}
    for split, prefix in SPLIT_PREFIX.items():
        n = IDX_SIZES[prefix]
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        write_bytes(directory / f"{prefix}-images-idx3-ubyte{suffix}", idx_images(images))
        write_bytes(directory / f"{prefix}-labels-idx1-ubyte{suffix}", idx_labels(labels))
        written[split] = (images, labels)
    return written


def tv_spec(source="mnist", split="train", raw_dir=None, download=False) -> dict:
    return {"source": source, "split": split, "raw_dir": raw_dir, "download": download}


def blobs_spec(seed=0, **changes) -> dict:
    spec = {"source": "blobs", "n_samples": 300, "n_features": 4, "centers": 3, "cluster_std": 1.0,
            "center_box": 10.0, "seed": seed}
    return {**spec, **changes}


def uniform_spec(seed=0, **changes) -> dict:
    return {"source": "uniform", "n_samples": 200, "n_features": 5, "seed": seed, **changes}


def file_spec(path, **changes) -> dict:
    return {"source": "file", "path": str(path), **changes}


def assert_data_error(excinfo, *fragments) -> None:
    message = str(excinfo.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


# ---------------------------------------------------------------------------------------------
# generated and shipped sources


def test_mnist5k_is_5000_real_digits_500_per_class(tmp_path):
    loaded = load_source("m", {"source": "mnist5k"}, tmp_path)
    assert loaded.X.shape == (5000, 784)
    assert loaded.labels.dtype == np.int64
    values, counts = np.unique(loaded.labels, return_counts=True)
    assert values.tolist() == list(range(10))
    assert counts.tolist() == [500] * 10
    assert loaded.X.min() >= 0 and loaded.X.max() > 0  # real pixel intensities, not all zero


def test_blobs_shape_labels_and_seed(tmp_path):
    a = load_source("b", blobs_spec(seed=0), tmp_path)
    assert a.X.shape == (300, 4)
    assert a.labels.shape == (300,) and a.labels.dtype == np.int64
    assert np.unique(a.labels).size == 3
    assert np.abs(a.X).max() < 10.0 + 8 * 1.0  # centres in the box, points within a few std
    again = load_source("b", blobs_spec(seed=0), tmp_path)
    np.testing.assert_array_equal(a.X, again.X)
    np.testing.assert_array_equal(a.labels, again.labels)
    assert not np.allclose(a.X, load_source("b", blobs_spec(seed=1), tmp_path).X)
    assert np.unique(load_source("b", blobs_spec(centers=7), tmp_path).labels).size == 7


def test_uniform_shape_range_and_seed(tmp_path):
    a = load_source("u", uniform_spec(seed=3), tmp_path)
    assert a.X.shape == (200, 5)
    assert a.labels is None
    assert a.X.min() >= 0.0 and a.X.max() < 1.0
    np.testing.assert_array_equal(a.X, load_source("u", uniform_spec(seed=3), tmp_path).X)
    assert not np.allclose(a.X, load_source("u", uniform_spec(seed=4), tmp_path).X)


# ---------------------------------------------------------------------------------------------
# file source


def test_npy_without_label_column(tmp_path):
    X = np.arange(24, dtype=np.float64).reshape(6, 4)
    np.save(tmp_path / "x.npy", X)
    loaded = load_source("mine", file_spec(tmp_path / "x.npy"), tmp_path)
    np.testing.assert_array_equal(loaded.X, X)
    assert loaded.labels is None
    assert "label_names" not in loaded.info


@pytest.mark.parametrize("label_column", [0, -1])
def test_npy_with_integer_label_column(tmp_path, label_column):
    y = np.array([3, 10, 0, 2, 10, 1, 0, 2, 3, 1, 0, 2])  # 10 must not sort between 1 and 2
    features = np.random.default_rng(0).normal(size=(y.size, 3))
    X = np.insert(features, label_column if label_column >= 0 else 3, y, axis=1)
    np.save(tmp_path / "x.npy", X)
    loaded = load_source("mine", file_spec(tmp_path / "x.npy", label_column=label_column), tmp_path)
    np.testing.assert_array_equal(loaded.X, features)
    assert loaded.labels.dtype == np.int64
    # codes follow the numeric order of the labels: 0, 1, 2, 3, 10 -> 0, 1, 2, 3, 4
    np.testing.assert_array_equal(loaded.labels, np.searchsorted([0, 1, 2, 3, 10], y))
    assert [float(name) for name in loaded.info["label_names"]] == [0, 1, 2, 3, 10]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_table_with_string_label_column(tmp_path, suffix):
    rng = np.random.default_rng(1)
    species = np.array(SPECIES)[[2, 0, 1, 0, 2, 1, 1, 0]]
    frame = pd.DataFrame({"sepal": rng.normal(size=8), "species": species, "petal": rng.normal(size=8)})
    path = tmp_path / f"iris{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    loaded = load_source("iris", file_spec(path, label_column="species"), tmp_path)
    assert loaded.X.shape == (8, 2)
    np.testing.assert_allclose(loaded.X, frame[["sepal", "petal"]].to_numpy())
    assert loaded.info["label_names"] == SPECIES
    assert loaded.labels.dtype == np.int64
    assert [loaded.info["label_names"][code] for code in loaded.labels] == species.tolist()


class Unpicklable:
    """Unpickling it creates the file ``marker``: proof that a loader used pickle."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def text(content: str):
    return lambda path: path.write_text(content)


def npy(array, allow_pickle=False):
    return lambda path: np.save(path, array, allow_pickle=allow_pickle)


def object_npy(path):
    np.save(path, np.array([[Unpicklable(path.with_name("unpickled"))]], dtype=object), allow_pickle=True)


NAN_ROW_3 = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, np.nan]])

FILE_ERRORS = {
    # id: (file name, writer or None for no file, extra spec keys, fragments of the message)
    "missing file": ("absent.csv", None, {}, ["'datasets.mine.path'", "absent.csv", "not found"]),
    "empty file": ("d.csv", text(""), {}, ["d.csv", "empty"]),
    "header only": ("d.csv", text("a,b\n"), {}, ["d.csv", "no data rows"]),
    "parquet without rows": (
        "d.parquet", lambda p: pd.DataFrame({"a": [], "b": []}, dtype=float).to_parquet(p), {"zscore": False},
        ["d.parquet", "no data rows"],
    ),
    "non-numeric cell": ("d.csv", text("a,b\n1,2\n3,oops\n5,6\n"), {}, ["d.csv", "'b'", "row 3", "'oops'"]),
    "non-numeric in first row": ("d.csv", text("a,b\nx,2\n3,4\n"), {}, ["'a'", "row 2", "'x'"]),
    "ragged longer row": ("d.csv", text("a,b\n1,2\n3,4,5\n"), {}, ["d.csv", "not a rectangular table"]),
    "ragged all rows longer": ("d.csv", text("a,b\n1,2,3\n4,5,6\n"), {}, ["d.csv", "not a rectangular table"]),
    "ragged shorter row": ("d.csv", text("a,b,c\n1,2,3\n4,5\n"), {}, ["d.csv", "row 3", "column 'c'", "missing"]),
    "nan in csv": ("d.csv", text("a,b\n1,2\n3,4\nnan,5\n"), {}, ["d.csv", "row 4", "column 'a'", "missing"]),
    "inf in csv": ("d.csv", text("a,b\n1,inf\n3,4\n"), {}, ["d.csv", "row 2", "column 'b'", "inf"]),
    "nan in npy": ("d.npy", npy(NAN_ROW_3), {}, ["d.npy", "row 3", "column 2", "NaN"]),
    "missing label column": (
        "d.csv", text("a,b\n1,2\n3,4\n"), {"label_column": "species"},
        ["'datasets.mine.label_column'", "'species'", "d.csv"],
    ),
    "npy label column out of range": (
        "d.npy", npy(NAN_ROW_3[:2]), {"label_column": 5}, ["'datasets.mine.label_column'", "5", "2 columns"],
    ),
    "npy label column named": (
        "d.npy", npy(NAN_ROW_3[:2]), {"label_column": "species"}, ["'datasets.mine.label_column'", "'species'"],
    ),
    "unsupported suffix": ("d.txt", text("1,2\n3,4\n"), {}, ["d.txt", "unsupported file type", "'.txt'"]),
    "object npy": ("d.npy", object_npy, {}, ["d.npy", "without pickle"]),
    "string npy": ("d.npy", npy(np.array([["a", "b"], ["c", "d"]])), {}, ["d.npy", "real numbers", "<U1"]),
    "1-D npy": ("d.npy", npy(np.arange(5.0)), {}, ["d.npy", "2-D", "(5,)"]),
    # shapes pandas reads "successfully" but wrongly
    "no header line (numpy.savetxt)": (
        "d.csv", lambda p: np.savetxt(p, np.arange(8.0).reshape(4, 2), delimiter=","), {},
        ["d.csv", "names a column '0.000000000000000000e+00', a number", "not a header"],
    ),
    "no header line, nan first": ("d.csv", text("nan,inf\n1,2\n3,4\n"), {}, ["'nan', a number", "not a header"]),
    "pandas index column": (
        "d.csv", lambda p: pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [4.0, 5.0, 7.0]}).to_csv(p), {},
        ["leaves column 1 without a name", "index=False"],
    ),
    "repeated column name": ("d.csv", text("a,b,a\n1,2,3\n4,5,6\n"), {}, ["names two columns 'a' (columns 1 and 3)"]),
    "semicolon delimiter": ("d.csv", text("a;b\n1;2\n3;4\n"), {}, ["the header line 'a;b' holds ';'", "commas"]),
    "tab delimiter": ("d.csv", text("a\tb\n1\t2\n3\t4\n"), {}, ["holds a tab", "commas"]),
    "not UTF-8": ("d.csv", lambda p: p.write_bytes("a,\xe9\n1,2\n3,4\n".encode("latin-1")), {}, ["not UTF-8"]),
    "booleans as a feature": ("d.csv", text("a,b\nTrue,2\nFalse,4\n"), {}, ["row 2, column 'a' holds True", "bool"]),
    "missing label": (
        "d.csv", text("a,b,kind\n1,2,x\n3,4,\n5,7,y\n"), {"label_column": "kind"},
        ["row 3, column 'kind' (the labels) has no label"],
    ),
    "missing label in npy": (
        "d.npy", npy(np.array([[1.0, 0.0], [2.0, np.nan], [3.0, 1.0]])), {"label_column": 1},
        ["row 2, column index 1 (the labels) has no label"],
    ),
    "integer too large for a float": (
        "d.csv", text("a,b\n" + "9" * 400 + ",1\n2,3\n"), {}, ["row 2, column 'a'", "too large"],
    ),
    "beyond float32": ("d.csv", text("a,b\n1,2\n3,4\n1e39,5\n"), {}, ["row 4, column 'a' holds 1e+39", "float32"]),
    "row norms overflow float32": (
        "d.csv", text("a,b\n1,2\n3,4\n6e18,5\n"), {"zscore": False},
        ["row 4 (column 'a' largest) has squared norm 3.6e+37", "zscore: true"],
    ),
    "error row after blank lines": ("d.csv", text("a,b\n1,2\n\n\n3,x\n"), {}, ["row 5, column 'b' holds 'x'"]),
    "bool npy": ("d.npy", npy(np.array([[True, False], [False, True]])), {}, ["real numbers", "bool"]),
    "timedelta npy": ("d.npy", npy(np.arange(4).astype("m8[s]").reshape(2, 2)), {}, ["real numbers", "timedelta64"]),
    "structured npy": (
        "d.npy", npy(np.zeros(3, dtype=[("a", "f8"), ("b", "i4")])), {}, ["structured array", "'a', 'b'"],
    ),
    "3-D npy": ("d.npy", npy(np.zeros((3, 2, 2))), {}, ["2-D", "(3, 2, 2)"]),
    "truncated npy": (
        "d.npy", lambda p: (np.save(p, np.arange(100.0).reshape(50, 2)), p.write_bytes(p.read_bytes()[:300])), {},
        ["d.npy", "not a .npy array"],
    ),
    "not a parquet file": ("d.parquet", text("a,b\n1,2\n"), {}, ["d.parquet", "not a readable parquet file"]),
    "dates in parquet": (
        "d.parquet",
        lambda p: pd.DataFrame({"t": pd.to_datetime(["2020-01-01", "2021-05-01"]), "b": [1.0, 2.0]}).to_parquet(p),
        {}, ["row 1, column 't' holds Timestamp", "datetime64", "not numbers"],
    ),
    "null in parquet": (
        "d.parquet",
        lambda p: pd.DataFrame({"a": pd.array([1, None, 3], dtype="Int64"), "b": [1.0, 2.0, 3.0]}).to_parquet(p),
        {}, ["row 2, column 'a' has a missing value"],
    ),
    "missing label in parquet": (
        "d.parquet", lambda p: pd.DataFrame({"a": [1.0, 2.0, 3.0], "y": ["x", None, "z"]}).to_parquet(p),
        {"label_column": "y"}, ["row 2, column 'y' (the labels) has no label"],
    ),
}


@pytest.mark.parametrize("rows", [2048, 1], ids=["whole", "a chunk a row"])
@pytest.mark.parametrize("case", list(FILE_ERRORS), ids=list(FILE_ERRORS))
def test_file_source_errors_name_the_problem(tmp_path, monkeypatch, case, rows):
    """Each message, whether the file is read whole or in chunks of one row (io.CHUNK_ROWS)."""
    monkeypatch.setattr(io, "CHUNK_ROWS", rows)
    filename, write, extra, fragments = FILE_ERRORS[case]
    path = tmp_path / filename
    if write is not None:
        write(path)
    out = tmp_path / "out"
    with pytest.raises(DataError) as excinfo:
        prepare_dataset("mine", file_spec(path, **extra), tmp_path, *outputs(out))
    assert_data_error(excinfo, *fragments)
    assert not (tmp_path / "unpickled").exists(), "the .npy file was unpickled"
    assert not out.exists()


@pytest.mark.parametrize(
    "content",
    ["\ufeffkind,a,b\nx,1,2\ny,3,4\nx,5,7\n", "kind,a,b\n\nx,1,2\n\ny,3,4\nx,5,7\n\n\n"],
    ids=["UTF-8 BOM", "blank lines"],
)
def test_csv_shapes_pandas_handles_are_read_exactly(tmp_path, content):
    path = tmp_path / "d.csv"
    path.write_text(content, encoding="utf-8")
    loaded = load_source("d", file_spec(path, label_column="kind"), tmp_path)
    np.testing.assert_array_equal(loaded.X, [[1, 2], [3, 4], [5, 7]])
    assert loaded.info["feature_names"] == ["a", "b"] and loaded.info["label_names"] == ["x", "y"]
    np.testing.assert_array_equal(loaded.labels, [0, 1, 0])


def test_numbers_written_as_text_in_a_parquet_file_are_read_as_numbers(tmp_path):
    path = tmp_path / "d.parquet"
    pd.DataFrame({"a": ["1.5", "2", "-3e2"], "b": [1.0, 2.0, 3.0]}).to_parquet(path)
    np.testing.assert_array_equal(load_source("d", file_spec(path), tmp_path).X, [[1.5, 1], [2, 2], [-300, 3]])


# ---------------------------------------------------------------------------------------------
# torchvision sources (MNIST, Fashion-MNIST) on tiny IDX files


@pytest.mark.parametrize("split", ["train", "test"])
def test_mnist_reads_idx_files_in_raw_folder(tmp_path, split):
    written = write_idx_set(tmp_path / "torchvision" / "MNIST" / "raw")
    loaded = load_source("mnist", tv_spec(split=split), tmp_path)
    images, labels = written[split]
    assert loaded.X.shape == (IDX_SIZES[SPLIT_PREFIX[split]], 784)
    np.testing.assert_array_equal(loaded.X, images.reshape(len(images), -1))
    assert loaded.labels.dtype == np.int64
    np.testing.assert_array_equal(loaded.labels, labels)
    assert loaded.info["split"] == split
    assert loaded.info["provided_by"] == "existing raw folder"


def test_mnist_copies_gzipped_files_from_raw_dir(tmp_path):
    raw_dir = tmp_path / "elsewhere"
    written = write_idx_set(raw_dir, gz=True, seed=5)
    loaded = load_source("mnist", tv_spec(split="test", raw_dir=str(raw_dir)), tmp_path / "cache")
    images, labels = written["test"]
    np.testing.assert_array_equal(loaded.X, images.reshape(len(images), -1))
    np.testing.assert_array_equal(loaded.labels, labels)
    assert loaded.info["provided_by"] == f"copied from {raw_dir}"
    raw_folder = tmp_path / "cache" / "torchvision" / "MNIST" / "raw"
    for gz in raw_dir.glob("*.gz"):  # gunzipped copies, no leftovers
        assert (raw_folder / gz.stem).read_bytes() == gzip.decompress(gz.read_bytes())
    assert sorted(p.name for p in raw_folder.iterdir()) == sorted(gz.stem for gz in raw_dir.glob("*.gz"))


def test_fashion_mnist_uses_debian_directory_without_download(tmp_path, monkeypatch):
    debian = tmp_path / "debian-fashion-mnist"
    written = write_idx_set(debian, gz=True, seed=7)
    monkeypatch.setattr(torchvision_source, "DEBIAN_FASHION_MNIST", debian)
    loaded = load_source("fmnist", tv_spec(source="fashion_mnist", download=False), tmp_path / "cache")
    images, labels = written["train"]
    np.testing.assert_array_equal(loaded.X, images.reshape(len(images), -1))
    np.testing.assert_array_equal(loaded.labels, labels)
    assert loaded.info["provided_by"] == f"copied from {debian}"
    assert loaded.info["origin"] == "torchvision.datasets.FashionMNIST"
    assert (tmp_path / "cache" / "torchvision" / "FashionMNIST" / "raw" / "train-images-idx3-ubyte").is_file()


@pytest.mark.parametrize("download", [False, True])
def test_mnist_without_files_explains_how_to_provide_them(tmp_path, monkeypatch, download):
    import torchvision.datasets as tvd

    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(tvd.MNIST, "mirrors", ["http://127.0.0.1:9/"])  # closed port: fails at once
    calls = []
    real_download = tvd.MNIST.download

    def spy(self):
        calls.append(self.raw_folder)
        return real_download(self)

    monkeypatch.setattr(tvd.MNIST, "download", spy)
    with pytest.raises(DataError) as excinfo:
        load_source("digits", tv_spec(download=download), tmp_path)
    raw_folder = tmp_path / "torchvision" / "MNIST" / "raw"
    assert_data_error(excinfo, str(raw_folder), "'datasets.digits.raw_dir'", "train-images-idx3-ubyte")
    assert len(calls) == int(download)
    assert ("download failed" in str(excinfo.value)) == download
    if download:
        assert "127.0.0.1:9" in str(excinfo.value)


# ---------------------------------------------------------------------------------------------
# preprocessing


def test_zscore_standardises_columns_and_zeroes_constant_ones():
    rng = np.random.default_rng(2)
    X = np.column_stack([rng.normal(5, 3, 400), np.full(400, 7.5), rng.uniform(-100, 100, 400)])
    Z, labels, steps = preprocess(X, None, {"zscore": True}, "d")
    assert labels is None
    np.testing.assert_allclose(Z[:, [0, 2]].mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(Z[:, [0, 2]].std(axis=0), 1, atol=1e-5)
    assert np.all(Z[:, 1] == 0) and np.isfinite(Z).all()
    assert [(s["step"], s["constant_features"]) for s in steps] == [("zscore", 1)]
    np.testing.assert_allclose(steps[0]["mean"], X.mean(axis=0))
    np.testing.assert_allclose(steps[0]["std"], [X[:, 0].std(), 1.0, X[:, 2].std()])
    # The recorded statistics take results back to the data's own units.
    np.testing.assert_allclose(to_original_units(Z, steps), X, rtol=1e-5, atol=1e-4)
    assert to_original_units(Z, steps + [{"step": "pca"}]) is None


def test_pca_projects_on_principal_components():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 6)) @ rng.normal(size=(6, 6))
    Z, _, steps = preprocess(X, None, {"zscore": True, "pca": 2}, "d")
    assert Z.shape == (200, 2)
    # compare with a projection on the top right-singular vectors of the standardised data (up to sign)
    S = (X - X.mean(axis=0)) / X.std(axis=0)
    _, singular, vt = np.linalg.svd(S, full_matrices=False)
    np.testing.assert_allclose(np.abs(Z), np.abs(S @ vt[:2].T), rtol=1e-4, atol=1e-4)
    assert steps[-1]["step"] == "pca" and steps[-1]["components"] == 2
    assert steps[-1]["explained_variance_ratio"] == pytest.approx((singular[:2] ** 2).sum() / (singular**2).sum())


@pytest.mark.parametrize("shape, components", [((50, 4), 5), ((3, 10), 4)], ids=["> features", "> rows"])
def test_pca_rejects_too_many_components(shape, components):
    X = np.random.default_rng(4).normal(size=shape)
    with pytest.raises(DataError) as excinfo:
        preprocess(X, None, {"pca": components}, "small")
    assert_data_error(excinfo, "'datasets.small.pca'", str(components), f"at most {min(shape)}")


def test_subsample_is_sorted_and_deterministic_per_seed():
    n = 500
    X = np.column_stack([np.arange(n), np.arange(n) * 2.0])
    labels = np.arange(n) % 7

    def pick(seed):
        Xs, ys, steps = preprocess(X, labels, {"zscore": False, "subsample": 60, "subsample_seed": seed}, "d")
        rows = Xs[:, 0].astype(int)
        np.testing.assert_array_equal(ys, labels[rows])  # labels follow their rows
        np.testing.assert_array_equal(Xs[:, 1], rows * 2.0)
        assert steps == [{"step": "subsample", "rows": 60, "seed": seed}]
        return rows

    rows = pick(11)
    assert rows.size == 60 and np.unique(rows).size == 60
    assert np.all(np.diff(rows) > 0)
    np.testing.assert_array_equal(rows, pick(11))
    assert not np.array_equal(rows, pick(12))


def test_subsample_larger_than_data_is_rejected():
    with pytest.raises(DataError) as excinfo:
        preprocess(np.ones((10, 2)), None, {"subsample": 11, "subsample_seed": 0}, "tiny")
    assert_data_error(excinfo, "'datasets.tiny.subsample'", "11", "10")


@pytest.mark.parametrize("spec", [{"zscore": False}, {"zscore": True}, {"zscore": True, "pca": 2}])
def test_output_is_float32_c_contiguous(spec):
    X = np.asfortranarray(np.random.default_rng(5).normal(size=(40, 3)))
    Z, _, _ = preprocess(X, None, spec, "d")
    assert Z.dtype == np.float32 and Z.flags.c_contiguous
    if not spec["zscore"]:
        np.testing.assert_array_equal(Z, X.astype(np.float32))


# ---------------------------------------------------------------------------------------------
# the prepare step


def outputs(directory):
    return directory / "X.npy", directory / "labels.npy", directory / "meta.json"


def test_prepare_writes_arrays_and_metadata(tmp_path):
    rows = [(1.0, 2.0, "b"), (3.0, 1.0, "a"), (0.5, 4.0, "c")]
    csv = tmp_path / "pts.csv"
    csv.write_text("x,y,kind\n" + "".join(f"{x},{y},{k}\n" for x, y, k in rows * 4))  # 12 rows, 3 distinct
    spec = file_spec(csv, label_column="kind", zscore=True)
    out_X, out_labels, out_meta = outputs(tmp_path / "out")
    returned = prepare_dataset("pts", spec, tmp_path / "cache", out_X, out_labels, out_meta)

    X = np.load(out_X, allow_pickle=False)
    labels = np.load(out_labels, allow_pickle=False)
    meta = json.loads(out_meta.read_text())
    assert meta == returned
    assert X.dtype == np.float32 and X.shape == (12, 2)
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, [1, 0, 2] * 4)
    assert meta["shape"] == [12, 2] and meta["raw_shape"] == [12, 2]
    assert meta["has_labels"] is True and meta["n_label_classes"] == 3
    assert meta["label_names"] == ["a", "b", "c"]
    assert meta["n_distinct_points"] == 3
    assert meta["sha256"] == {
        "X": hashlib.sha256(X.tobytes()).hexdigest(),
        "labels": hashlib.sha256(labels.tobytes()).hexdigest(),
    }


def test_prepare_unlabelled_data_gets_minus_one_labels(tmp_path):
    out_X, out_labels, out_meta = outputs(tmp_path)
    meta = prepare_dataset("u", uniform_spec(n_samples=50, zscore=False), tmp_path, out_X, out_labels, out_meta)
    labels = np.load(out_labels, allow_pickle=False)
    assert labels.dtype == np.int64 and labels.shape == (50,) and np.all(labels == -1)
    assert meta["has_labels"] is False and meta["n_label_classes"] == 0
    assert meta["n_distinct_points"] == 50
    np.testing.assert_array_equal(np.load(out_X), load_source("u", uniform_spec(n_samples=50), tmp_path).X)


@pytest.mark.parametrize("zscore", [True, False])
def test_prepare_rejects_constant_data_and_writes_nothing(tmp_path, zscore):
    csv = tmp_path / "flat.csv"
    csv.write_text("a,b,c\n" + "1.5,2,3\n" * 20)
    out = tmp_path / "out"
    with pytest.raises(DataError) as excinfo:
        prepare_dataset("flat", file_spec(csv, zscore=zscore), tmp_path / "cache", *outputs(out))
    assert_data_error(excinfo, "flat", "identical")
    assert not any(path.exists() for path in outputs(out))
    assert not out.exists() or not any(out.iterdir())  # no temporary leftovers either
