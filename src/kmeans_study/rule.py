"""What every rule script shares: logging to the rule's log file and clean failure."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable

from kmeans_study.backends.base import BackendUnavailable
from kmeans_study.config import ConfigError
from kmeans_study.data.sources import DataError
from kmeans_study.io import CorruptFile

# MemoryError: numpy says what it could not allocate ("Unable to allocate 512. GiB for an array with
# shape (2147483647, 32)"), which is the one line a user needs for data too large for the machine.
USER_ERRORS = (ConfigError, DataError, BackendUnavailable, CorruptFile, MemoryError)


def run(log_path: str, step: Callable, *args, **kwargs):
    """Run ``step(*args, **kwargs)`` with logging sent to ``log_path``.

    A user error (bad config or data) exits with status 1 and a one-line message on stderr, which
    Snakemake shows; any other exception propagates with its traceback.
    """
    logging.basicConfig(
        filename=log_path, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", force=True
    )
    logging.captureWarnings(True)
    logging.info("start %s", step.__name__)
    started, started_cpu = time.perf_counter(), time.process_time()
    try:
        result = step(*args, **kwargs)
    except USER_ERRORS as exc:
        logging.error("%s", exc)
        print(f"kmeans-study error: {exc}", file=sys.stderr)
        sys.exit(1)
    logging.info(
        "done %s in %.2f s (cpu %.2f s)", step.__name__, time.perf_counter() - started, time.process_time() - started_cpu
    )
    return result
