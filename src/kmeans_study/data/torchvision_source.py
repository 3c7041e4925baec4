"""MNIST and Fashion-MNIST through torchvision, offline when a local copy exists.

Order of attempts: files already in ``<root>/<Name>/raw``; a ``raw_dir`` holding the four IDX
files (gzipped or not), copied into the raw folder (for Fashion-MNIST, Debian's
dataset-fashion-mnist location is the default ``raw_dir``); torchvision's download. Whichever
provides the files, torchvision's own reader parses them.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np

from kmeans_study.data.sources import DataError, Loaded
from kmeans_study.messages import shown_name

DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")

_CLASSES = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST"}
IDX_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


def default_raw_dir(source: str) -> Path | None:
    if source == "fashion_mnist" and DEBIAN_FASHION_MNIST.is_dir():
        return DEBIAN_FASHION_MNIST
    return None


def _copy_idx_files(raw_dir: Path, raw_folder: Path) -> None:
    """Copy (and gunzip) the four IDX files from ``raw_dir`` into torchvision's raw folder."""
    raw_folder.mkdir(parents=True, exist_ok=True)
    for name in IDX_FILES:
        target = raw_folder / name
        if target.exists():
            continue
        plain, zipped = raw_dir / name, raw_dir / f"{name}.gz"
        part = target.with_name(target.name + ".part")
        if plain.is_file():
            shutil.copyfile(plain, part)
        elif zipped.is_file():
            with gzip.open(zipped, "rb") as src, part.open("wb") as dst:
                shutil.copyfileobj(src, dst)
        else:
            raise DataError(f"raw_dir {raw_dir} has neither {name} nor {name}.gz")
        part.replace(target)


def _how_to_provide(name: str, raw_folder: Path, key: str) -> str:
    return (
        f"{name} is not available offline: put the four IDX files ({', '.join(IDX_FILES)}, "
        f"optionally .gz) in {raw_folder}, or point config key '{key}.raw_dir' at a directory "
        "holding them, or run once with network access (download: true)"
        + (" or `apt-get install dataset-fashion-mnist`" if name == "FashionMNIST" else "")
    )


def load(dataset: str, spec: dict, cache_dir: Path) -> Loaded:
    try:
        return _load(dataset, spec, cache_dir)
    except OSError as exc:  # cache_dir or raw_dir unusable: a name too long, no permission, a file in the way
        raise DataError(
            f"dataset {dataset}: {exc.strerror or exc}: {shown_name(str(exc.filename))} (check cache_dir and raw_dir)"
        ) from None


def _load(dataset: str, spec: dict, cache_dir: Path) -> Loaded:
    import torchvision.datasets as tvd

    name = _CLASSES[spec["source"]]
    dataset_cls = getattr(tvd, name)
    root = Path(cache_dir) / "torchvision"
    raw_folder = root / name / "raw"
    train = spec.get("split", "train") == "train"
    key = f"datasets.{dataset}"
    raw_dir = Path(spec["raw_dir"]) if spec.get("raw_dir") else default_raw_dir(spec["source"])

    provided_by = "existing raw folder"
    if not all((raw_folder / f).is_file() for f in IDX_FILES) and raw_dir is not None:
        if not raw_dir.is_dir():
            raise DataError(f"raw_dir {raw_dir} (for {name}) is not a directory")
        _copy_idx_files(raw_dir, raw_folder)
        provided_by = f"copied from {raw_dir}"
    try:
        ds = dataset_cls(str(root), train=train, download=False)
    except RuntimeError:
        if not spec.get("download", True):
            raise DataError(_how_to_provide(name, raw_folder, key)) from None
        try:
            ds = dataset_cls(str(root), train=train, download=True)
            provided_by = "torchvision download"
        except Exception as exc:  # torchvision raises RuntimeError/URLError/OSError offline
            raise DataError(_how_to_provide(name, raw_folder, key) + f" (download failed: {exc})") from None
    X = ds.data.numpy().reshape(len(ds.data), -1)
    y = ds.targets.numpy().astype(np.int64)
    return Loaded(
        X,
        y,
        {
            "origin": f"torchvision.datasets.{name}",
            "split": "train" if train else "test",
            "provided_by": provided_by,
            "label_names": list(ds.classes),
        },
    )
