"""What a reader notices in a figure, checked as it renders: its size at the default dpi, text
that overlaps other text or leaves the figure, and how much of it the panels take.

``check_figure(fig)`` draws the figure with matplotlib's renderer and returns the drawn texts
(titles, axis labels, the tick labels actually drawn, legend texts, annotations), so a test can
look further (e.g. which labels a panel shows).
"""

from __future__ import annotations

import io
import struct
from itertools import combinations

from matplotlib.text import Text

DEFAULT_DPI = 120  # workflow/schemas/config.schema.yaml: report.plot_dpi
MOST_PIXELS_WIDE = 2000


def png_size(fig, dpi: int = DEFAULT_DPI) -> tuple[int, int]:
    """(width, height) in pixels of the PNG the study writes (io.save_figure: tight bounding box)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=dpi, format="png", bbox_inches="tight")
    width, height = struct.unpack(">II", buffer.getvalue()[16:24])
    return width, height


def _drawn_tick_labels(fig) -> tuple[set[int], set[int]]:
    """ids of every tick label, and of those drawn (axis shown, tick inside the view limits)."""
    every, drawn = set(), set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            ticks = axis.get_major_ticks() + axis.get_minor_ticks()
            every |= {id(label) for tick in ticks for label in (tick.label1, tick.label2)}
            if not (ax.axison and axis.get_visible()):
                continue
            drawn |= {id(label) for tick in axis._update_ticks() for label in (tick.label1, tick.label2)
                      if label.get_visible()}
    return every, drawn


def visible_texts(fig) -> list[Text]:
    """Every text a reader sees: visible, not empty, and for tick labels, drawn."""
    every_tick, drawn_ticks = _drawn_tick_labels(fig)
    texts = []
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        if id(text) in every_tick and id(text) not in drawn_ticks:
            continue
        if text.axes is not None and text.get_clip_on() and id(text) not in every_tick:
            # an annotation clipped to its panel: seen only where it lies inside the panel
            box = text.get_window_extent()
            if not text.axes.bbox.overlaps(box):
                continue
        texts.append(text)
    return texts


def check_figure(fig, *, dpi: int = DEFAULT_DPI, min_panel_share: float = 0.0) -> list[Text]:
    """Assert the figure fits a page width at ``dpi``, no two visible texts overlap, every text
    lies inside the figure, and the panels take at least ``min_panel_share`` of its area. Returns
    the visible texts."""
    width, height = png_size(fig, dpi)
    assert width <= MOST_PIXELS_WIDE, f"{width} x {height} px is wider than {MOST_PIXELS_WIDE} px at {dpi} dpi"
    fig.set_dpi(dpi)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = visible_texts(fig)
    boxes = [(text, text.get_window_extent(renderer)) for text in texts]
    frame = fig.bbox
    for text, box in boxes:
        assert (box.x0 >= frame.x0 - 1 and box.y0 >= frame.y0 - 1 and box.x1 <= frame.x1 + 1
                and box.y1 <= frame.y1 + 1), f"text {text.get_text()!r} leaves the figure: {box} outside {frame}"
    for (a, box_a), (b, box_b) in combinations(boxes, 2):
        overlap_w = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
        overlap_h = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
        assert overlap_w <= 1 or overlap_h <= 1, f"texts overlap: {a.get_text()!r} and {b.get_text()!r}"
    panels = sum(ax.bbox.width * ax.bbox.height for ax in fig.axes if ax.get_label() != "<colorbar>")
    assert panels >= min_panel_share * frame.width * frame.height, (
        f"panels take {panels / (frame.width * frame.height):.0%} of the figure"
    )
    return texts


def tick_labels(axis) -> list[str]:
    """The tick labels an axis draws (ticks inside its view limits, labels not empty)."""
    return [tick.label1.get_text() for tick in axis._update_ticks()
            if tick.label1.get_visible() and tick.label1.get_text()]
