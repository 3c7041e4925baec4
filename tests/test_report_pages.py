"""The HTML report's pages of tables, Markdown and figures (kmeans_study.report.pages)."""

import base64
import io
import math
import re

import numpy as np
import pandas as pd
import pytest

from kmeans_study import paths
from kmeans_study.report.pages import format_column, page, pages_for, significant


def test_numbers_get_the_fewest_digits_that_keep_a_columns_values_apart():
    assert [text for text, _ in format_column([0.0007020, 0.001621, 0.5])] == ["0.000702", "0.001621", "0.5"]
    # Inertia of backends that differ in the 7th or 8th digit: shown apart, not all as 2.78e+06.
    shown = [text for text, _ in format_column([2780123.4567, 2780124.9, 2780123.4567])]
    assert shown == ["2,780,123", "2,780,125", "2,780,123"]
    shown = [text for text, _ in format_column([2780123.44, 2780123.11])]
    assert shown == ["2,780,123.4", "2,780,123.1"]
    # Floating-point noise beyond MAX_SIGNIFICANT digits is not a difference.
    assert [text for text, _ in format_column([1.0 / 3, 1.0 / 3 + 1e-15])] == ["0.3333", "0.3333"]
    assert significant(-3.031e-14, 4) == "-3.031e-14" and significant(2.0, 4) == "2"


def test_integers_missing_values_and_text_columns():
    assert format_column([5, 60000, None]) == [("5", "5"), ("60,000", "60000"), ("", "")]
    assert format_column([2.0, 6.0, math.nan]) == [("2", "2.0"), ("6", "6.0"), ("", "")]
    assert format_column(["faiss", None]) == [("faiss", None), ("", None)]
    assert format_column([True, False]) == [("True", None), ("False", None)]
    # One text cell makes the column text: no number is rounded there.
    assert format_column(["none", 0.123456789]) == [("none", None), ("0.123456789", None)]


def test_a_table_page_shows_rounded_numbers_sorts_by_exact_ones_and_downloads_the_file(tmp_path):
    csv = tmp_path / "results" / "blobs" / "timing.csv"
    csv.parent.mkdir(parents=True)
    pd.DataFrame({"backend": ["<b>x</b>", "faiss"], "fit_wall_s_median": [0.0123456, 0.5]}).to_csv(csv, index=False)
    html = page(str(csv), "blobs/timing.csv")
    assert "<h1>blobs/timing.csv</h1>" in html
    assert '<td class="num" data-v="0.0123456">0.01235</td>' in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    assert "fit_<wbr>wall_<wbr>s_<wbr>median" in html
    link = re.search(r'<a download="timing.csv" href="data:text/csv;base64,([^"]+)">', html)
    assert base64.b64decode(link.group(1)) == csv.read_bytes()
    assert 'table onclick="' in html


def test_a_markdown_page_renders_tables_and_shows_relative_links_as_paths(tmp_path):
    md = tmp_path / "summary.md"
    md.write_text(
        "# Answers\n\nSee [timing](blobs/timing.csv) and [docs](https://example.org/x).\n\n"
        "| k | ari |\n|---|---|\n| 5 | 0.9 |\n\n<script>alert(1)</script>\n"
    )
    html = page(str(md), "summary.md")
    assert "<h1>Answers</h1>" in html and html.count("<h1>") == 1
    assert '<span class="file" title="blobs/timing.csv">timing</span>' in html
    assert '<a href="https://example.org/x">docs</a>' in html
    assert "<td>0.9</td>" in html and 'table onclick="' in html
    assert "&lt;script&gt;" in html


def test_a_figure_page_embeds_the_png_with_its_size(tmp_path):
    from PIL import Image

    png = tmp_path / "pareto.png"
    Image.fromarray(np.zeros((30, 200, 3), np.uint8)).save(png)
    html = page(str(png), "blobs/pareto.png")
    assert "200 x 30 pixels" in html
    src = re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1)
    assert Image.open(io.BytesIO(base64.b64decode(src))).size == (200, 30)
    (tmp_path / "fake.png").write_text("not a png")
    with pytest.raises(ValueError, match="not a PNG"):
        page(str(tmp_path / "fake.png"), "fake.png")


def test_a_json_page_is_indented_escaped_and_downloads_the_file(tmp_path):
    source = tmp_path / "k_choice.json"
    source.write_text('{"k": 8, "sentence": "</pre><b>x</b>", "criteria": {"gap": null}}')
    html = page(str(source), "blobs/k_choice.json")
    shown = re.search(r"<pre>(.*)</pre>", html, re.S).group(1)
    assert '\n  "k": 8,' in shown and "&lt;/pre&gt;&lt;b&gt;" in shown and '"gap": null' in shown
    encoded = re.search(r'href="data:application/json;base64,([^"]+)"', html).group(1)
    assert base64.b64decode(encoded) == source.read_bytes()


def test_no_page_holds_a_script_element(tmp_path):
    # The report embeds the summary's page in a <script> block of its own: a </script> in the page
    # would end that block and break the report (sorting is an onclick attribute instead).
    md = tmp_path / "s.md"
    md.write_text("| a |\n|---|\n| 1 |\n")
    assert "<script" not in page(str(md), "s.md").lower()


def test_pages_are_found_for_the_files_that_match_a_marked_pattern():
    sources = [paths.TIMING, paths.BEST_INIT, paths.SUMMARY]
    files = [
        "results/blobs/timing.csv",
        "results/blobs/timing.png",
        "results/blobs/sklearn/best_init.csv",
        paths.SUMMARY,
    ]
    assert pages_for(files, sources) == [
        "results/report/blobs/timing.csv.html",
        "results/report/blobs/sklearn/best_init.csv.html",
        "results/report/summary.md.html",
    ]
