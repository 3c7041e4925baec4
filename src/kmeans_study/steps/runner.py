"""What every rule script shares: logging to the rule's log file and clean failure."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable

from kmeans_study.backends.base import BackendUnavailable
from kmeans_study.config.errors import ConfigError
from kmeans_study.data.sources import DataError
from kmeans_study.io import CorruptFile
from kmeans_study.runtime import peak_rss_mb, process_age_s
from kmeans_study.steps.joblog import DONE, LOG_FORMAT, START

# MemoryError: numpy says what it could not allocate ("Unable to allocate 512. GiB for an array with
# shape (2147483647, 32)"), which is the one line a user needs for data too large for the machine.
USER_ERRORS = (ConfigError, DataError, BackendUnavailable, CorruptFile, MemoryError)
log = logging.getLogger(__name__)


def run(log_path: str, step: Callable, *args, **kwargs):
    """Run ``step(*args, **kwargs)`` with logging sent to ``log_path``.

    A user error (bad config or data) exits with status 1 and a one-line message on stderr, which
    Snakemake shows; any other exception propagates with its traceback. Either way the log's last
    ERROR line names the cause (the terminal view shows it, see ``joblog.error_line``), and a
    traceback goes to the log too, where a cluster job's stderr is not at hand.
    """
    logging.basicConfig(filename=log_path, level=logging.INFO, format=LOG_FORMAT, force=True)
    logging.captureWarnings(True)
    age = process_age_s()
    log.info(START + "%s", step.__name__, "" if age is None else f" ({age:.2f} s after the process started)")
    started, started_cpu = time.perf_counter(), time.process_time()
    try:
        result = step(*args, **kwargs)
    except USER_ERRORS as exc:
        log.error("%s", exc)
        print(f"kmeans-study error: {exc}", file=sys.stderr)
        sys.exit(1)
    except Exception as exc:
        # The cause on the ERROR line itself (the terminal view shows that line), then the traceback.
        log.exception("%s: %s", type(exc).__name__, exc)  # noqa: TRY401
        raise
    log.info(
        DONE,
        step.__name__,
        time.perf_counter() - started,
        time.process_time() - started_cpu,
        peak_rss_mb(),
    )
    return result


def run_job(job, step: Callable, **kwargs) -> None:
    """``run`` for a rule script: ``step(**kwargs)`` logged to the job's log (``job``: the script's
    ``sm``, kmeans_study.steps.job). A job started from the command line (``shell: JOB``) then ends
    its process at once (``os._exit``), its outputs written and closed and its log flushed: the
    interpreter's own finalization, which frees every imported module's objects, cost a
    scikit-learn job 0.3-0.7 s and does nothing a job needs (docs/performance.md)."""
    from kmeans_study.steps.job import Job

    run(job.log[0], step, **kwargs)
    if isinstance(job, Job):
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
