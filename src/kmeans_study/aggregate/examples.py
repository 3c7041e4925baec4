"""The reference's worked examples, computed from result files: colour quantization of an image
and customer segmentation of a table, both in the data's original units."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kmeans_study.data.preprocess import to_original_units


def cluster_means(values: np.ndarray, labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-cluster means (k, d) float64 of ``values`` (n, d) and sizes (k,); an empty cluster's
    mean is NaN."""
    labels = np.asarray(labels, dtype=np.int64)
    sizes = np.bincount(labels, minlength=k)
    sums = np.stack([np.bincount(labels, weights=values[:, j], minlength=k) for j in range(values.shape[1])], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / sizes[:, None], sizes


def original(X: np.ndarray, meta: dict) -> np.ndarray:
    values = to_original_units(X, meta["preprocessing"])
    if values is None:
        raise ValueError(f"dataset {meta['dataset']}: a PCA was applied, so original units cannot be recovered")
    return values


def quantize(pixels: np.ndarray, labels: np.ndarray, k: int, image_shape: list[int]) -> np.ndarray:
    """The quantized image (height, width, 3) in [0, 1]: every pixel replaced by the mean colour
    of its cluster. pixels : (height * width, 3) in [0, 1]."""
    means, _ = cluster_means(pixels, labels, k)
    return np.clip(means[labels], 0.0, 1.0).reshape(*image_shape, 3)


def psnr(original_pixels: np.ndarray, quantized: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB for values in [0, 1]."""
    mse = float(np.mean((np.asarray(original_pixels, dtype=np.float64).ravel() - quantized.ravel()) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(1.0 / mse)


def n_colours(image: np.ndarray) -> int:
    return int(np.unique(image.reshape(-1, image.shape[-1]), axis=0).shape[0])


def quantization_table(
    pixels: np.ndarray, image_shape: list[int], best: pd.DataFrame, fit_labels: dict
) -> tuple[pd.DataFrame, dict]:
    """Per k of ``best`` (best_init table): PSNR against the original and colours used by the
    best init's quantized image. Returns (table, {k: image})."""
    rows, images = [], {}
    for k, init_id in best[["k", "best_init_id"]].itertuples(index=False):
        image = quantize(pixels, fit_labels[(int(k), int(init_id))], int(k), image_shape)
        images[int(k)] = image
        rows.append(
            {"k": int(k), "best_init_id": int(init_id), "psnr_db": psnr(pixels, image), "n_colours": n_colours(image)}
        )
    return pd.DataFrame(rows), images


def segment_table(values: np.ndarray, names: list[str], best: pd.DataFrame, fit_labels: dict) -> pd.DataFrame:
    """Per k of ``best`` and segment of its best init: size, share of all rows and the mean of
    every column in the file's own units."""
    blocks = []
    for k, init_id in best[["k", "best_init_id"]].itertuples(index=False):
        means, sizes = cluster_means(values, fit_labels[(int(k), int(init_id))], int(k))
        block = pd.DataFrame(means, columns=[f"mean_{name}" for name in names])
        block.insert(0, "share", sizes / sizes.sum())
        block.insert(0, "size", sizes)
        block.insert(0, "segment", np.arange(int(k)))
        block.insert(0, "best_init_id", int(init_id))
        block.insert(0, "k", int(k))
        blocks.append(block.sort_values("size", ascending=False, kind="stable"))
    return pd.concat(blocks, ignore_index=True)
