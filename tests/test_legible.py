"""What a reader sees, end to end on a tiny study: the terminal of a run with the default profile
(one line per job, a progress count, errors with their cause and log, the results named last), a
dry run, and the HTML report (every result as a page, the summary on the first page), looked at
in a headless Chromium where one is installed (Debian: apt-get install chromium)."""

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
import report_check
from smk import ROOT, SNAKEMAKE, snakemake, write_config

from snakemake_logger_plugin_kmeans_study.console import results_pointer

pytestmark = pytest.mark.e2e

CONFIG = {
    "k": {"values": [2, 3, 4]},
    "inits": 1,
    "datasets": {"blobs": {"source": "blobs", "n_samples": 200, "n_features": 3, "centers": 3}},
    "backends": {"faiss": {}},
}
PROFILE = ("--workflow-profile", str(ROOT / "workflow" / "profiles" / "default"), "--cores", "2")
PROGRESS = re.compile(r"^\[\s*(\d+)/(\d+)\s+\d+% \d+:\d\d:\d\d\] ")
# CI installs Chromium and sets KMEANS_REQUIRE_CHROMIUM=1, so these cannot pass there by skipping.
needs_chromium = pytest.mark.skipif(
    report_check.browser() is None and not os.environ.get("KMEANS_REQUIRE_CHROMIUM"),
    reason="no Chromium (apt-get install chromium)",
)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """A finished run of the tiny study through the default profile, and what it printed."""
    workdir = tmp_path_factory.mktemp("legible")
    write_config(workdir, CONFIG)
    run = snakemake(workdir, *PROFILE)
    assert run.returncode == 0, run.stderr[-3000:]
    return workdir, (run.stdout + run.stderr).splitlines()


@pytest.fixture(scope="module")
def report(study):
    workdir, _ = study
    run = snakemake(workdir, "--report", str(workdir / "report.html"))
    assert run.returncode == 0, run.stderr[-3000:]
    return workdir / "report.html"


def test_a_run_prints_about_one_line_per_job_with_a_progress_count_and_names_the_results_last(study):
    workdir, lines = study
    jobs = int(re.search(r"^(\d+) jobs to run", "\n".join(lines), re.MULTILINE).group(1))
    progress = [PROGRESS.match(line) for line in lines if PROGRESS.match(line)]
    assert [int(m.group(1)) for m in progress] == list(range(1, jobs + 1))
    assert {int(m.group(2)) for m in progress} == {jobs}
    # Besides one line per job: the profile's notice, the plan (a few lines), the time, the results.
    assert len(lines) - len(progress) <= 12, "\n".join(lines)
    assert max(map(len, lines)) < 300 and not any("Shell command" in line for line in lines)
    assert lines[-1] == results_pointer(
        os.getcwd(), str(workdir), str(ROOT / "Snakefile"), [str(workdir / "config.yaml")], SNAKEMAKE
    )
    assert f"{workdir}/results/summary.md" in lines[-1] and "--report report.html" in lines[-1]


def test_a_failing_dataset_shows_its_one_line_error_and_its_log(study):
    workdir, _ = study
    (workdir / "broken.csv").write_text("a,b\n1,2\n3,nan\n4,5\n")
    datasets = {**CONFIG["datasets"], "broken": {"source": "file", "path": str(workdir / "broken.csv")}}
    write_config(workdir, {**CONFIG, "datasets": datasets}, "broken.yaml")
    run = snakemake(workdir, *PROFILE, config="broken.yaml")
    assert run.returncode != 0
    lines = (run.stdout + run.stderr).splitlines()
    failed = [i for i, line in enumerate(lines) if line.startswith("FAILED prepare_dataset dataset=broken")]
    assert failed, "\n".join(lines)
    assert "row 3, column 'b' has a missing value" in lines[failed[0]]
    assert lines[failed[0] + 1] == f"    log: {workdir}/results/logs/prepare_dataset/broken.log"
    # The script's exit status says nothing once the log named the cause.
    assert not any("CalledProcessError" in line for line in lines)


