"""Snakemake logger plugin ``kmeans-study``: the study's terminal view (its logic: ``console``).

Snakemake finds logger plugins as top-level packages named ``snakemake_logger_plugin_<name>`` on
its ``sys.path`` (the project's ``src/``, installed by ``pip install -e .``); the default profile
selects this one with ``logger: [kmeans-study]``. It replaces Snakemake's terminal output only:
Snakemake still writes its complete log under ``.snakemake/log/``.
"""

from __future__ import annotations

import sys
import threading
import time

from snakemake_interface_logger_plugins.base import LogHandlerBase

from snakemake_logger_plugin_kmeans_study.console import Console

# How often the heartbeat thread checks whether the running jobs should be listed again.
HEARTBEAT_CHECK_S = 5.0
RED, RESET = "\033[31m", "\033[0m"


class LogHandler(LogHandlerBase):
    # What Snakemake asks of a logger plugin: this one replaces its terminal output and formats
    # and filters records itself.
    writes_to_stream = True
    writes_to_file = False
    has_filter = True
    has_formatter = True
    needs_rulegraph = False

    def __post_init__(self) -> None:
        settings = self.common_settings
        self.stream = sys.stdout if settings.stdout else sys.stderr
        self.color = not settings.nocolor and self.stream.isatty()
        self.console = Console(
            start=time.time(),
            dryrun=settings.dryrun,
            show_failed_logs=settings.show_failed_logs,
            printshellcmds=settings.printshellcmds,
        )
        self._stop = threading.Event()
        if not settings.dryrun:
            threading.Thread(target=self._heartbeat, name="kmeans-study-heartbeat", daemon=True).start()

    def emit(self, record) -> None:
        self._write(self.console.lines(record))

    def _write(self, lines: list[str]) -> None:
        for line in lines:
            if self.color and line.startswith("FAILED"):
                line = RED + line + RESET
            self.stream.write(line + "\n")
        if lines:
            self.stream.flush()

    def _heartbeat(self) -> None:
        while not self._stop.wait(HEARTBEAT_CHECK_S):
            with self.lock:
                self._write(self.console.heartbeat(time.time()))

    def close(self) -> None:
        self._stop.set()
        with self.lock:
            self._write(self.console.close())
        super().close()
