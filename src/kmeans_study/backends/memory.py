"""How much memory a fit job needs, and whether it has it.

A backend's registry entry says whether its fit needs the data in memory (``in_memory``: the
library takes X as one array: scikit-learn and oneDAL copy it, faiss scans all of it every
iteration) or streams it (the project's engines read X in chunks through the memory map and keep a
few numbers per point; faiss's sampled training copies only its sample). The estimates below size a
fit job's ``mem_mb`` request from the data, as SLURM schedules by it, and refuse a study whose
in-memory backends cannot hold the data in the memory a fit job is given: before any job runs
(workflow/rules/common.smk) or, for data prepared in the same run, before the fit starts.
"""

from __future__ import annotations

import math

from kmeans_study.io import CHUNK_ROWS
from kmeans_study.lloyd.starts import streamed

# The interpreter, numpy and a backend's library, resident (a scikit-learn fit job of the default
# study peaks at 340 MB with its 16 MB of data, a faiss job at 220, a fused one at 190).
INTERPRETER_MB = 350
# An in-memory backend: the data, the library's own copy and its working arrays (scikit-learn
# centres a copy of X and keeps float32 distances per chunk).
IN_MEMORY_COPIES = 3
# A streaming fit per point: labels (int64), squared norm, two distance bounds, its own assignment
# and the evaluation's labels; a fused job per point and init: labels (int32, and int64 once an
# init stops), two bounds, the evaluation's labels (int32).
STREAMING_BYTES, FUSED_BYTES_PER_INIT = 48, 36
ELKAN_MB = 256  # Elkan's bounds, where they fit in this (lloyd.exact_strategy.ELKAN_MEMORY)


def data_mb(n: int, d: int) -> float:
    """The prepared data's size: n x d float32, in MB."""
    return n * d * 4 / 1e6


def need_mb(entry, *, n: int, d: int, k: int = 1, inits: int = 1, sample: int | None = None) -> int:
    """What one fit job of the backend ``entry`` (a registry entry) needs, in MB, for data of n
    points in d dimensions at k (``inits``: the inits a fused job fits together; ``sample``: the
    points an in-memory backend is fitted on, when it is told to sample)."""
    chunk = CHUNK_ROWS * d * 8 * 4 / 1e6  # a chunk in float64 and a few of its temporaries
    if entry.in_memory:
        fitted = n if sample is None else min(n, sample)
        return math.ceil(INTERPRETER_MB + IN_MEMORY_COPIES * data_mb(fitted, d) + 8 * n / 1e6 + chunk)
    per_point = FUSED_BYTES_PER_INIT * inits + 8 if entry.fused else STREAMING_BYTES
    elkan = inits * n * k * 8 / 1e6 if entry.fused and inits * n * k * 8 / 1e6 <= ELKAN_MB else 0
    return math.ceil(INTERPRETER_MB + per_point * n / 1e6 + elkan + chunk)


def refusal(backend: str, entry, params: dict, *, dataset: str, n: int, d: int, given_mb: int, given_by: str,
            config_key: str) -> str | None:
    """Why backend ``backend`` (registry entry ``entry``, parameters ``params``) cannot fit
    ``dataset`` (n x d) in ``given_mb`` MB, in one line, or None when it can. ``config_key``: the
    backend's config entry, for the advice."""
    if not entry.in_memory or params.get("sample"):
        return None
    need = need_mb(entry, n=n, d=d)
    if need <= given_mb:
        return None
    base = need_mb(entry, n=n, d=d, sample=0)  # everything but the sample's copies
    room = int((given_mb - base) * 1e6 / (IN_MEMORY_COPIES * 4 * d)) // 1000 * 1000
    sample = f"fit it on a seeded sample (backends.{config_key}.sample: {min(room, n - 1):,}), " if room >= 1000 else ""
    return (
        f"backend {backend} needs dataset {dataset} in memory ({n:,} x {d} float32 = {data_mb(n, d):,.0f} MB, about "
        f"{need:,} MB for a fit job with its copies) but a fit job is given {given_mb:,} MB ({given_by}): {sample}give "
        "fit jobs more memory, or leave it out (the project's engines, e.g. fused, stream the data)"
    )


def starts_need_mb(*, n: int, d: int, k: int, inits: int) -> int:
    """What a job computing the k-means++ starts of ``inits`` inits at k needs, in MB: each
    step's candidate distances (2 + ln k per init) where they are held whole, and the closest
    distances, float32 per point (lloyd.starts), the squared norms and a chunk."""
    trials = 2 + int(math.log(k))
    if streamed(n, inits * trials):  # the closest distances, the weights and a cumulative sum
        per_point = 4 * inits + 4 + 4
    else:
        per_point = 4 * (inits * trials + 2 * inits + 1)
    return math.ceil(INTERPRETER_MB + (per_point + 8) * n / 1e6 + CHUNK_ROWS * d * 8 * 4 / 1e6)
