"""Look at the HTML report as a reader does: screenshots taken by a headless Chromium.

Snakemake's report is a single-page app with every result embedded; it has no URL for an item
(no hash routing), so to show one item this writes a copy of the report that opens it on load
through the app's global ``app.setView`` (what clicking the item does). Report pages (HTML
items) are shown in an iframe.

    python tests/report_check.py report.html results/report_check      # make report-check

writes ``landing.png`` (the first page: the summary) and one screenshot per kind of page (a
table, a figure, the summary's own page) and prints their paths. Needs ``chromium`` (Debian:
``apt-get install chromium``); works offline.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

WINDOW = (1400, 1000)
# Flags for a headless run as root with no network, no first-run dialogs and a fresh profile.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    # Lets the page's scripts (React's rendering, the injected navigation) run before the shot.
    "--virtual-time-budget=5000",
]
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def browser() -> str | None:
    """The Chromium executable on PATH, or None."""
    return next((path for path in map(shutil.which, BROWSERS) if path), None)


def chromium(page: Path, *args: str, timeout: int = 120) -> str:
    """Run a headless Chromium on ``page`` with ``args`` (e.g. ``--dump-dom``); its stdout."""
    executable = browser()
    if executable is None:
        raise RuntimeError("no Chromium found (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory() as profile:
        run = subprocess.run(
            [executable, *FLAGS, f"--user-data-dir={profile}", *args, Path(page).resolve().as_uri()],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if run.returncode != 0:
        raise RuntimeError(f"chromium failed on {page}: {run.stderr[-2000:]}")
    return run.stdout


def screenshot(page: Path, out: Path, window: tuple[int, int] = WINDOW) -> Path:
    """A PNG of ``page`` as shown in a ``window`` (width, height) in pixels."""
    out.parent.mkdir(parents=True, exist_ok=True)
    chromium(page, f"--screenshot={out.resolve()}", f"--window-size={window[0]},{window[1]}")
    if not out.is_file():
        raise RuntimeError(f"chromium wrote no screenshot of {page}")
    return out


def dom(page: Path) -> str:
    """The page's DOM after its scripts ran (the report's app renders its content with React)."""
    return chromium(page, "--dump-dom")


def with_script(page: Path, script: str, out: Path) -> Path:
    """A copy of ``page`` that runs ``script`` after loading (inserted before the last </body>:
    the report embeds libraries whose code contains that tag too)."""
    text = Path(page).read_text(encoding="utf-8")
    head, tag, tail = text.rpartition("</body>")
    if not tag:
        raise ValueError(f"{page} has no </body>")
    out.write_text(f"{head}<script>{script}</script>{tag}{tail}", encoding="utf-8")
    return out


def report_items(report: Path) -> dict[str, dict]:
    """The report's results: path -> {mime_type, name, caption, ...} (Snakemake embeds them as
    ``var results = {...};``)."""
    match = re.search(r"^\s*var results = (\{.*\});\s*$", Path(report).read_text(encoding="utf-8"), re.MULTILINE)
    if match is None:
        raise ValueError(f"{report} holds no results (not a Snakemake report?)")
    return json.loads(match.group(1))


def opening(report: Path, item: str, out: Path) -> Path:
    """A copy of the report that shows ``item`` (a key of ``report_items``) once loaded."""
    kind = "html" if report_items(report)[item]["mime_type"] == "text/html" else "img"
    key = json.dumps(item)
    script = (
        f"setTimeout(function () {{ var item = results[{key}]; "
        f"app.setView({{content: {json.dumps(kind)}, contentPath: item.data_uri, resultPath: {key}}}); }}, 300);"
    )
    return with_script(report, script, out)


def check(report: Path, outdir: Path) -> list[Path]:
    """Screenshots of the landing page and of the first item of each kind of report page."""
    outdir.mkdir(parents=True, exist_ok=True)
    shots = [screenshot(report, outdir / "landing.png")]
    items = report_items(report)
    for kind in (".md.html", ".csv.html", ".png.html"):
        item = next((path for path in items if path.endswith(kind)), None)
        if item is not None:
            name = kind.strip(".").replace(".", "_")
            copy = opening(report, item, outdir / f"open_{name}.html")
            shots.append(screenshot(copy, outdir / f"{name}.png"))
            copy.unlink()
    return shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", type=Path, help="the report (snakemake --report report.html)")
    parser.add_argument("outdir", type=Path, help="where the screenshots go")
    args = parser.parse_args(argv)
    if browser() is None:
        print("report-check: no Chromium found (Debian: apt-get install chromium)", file=sys.stderr)
        return 1
    for shot in check(args.report, args.outdir):
        print(shot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
