"""Result files as self-contained HTML pages for Snakemake's HTML report.

The report's viewer shows images and HTML inline and offers every other file for download only,
so each table (CSV), Markdown file and figure marked for the report is shown through a page made
here (workflow/rules/report.smk): a table with readable numbers, sortable by clicking a column
header, with a link that downloads the original file; Markdown (the summary) rendered to HTML; a
figure fitted to the width that shows at full size on a click (see ``png_body``). Styles and
the sorting handler are inline: the pages need no network. The report shows a page in an iframe;
the summary's page is also inserted into the report's landing page (workflow/report/workflow.rst),
where its styles, all scoped to ``.kms-page`` and the report's landing layout, apply as well.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import math
import numbers
import re
import struct
from pathlib import Path

from kmeans_study import paths

# How many significant digits a column may need at most to tell its values apart; differences
# below this many digits are treated as floating-point noise and not shown.
MAX_SIGNIFICANT = 10
MIN_SIGNIFICANT = 4
# Integers of at least this size get thousands separators.
GROUPING_FROM = 10_000

STYLE = """
.kms-page { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2937; }
.kms-page h1 { font-size: 1.45em; font-weight: 650; margin: 0.2em 0 0.5em; }
.kms-page h2 { font-size: 1.25em; font-weight: 650; margin: 1.2em 0 0.4em; border-bottom: 1px solid #e5e7eb; }
.kms-page h3 { font-size: 1.08em; font-weight: 650; margin: 1em 0 0.3em; }
.kms-page p, .kms-page ul, .kms-page ol { margin: 0.4em 0 0.7em; }
.kms-page ul { list-style: disc; padding-left: 1.5em; }
.kms-page ol { list-style: decimal; padding-left: 1.5em; }
.kms-page code::before, .kms-page code::after { content: none; }
.kms-page code { font: 0.92em ui-monospace, SFMono-Regular, Menlo, monospace; background: #f3f4f6;
  padding: 0 0.25em; border-radius: 3px; overflow-wrap: anywhere; }
.kms-page .meta { color: #6b7280; margin: 0 0 0.6em; }
.kms-page .scroll { overflow: auto; max-width: 100%; }
.kms-page table { border-collapse: collapse; margin: 0.3em 0 0.9em; font-variant-numeric: tabular-nums; }
.kms-page th, .kms-page td { padding: 0.2em 0.65em; border-bottom: 1px solid #e5e7eb; text-align: left;
  vertical-align: top; }
.kms-page td { white-space: nowrap; }
.kms-page td.num { text-align: right; }
.kms-page thead th { position: sticky; top: 0; background: #f3f4f6; font-weight: 600; cursor: pointer;
  user-select: none; }
.kms-page thead th[data-order="asc"]::after { content: " \\25B2"; font-size: 0.75em; }
.kms-page thead th[data-order="desc"]::after { content: " \\25BC"; font-size: 0.75em; }
.kms-page tbody tr:nth-child(even) { background: #f9fafb; }
.kms-page tbody tr:hover { background: #eef2ff; }
.kms-page img.figure { display: block; max-width: 100%; height: auto; cursor: zoom-in; }
.kms-page img.figure.full { max-width: none; cursor: zoom-out; }
/* Inside the report's landing page: the page above the rule graph, full width, from the top. */
.h-screen:has(.kms-page) { align-items: flex-start; justify-content: flex-start; }
.items-start:has(.kms-page) { flex-direction: column; align-items: stretch; min-width: 0; }
.prose:has(.kms-page) { max-width: 75rem; }
"""

# A table's click handler (an attribute, not a <script>: the report embeds the summary's page in a
# <script> block of its own, which a "</script>" would end). Click a header: sort its column
# (numbers by value, the rest as text); again: the other way; empty cells stay last. A number's
# exact value is in its cell's data-v (the shown text is rounded).
SORT_ON_CLICK = re.sub(
    r"\s+",
    " ",
    """
var th = event.target.closest('th'); var head = this.tHead; var body = this.tBodies[0];
if (!th || !head || !body || !head.contains(th)) return;
var col = th.cellIndex; var asc = th.dataset.order !== 'asc';
Array.prototype.forEach.call(head.rows[0].cells, function (h) { delete h.dataset.order; });
th.dataset.order = asc ? 'asc' : 'desc';
var key = function (row) { var c = row.cells[col];
  return c ? (c.dataset.v !== undefined ? c.dataset.v : c.textContent.trim()) : ''; };
var rows = Array.prototype.slice.call(body.rows);
var numeric = rows.every(function (r) { var v = key(r); return v === '' || !isNaN(Number(v)); });
rows.sort(function (a, b) { var x = key(a), y = key(b);
  if (x === '' || y === '') return (x === '') - (y === '');
  var d = numeric ? Number(x) - Number(y) : x.localeCompare(y, undefined, {numeric: true});
  return asc ? d : -d; });
rows.forEach(function (r) { body.appendChild(r); });
""",
).strip()


def significant(value: float, digits: int) -> str:
    """``value`` rounded to ``digits`` significant digits, trailing zeros dropped: fixed-point
    (thousands separated) from 1e-4 to 1e9, scientific outside."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    exponent = math.floor(math.log10(abs(value)))
    if -4 <= exponent < 9:
        text = f"{value:,.{max(digits - 1 - exponent, 0)}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    mantissa, power = f"{value:.{digits - 1}e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{power}"


def format_column(values: list) -> list[tuple[str, str | None]]:
    """Each cell of one column as (shown text, its exact value for sorting; None in a column of
    text, "" for a missing number).

    Numbers: integers as integers (thousands separated from GROUPING_FROM); other floats with the
    fewest significant digits (at least MIN_SIGNIFICANT) that keep the column's distinct values
    distinct, up to MAX_SIGNIFICANT. Missing values (None, NaN) are empty cells. Anything else
    (text, booleans) is shown as it is.
    """
    found = [v for v in values if _is_number(v)]
    if not found or len(found) < sum(v is not None and not _is_missing(v) for v in values):
        return [("" if _is_missing(v) else str(v), None) for v in values]
    finite = [float(v) for v in found if math.isfinite(v)]
    if all(v.is_integer() and abs(v) < 1e15 for v in finite):

        def show(v):
            if not math.isfinite(v):
                return str(v)
            return f"{int(v):,}" if abs(v) >= GROUPING_FROM else str(int(v))

    else:
        distinct = {float(f"{v:.{MAX_SIGNIFICANT}g}") for v in finite}
        digits = next(
            (
                d
                for d in range(MIN_SIGNIFICANT, MAX_SIGNIFICANT)
                if len({significant(v, d) for v in distinct}) == len(distinct)
            ),
            MAX_SIGNIFICANT,
        )

        def show(v):
            return significant(float(v), digits) if math.isfinite(v) else str(v)

    return [("", "") if _is_missing(v) else (show(v), _exact(v)) for v in values]


def _exact(value) -> str:
    """A number as JavaScript's Number() reads it back exactly."""
    if isinstance(value, float) and math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _is_number(value) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool) and not _is_missing(value)


def csv_body(path: str) -> str:
    """A CSV file as an HTML table (numbers right-aligned and rounded, see ``format_column``) under
    a line with its size and a link that downloads it. Read with the csv module: a page job should
    not pay for importing pandas."""
    raw = Path(path).read_bytes()
    header, *records = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    columns = [format_column([_value(r[i] if i < len(r) else "") for r in records]) for i in range(len(header))]
    head = "".join(f"<th>{_breakable(name)}</th>" for name in header)
    rows = ["<tr>" + "".join(_cell(text, key) for text, key in cells) + "</tr>" for cells in zip(*columns)]
    name = Path(path).name
    encoded = base64.b64encode(raw).decode()
    download = (
        f'<a download="{html.escape(name)}" href="data:text/csv;base64,{encoded}">download {html.escape(name)}</a>'
    )
    return (
        f'<p class="meta">{len(records)} rows, {len(header)} columns; click a column header to sort; {download}</p>\n'
        f"<table><thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>"
    )


def markdown_body(path: str) -> str:
    """A Markdown file (CommonMark with tables) as HTML. Links to relative paths are shown as the
    path's text: inside the report they lead nowhere."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")

    def link_open(renderer, tokens, idx, options, env):
        href = tokens[idx].attrGet("href") or ""
        local = "://" not in href and not href.startswith(("#", "mailto:"))
        env.setdefault("links", []).append(local)
        if local:
            return f'<span class="file" title="{html.escape(href)}">'
        return renderer.renderToken(tokens, idx, options, env)

    def link_close(renderer, tokens, idx, options, env):
        return "</span>" if env["links"].pop() else "</a>"

    md.add_render_rule("link_open", link_open)
    md.add_render_rule("link_close", link_close)
    return md.render(Path(path).read_text(), {})


def png_body(path: str) -> str:
    """A PNG figure fitted to the page's width (never enlarged), at its own size on a click.

    Snakemake's viewer fits an image to the width too, but centres it vertically, so the top of
    a figure taller than the window is cut off and cannot be scrolled to; in a page it scrolls.
    """
    raw = Path(path).read_bytes()
    if raw[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path} is not a PNG file")
    width, height = struct.unpack(">II", raw[16:24])  # the IHDR chunk comes first
    return (
        f'<p class="meta">{width} x {height} pixels; click the figure to see it at full size or fitted</p>\n'
        f'<img class="figure" alt="{html.escape(Path(path).name)}" onclick="this.classList.toggle(\'full\')" '
        f'src="data:image/png;base64,{base64.b64encode(raw).decode()}">'
    )


# Which file types get a page, and how (by suffix).
def json_body(path: str) -> str:
    """A JSON file indented for reading, with a link that downloads it as written."""
    import json

    raw = Path(path).read_bytes()
    text = json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    name = Path(path).name
    encoded = base64.b64encode(raw).decode()
    download = (
        f'<a download="{html.escape(name)}" href="data:application/json;base64,{encoded}">'
        f"download {html.escape(name)}</a>"
    )
    return f'<p class="meta">{download}</p>\n<pre>{html.escape(text, quote=False)}</pre>'


CONVERTERS = {".csv": csv_body, ".md": markdown_body, ".png": png_body, ".json": json_body}


def pages_for(files: list[str], sources: list[str]) -> list[str]:
    """The pages of those ``files`` that match one of the ``sources`` patterns (a wildcard
    matches within one directory)."""
    matchers = [re.compile(re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(source))) for source in sources]
    return [paths.report_page(f) for f in files if any(m.fullmatch(f) for m in matchers)]


def page(source: str, title: str) -> str:
    """The page of one result file: ``title`` as its heading (a Markdown file brings its own), the
    converted body, the styles; tables sort on a click."""
    suffix = Path(source).suffix
    if suffix not in CONVERTERS:
        raise ValueError(f"no HTML page for {source}: only {', '.join(CONVERTERS)} files are converted")
    heading = f"<h1>{html.escape(title)}</h1>\n" if suffix != ".md" else ""
    # Every table sorts on click, and scrolls inside the page when wider than it.
    body = CONVERTERS[suffix](source).replace(
        "<table>", f'<div class="scroll"><table onclick="{html.escape(SORT_ON_CLICK)}">'
    )
    return (
        "<!doctype html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>\n'
        f"<style>{STYLE}</style></head>\n"
        f'<body><div class="kms-page">\n{heading}{body.replace("</table>", "</table></div>")}\n</div></body></html>\n'
    )


def _cell(text: str, exact: str | None) -> str:
    if exact is None:
        return f"<td>{html.escape(text)}</td>"
    return f'<td class="num" data-v="{html.escape(exact)}">{html.escape(text)}</td>'


def _value(text: str):
    """A CSV cell as a number where it reads as one (empty and NaN: missing), else the text."""
    if text.strip().lower() in ("", "nan"):
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _breakable(name: str) -> str:
    """A column name that may wrap after its underscores."""
    return html.escape(name).replace("_", "_<wbr>")
