"""Progress of long work: the Lloyd loop, faiss's loop, the k-means++ starts and the gap
statistic's reference fits log how far they have got (runtime.Progress), and the job's log gives
the last line back to the terminal view (joblog.last_progress)."""

import functools
import re

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from kmeans_study import runtime
from kmeans_study.kchoice import gap
from kmeans_study.lloyd import engine, starts
from kmeans_study.lloyd.core import absolute_tol
from kmeans_study.lloyd.engine import lloyd
from kmeans_study.lloyd.exact_strategy import ExactStrategy
from kmeans_study.steps import runner
from kmeans_study.steps.joblog import done_figures, last_progress

ITERATION = re.compile(r"^progress: (?:(.*): )?iteration (\d+) \(at most (\d+)\), centre shift (\S+)"
                       r"(?: \(stops at (\S+)\))?(?:, (\d+) of (\d+) inits running)?$")


@pytest.fixture
def every_call(monkeypatch):
    """Every progress call logs (no 10 s wait), where the long work makes its Progress."""
    for module in (engine, starts, gap):
        monkeypatch.setattr(module, "Progress", functools.partial(runtime.Progress, every_s=0))


def progress_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "kmeans_study.progress"]


def data(n=3000, k=6, seed=0):
    X, _ = make_blobs(n, n_features=4, centers=k, cluster_std=3.0, random_state=seed)
    return X.astype(np.float32)


def test_the_lloyd_loop_logs_each_iteration_the_largest_shift_and_the_inits_still_running(every_call, caplog):
    X = data()
    caplog.set_level("INFO", logger="kmeans_study.progress")
    inits = [X[np.random.default_rng(s).choice(len(X), 6, replace=False)] for s in range(3)]
    tol = absolute_tol(X, 1e-4)
    fits = lloyd(X, inits, ExactStrategy(prune=True), 300, tol)
    found = [ITERATION.match(line) for line in progress_lines(caplog)]
    assert all(found) and found
    # One line after every iteration but the last, each counting the inits that go on after it.
    iterations = [int(m.group(2)) for m in found]
    assert iterations == list(range(1, max(f.n_iter for f in fits)))
    for m in found:
        assert int(m.group(6)) == sum(f.n_iter > int(m.group(2)) for f in fits) and m.group(7) == "3"
        assert m.group(3) == "300" and float(m.group(5)) == pytest.approx(tol, rel=1e-2)
        assert float(m.group(4)) > tol or int(m.group(6)) < 3  # a shift below tol stops an init


def test_faiss_logs_its_own_loops_iterations(every_call, caplog, monkeypatch):
    pytest.importorskip("faiss")
    from kmeans_study.backends import faiss_backend

    monkeypatch.setattr(faiss_backend, "Progress", functools.partial(runtime.Progress, every_s=0))
    caplog.set_level("INFO", logger="kmeans_study.progress")
    X = data()
    backend = faiss_backend.FaissExact({"max_iter": 300, "tol": 1e-4, "early_stopping": True})
    result = backend.fit(X, X[:6].copy(), 6, 0, 1)
    found = [ITERATION.match(line) for line in progress_lines(caplog)]
    assert all(found) and [int(m.group(2)) for m in found] == list(range(1, result.n_iter))
    assert all(m.group(6) is None for m in found)  # one init: no count of inits


def test_the_gap_statistic_says_which_reference_its_starts_and_fits_belong_to(every_call, caplog):
    X = data(n=600)
    caplog.set_level("INFO", logger="kmeans_study.progress")
    references = {b: gap.reference_data(gap.principal_box(X), len(X), 50 + b) for b in range(2)}
    gap.fit_references(references, k=4, seeds={b: {0: b} for b in range(2)}, backend="fused", base_backend="fused",
                       params={"max_iter": 300, "tol": 1e-4, "init": "shared"}, threads=1, dataset="t")
    lines = progress_lines(caplog)
    for b in (1, 2):
        where = f"reference {b} of 2"
        mine = [line for line in lines if line.startswith(f"progress: {where}")]
        assert mine[0] == f"progress: {where}"
        assert [line for line in mine if "k-means++" in line] == [
            f"progress: {where}: k-means++ starts: {i} of 4 centres chosen" for i in range(1, 4)
        ]
        assert all(ITERATION.match(line).group(1) == where for line in mine if "iteration" in line)
    # Outside the references nothing is prefixed any more.
    assert not runtime._WITHIN


def test_progress_waits_its_interval_and_the_job_log_gives_back_the_last_line(tmp_path, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(runtime.time, "monotonic", lambda: clock[0])
    log = tmp_path / "job.log"

    def step():
        progress = runtime.Progress(every_s=10)
        for i, now in enumerate([101.0, 109.9, 110.0, 115.0, 120.5]):
            clock[0] = now
            progress("iteration %d, 100%% of %s", i, "X")

    runner.run(str(log), step)
    logged = [line.split(" INFO ")[1] for line in log.read_text().splitlines() if "progress:" in line]
    assert logged == ["progress: iteration 2, 100% of X", "progress: iteration 4, 100% of X"]
    assert last_progress(log.read_text()) == "iteration 4, 100% of X"
    assert last_progress("2026-01-01 00:00:00,000 INFO start fit\n") is None


def test_the_done_line_the_runner_writes_is_read_back_with_its_figures(tmp_path):
    log = tmp_path / "job.log"

    def fit_fused():
        pass

    runner.run(str(log), fit_fused)
    runner.run(str(log), fit_fused)  # a log gathers the runs of its job
    figures = done_figures(log.read_text())
    assert len(figures) == 2
    for step, wall, cpu, peak in figures:
        assert step == "fit_fused" and wall >= 0 and cpu >= 0 and peak > 0
    assert done_figures("2026-01-01 00:00:00,000 INFO start fit\n") == []
