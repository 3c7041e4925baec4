"""The worked examples: colour quantization of an image, segments of a table.

Unlike the other aggregates these read X and the labels whole: an example's data is one image's
pixels or one table's rows, small by nature, and both are rebuilt whole in their own units (a
quantized image, per-segment means of every column)."""

from __future__ import annotations

from kmeans_study import io
from kmeans_study.steps.common import checked_records, labels_of_fits


def _best_labels(best: str, records: list[str], fit_labels: list[str]):
    return io.read_csv(best), labels_of_fits(checked_records(records), fit_labels, ("k", "init_id"))


def quantization(
    *, dataset: str, backend: str, X: str, meta: str, best: str, records: list[str], fit_labels: list[str],
    table: str, plot: str, dpi: int,
) -> None:
    """Colour quantization of an image dataset: each k's best init as an image, PSNR, colours."""
    from kmeans_study.aggregate.examples import original, quantization_table
    from kmeans_study.aggregate.plots import quantization_figure

    facts = io.read_json(meta)
    pixels = original(io.load_npy(X), facts)
    best_table, fits = _best_labels(best, records, fit_labels)
    frame, images = quantization_table(pixels, facts["image_shape"], best_table, fits)
    io.write_csv(table, frame)
    fig = quantization_figure(
        pixels.reshape(*facts["image_shape"], 3), images, frame,
        f"{dataset}, {backend}: colour quantization (best init per k)",
    )
    io.save_figure(plot, fig, dpi)


def segments(*, X: str, meta: str, best: str, records: list[str], fit_labels: list[str], table: str) -> None:
    """Customer segmentation: per k and segment, size and column means in the file's units."""
    from kmeans_study.aggregate.examples import original, segment_table

    facts = io.read_json(meta)
    best_table, fits = _best_labels(best, records, fit_labels)
    io.write_csv(table, segment_table(original(io.load_npy(X), facts), facts["feature_names"], best_table, fits))

