"""What ran where: thread limits, BLAS/OpenMP kernels and library versions."""

from __future__ import annotations

import logging
import platform
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

# Distribution names of the libraries a record may mention, by import name.
_DISTRIBUTIONS = {
    "numpy": "numpy",
    "sklearn": "scikit-learn",
    "sklearnex": "scikit-learn-intelex",
    "daal4py": "daal",
    "faiss": "faiss-cpu",
    "torchvision": "torchvision",
    "pandas": "pandas",
    "kneed": "kneed",
    "matplotlib": "matplotlib",
    "threadpoolctl": "threadpoolctl",
}


def library_versions(names: list[str]) -> dict[str, str]:
    """Installed versions of the named libraries (import names), plus Python's: an imported
    module's ``__version__``, else the installed distribution's metadata (importing
    importlib.metadata and reading it costs a job 30-70 ms)."""
    versions = {"python": platform.python_version()}
    for name in names:
        version = getattr(sys.modules.get(name), "__version__", None)
        if version is None:
            from importlib import metadata

            try:
                version = metadata.version(_DISTRIBUTIONS.get(name, name))
            except metadata.PackageNotFoundError:
                version = "not installed"
        versions[name] = str(version)
    return versions


def native_libraries() -> list[dict]:
    """The BLAS and OpenMP libraries loaded in this process, with the kernel each one uses.

    ``architecture`` is OpenBLAS's kernel choice (for example Haswell, SkylakeX, or the slow
    Prescott fallback on processors it does not recognise; OPENBLAS_CORETYPE overrides it).
    """
    from threadpoolctl import threadpool_info

    keep = ("internal_api", "version", "architecture", "num_threads", "filepath")
    return [{key: lib.get(key) for key in keep} for lib in threadpool_info()]


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB: Linux's VmHWM, the high-water mark of its own
    address space since it started (interpreter, libraries, touched pages of mapped files, arrays).

    Not getrusage's ru_maxrss: Linux carries that across fork and exec, so a job started by a
    200 MB Snakemake process reads at least 200 MB whatever it does. Where /proc is missing
    (macOS), ru_maxrss is all there is (bytes there, kilobytes on Linux).
    """
    import resource
    import sys

    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


@contextmanager
def limit_threads(threads: int) -> Iterator[None]:
    """Cap every loaded BLAS and OpenMP pool at ``threads`` (load the libraries first)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads):
        yield


# A job's log line that says how far a long step has got: "<time> INFO progress: iteration 31,
# centre shift 0.0012". The terminal view shows the last one beside the running job
# (kmeans_study.steps.joblog.last_progress).
PROGRESS_MARK = "progress: "


# What the enclosing work is at, outermost first (``Progress.within``): a nested step's progress
# lines start with it, so "iteration 31" says which reference dataset it belongs to.
_WITHIN: list[str] = []


class Progress:
    """Logs how far a long piece of work has got, at most every ``every_s`` seconds (the first call
    after ``every_s`` seconds, then again ``every_s`` later), to the logger ``kmeans_study.progress``.

    ``progress("iteration %d, centre shift %.3g", i, shift)``; ``force=True`` logs now. Inside
    ``with progress.within("reference %d of %d", b, B):`` every progress line, of this object or
    of the work it calls, starts with "reference 2 of 10: ".
    """

    def __init__(self, every_s: float = 10.0):
        self.every_s = every_s
        self.next_at = time.monotonic() + every_s

    def __call__(self, message: str, *args, force: bool = False) -> None:
        now = time.monotonic()
        if force or now >= self.next_at:
            self.next_at = now + self.every_s
            text = "".join(where + ": " for where in _WITHIN) + (message % args if args else message)
            logging.getLogger("kmeans_study.progress").info("%s", PROGRESS_MARK + text)

    @contextmanager
    def within(self, message: str, *args) -> Iterator[None]:
        """Log ``message`` (when due) and start every progress line logged inside with it."""
        self(message, *args)
        _WITHIN.append(message % args if args else message)
        try:
            yield
        finally:
            _WITHIN.pop()


def process_age_s() -> float | None:
    """Seconds since this process started (Linux: /proc, to 10 ms), or None where there is no
    /proc: what interpreter start-up and imports cost a job before its step runs."""
    import os

    try:
        with open("/proc/self/stat") as stat, open("/proc/uptime") as uptime:
            started = int(stat.read().rpartition(")")[2].split()[19]) / os.sysconf("SC_CLK_TCK")
            return float(uptime.read().split()[0]) - started
    except (OSError, ValueError, IndexError):
        return None


# A cgroup limit at or above this is no limit (v1 writes "unlimited" as about 2**63).
_UNLIMITED = 2**60
# What sets a memory limit, in words.
LIMIT_WORDS = {"cgroup": "the memory cgroup's limit", "machine": "this machine's memory"}


def memory_cgroup(root: str = "/") -> tuple[int, str] | None:
    """This process's memory cgroup: its version (1 or 2) and its directory (under ``root``'s
    /sys/fs/cgroup); None where it has none."""
    text = _read(root, "/proc/self/cgroup") or ""
    for line in text.splitlines():
        _, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if "memory" in controllers.split(","):
            return 1, "/sys/fs/cgroup/memory" + path.rstrip("/")
    unified = _read(root, "/sys/fs/cgroup/cgroup.controllers") or ""
    for line in text.splitlines():
        if line.startswith("0::") and "memory" in unified.split():
            return 2, "/sys/fs/cgroup" + line[3:].rstrip("/")
    return None


def memory_limit_mb(root: str = "/") -> tuple[int, str] | None:
    """The memory this process may use, in MB, and what sets it ("cgroup": the lowest limit of its
    memory cgroup and the cgroups above it, a SLURM job's or a container's; "machine": MemTotal);
    None where neither can be read. ``root``: where /proc and /sys are read (a fake tree in tests)."""
    limits = []
    found = memory_cgroup(root)
    if found:
        version, directory = found
        name = "memory.limit_in_bytes" if version == 1 else "memory.max"
        top = "/sys/fs/cgroup/memory" if version == 1 else "/sys/fs/cgroup"
        while directory.startswith(top):
            value = (_read(root, f"{directory}/{name}") or "").strip()
            if value.isdigit() and int(value) < _UNLIMITED:
                limits.append(int(value) // 2**20)
            directory = directory.rsplit("/", 1)[0]
    total = next((int(line.split()[1]) // 1024 for line in (_read(root, "/proc/meminfo") or "").splitlines()
                  if line.startswith("MemTotal:")), None)
    if limits and (total is None or min(limits) < total):
        return min(limits), "cgroup"
    return (total, "machine") if total else None


def _read(root: str, path: str) -> str | None:
    from pathlib import Path

    try:
        return Path(root, path.lstrip("/")).read_text()
    except OSError:
        return None