def test_a_dry_run_prints_a_plan_per_rule(tmp_path):
    write_config(tmp_path, CONFIG)
    run = snakemake(tmp_path, "-n", *PROFILE)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.splitlines()
    assert len(lines) < 60, run.stdout
    assert "  fit" in run.stdout
    assert re.search(r"^  fit\s+3  dataset: blobs  backend: faiss  k: 2-4  init_id: 0$", run.stdout, re.MULTILINE)


def test_the_report_shows_every_table_and_figure_as_a_page_and_the_summary_first(study, report):
    workdir, _ = study
    items = report_check.report_items(report)
    assert {item["mime_type"] for item in items.values()} == {"text/html"}
    sources = {path.removeprefix("results/report/").removesuffix(".html") for path in items}
    assert {"summary.md", "blobs/timing.csv", "blobs/pareto.png", "blobs/faiss/best_init.csv"} <= sources
    for source in sources:
        assert (workdir / "results" / source).is_file(), source
    summary_title = (workdir / "results/summary.md").read_text().splitlines()[0].lstrip("# ")
    description = re.search(r"var workflow_desc = (\".*\");", report.read_text()).group(1)
    assert f"<h1>{summary_title}</h1>" in json.loads(description)


def non_white_share(png: Path, box: tuple[int, int, int, int]) -> float:
    """Share of pixels in ``box`` (left, top, right, bottom) that are not white."""
    from PIL import Image

    pixels = np.asarray(Image.open(png).convert("L").crop(box))
    return float((pixels < 240).mean())


@needs_chromium
def test_the_reports_first_page_shows_the_summary(report, tmp_path):
    summary_title = (report.parent / "results/summary.md").read_text().splitlines()[0].lstrip("# ")
    rendered = report_check.dom(report)
    assert f"<h1>{summary_title}</h1>" in rendered and 'class="kms-page"' in rendered
    shot = report_check.screenshot(report, tmp_path / "landing.png")
    # The summary starts at the top of the content area, right of the navigation.
    assert non_white_share(shot, (300, 0, 1400, 200)) > 0.01


@needs_chromium
def test_a_table_page_opens_inside_the_report_and_sorts_by_value(report, tmp_path):
    items = report_check.report_items(report)
    table = next(path for path in items if path.endswith("timing.csv.html"))
    shot = report_check.screenshot(report_check.opening(report, table, tmp_path / "open.html"), tmp_path / "table.png")
    assert non_white_share(shot, (300, 0, 1400, 400)) > 0.01
    # The page itself: click a numeric header twice, the rows follow its exact values down.
    page = report.parent / table
    column = "fit_wall_s_median"
    clicks = (
        "var th = Array.prototype.find.call(document.querySelectorAll('th'),"
        f" function (h) {{ return h.textContent === '{column}'; }}); th.click(); th.click();"
    )
    rendered = report_check.dom(report_check.with_script(page, clicks, tmp_path / "clicked.html"))
    head = re.search(r"<thead>(.*?)</thead>", rendered, re.DOTALL).group(1)
    index = [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<th[^>]*>(.*?)</th>", head)].index(column)
    body = re.search(r"<tbody>(.*?)</tbody>", rendered, re.DOTALL).group(1)
    cells = [re.findall(r"<td([^>]*)>", row)[index] for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)]
    values = [float(re.search(r'data-v="([^"]*)"', cell).group(1)) for cell in cells]
    assert len(values) > 2 and values == sorted(values, reverse=True)
    assert 'data-order="desc"' in rendered


@needs_chromium
def test_a_figure_page_shows_the_figure_fitted_and_full_size_on_a_click(report, tmp_path):
    page = report.parent / "results/report/blobs/pareto.png.html"
    fitted = report_check.screenshot(page, tmp_path / "fitted.png")
    assert non_white_share(fitted, (0, 60, 1400, 400)) > 0.01
    clicked = report_check.with_script(page, "document.querySelector('img').click();", tmp_path / "c.html")
    rendered = report_check.dom(clicked)
    assert 'class="figure full"' in rendered
