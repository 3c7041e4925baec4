"""Backends behind one interface, chosen by name: every fact about a backend is its registry entry.

A new backend = one module implementing ``Backend`` + one entry in ``REGISTRY``: its class, the
conda environment of its fit jobs, whether it computes exact Lloyd, its GPU need, whether one job
fits all inits of a k, and its parameters (JSON schema, which the config schema is built from)
with the ones a ``grid`` may sweep. Entries name classes by import path, so choosing a backend
imports only its own library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module

from kmeans_study.backends.base import Backend, BackendResult

# Parameter schemas shared by several entries (JSON schema fragments, with their defaults).
INIT_MODE = {
    "description": (
        "shared: start from the k-means++ centroids computed once per (dataset, k, init id), the same "
        "for every backend. native: the backend's own initialisation, seeded by the same seed."
    ),
    "enum": ["shared", "native"],
    "default": "shared",
}
SHARED_ONLY = {"description": "Only the shared k-means++ starts.", "enum": ["shared"], "default": "shared"}
WARM_START = {
    "description": (
        "Fraction of the points to fit on first (0 = off); the full fit starts from that fit's centroids. "
        "The subset is drawn with the init's seed and has at least 10 * k points."
    ),
    "type": "number",
    "minimum": 0,
    "exclusiveMaximum": 1,
    "default": 0,
}
EARLY_STOPPING = {
    "description": (
        "Stop by the shared tolerance rule (fit.tol). faiss itself has no tolerance: with false, every fit "
        "runs exactly fit.max_iter iterations."
    ),
    "type": "boolean",
    "default": True,
}


def _integer(description: str, minimum: int, default: int) -> dict:
    return {"description": description, "type": "integer", "minimum": minimum, "default": default}


# The one parameter of a backend that needs the data in memory: fit on a sample of it.
SAMPLE = {
    "description": (
        "Fit on a seeded sample of this many points (the same rows at every k and init) instead of all of them, "
        "for data larger than the memory a fit job has; the inertia and every report stay on all points, and the "
        "records and the summary say the fit saw a sample. Not set: all points."
    ),
    "type": "integer",
    "minimum": 1,
}


@dataclass(frozen=True)
class Registered:
    """What the workflow and the reports know of a backend, without importing it."""

    target: str  # "module:Class"
    env: str  # conda environment of its fit jobs: envs/<env>.yaml
    exact: bool  # computes exact Lloyd (every assignment step is exact nearest-centroid search)
    description: str
    params: dict = field(default_factory=dict)  # parameter -> JSON schema (with its default)
    grid: tuple[str, ...] = ()  # parameters a ``grid`` may sweep (one backend per combination)
    gpus: int = 0  # GPUs a fit job requests (resources: gpu)
    fused: bool = False  # one job per (dataset, k) fits all inits together (rule fit_fused)
    in_memory: bool = False  # its fit takes the data as one array (backends.memory); else it streams it

    def schema(self) -> dict:
        """The JSON schema of this backend's config entry."""
        properties = dict(self.params)
        if self.grid:
            properties["grid"] = {
                "description": "Values to sweep, one backend per combination, named like <backend>-<key><value>.",
                "type": "object",
                "additionalProperties": False,
                "minProperties": 1,
                "properties": {
                    key: {
                        "type": "array",
                        "minItems": 1,
                        "uniqueItems": True,
                        "items": {k: v for k, v in self.params[key].items() if k not in ("default", "description")},
                    }
                    for key in self.grid
                },
            }
        return {
            "description": self.description,
            "type": "object",
            "additionalProperties": False,
            "properties": properties,
        }


_APPROX_NOTE = "Same shared start, stopping rule and all-point inertia as the exact backends."

REGISTRY: dict[str, Registered] = {
    "sklearn": Registered(
        "kmeans_study.backends.sklearn_backend:SklearnKMeans", "fit_sklearn", exact=True,
        description="scikit-learn KMeans (exact).",
        params={
            "algorithm": {
                "description": "scikit-learn's KMeans algorithm.",
                "enum": ["lloyd", "elkan"],
                "default": "lloyd",
            },
            "init": INIT_MODE,
            "sample": SAMPLE,
        },
        in_memory=True,
    ),
    "sklearnex": Registered(
        "kmeans_study.backends.sklearnex_backend:SklearnexKMeans", "fit_sklearnex", exact=True,
        description=(
            "scikit-learn-intelex KMeans (Intel oneDAL's exact Lloyd). It stops when the total squared centre "
            "shift is at most tol times the mean feature variance (no separate unchanged-labels test); its record "
            "states what else differs from scikit-learn."
        ),
        params={"init": INIT_MODE, "sample": SAMPLE},
        in_memory=True,
    ),
    "faiss": Registered(
        "kmeans_study.backends.faiss_backend:FaissExact", "fit_faiss", exact=True,
        description=(
            "faiss Kmeans trained on ALL points (faiss's default subsampling to 256 points per centroid is "
            "switched off) from the shared initial centroids."
        ),
        params={"early_stopping": EARLY_STOPPING, "init": INIT_MODE, "sample": SAMPLE},
        in_memory=True,
    ),
    "faiss_sampled": Registered(
        "kmeans_study.backends.faiss_backend:FaissSampled", "fit_faiss", exact=False,
        description=(
            "faiss Kmeans as the reference slides use it: training on a random subsample of at most "
            "max_points_per_centroid * k points, a fixed number of iterations, no tolerance."
        ),
        params={
            "niter": _integer("Number of iterations (faiss's default is 25; the slides use 20).", 1, 20),
            "max_points_per_centroid": _integer("faiss's subsampling bound (faiss's default).", 1, 256),
            "init": INIT_MODE,
        },
    ),
    "fused": Registered(
        "kmeans_study.backends.fused_backend:FusedLloyd", "fit_sklearn", exact=True, fused=True,
        description=(
            "Exact Lloyd with scikit-learn's stopping rule, all inits of one k fitted together in one job per "
            "(dataset, k): one pass over X per iteration for all of them, a compiled exact argmin and Elkan's or "
            "Hamerly's bounds to skip points that provably keep their centroid. Writes the same per-init outputs and "
            "records as the other backends (fit times attributed to the inits by their iterations). Shared "
            "starts only; a change of the inits reruns all of a k."
        ),
        params={"init": SHARED_ONLY},
    ),
    "faiss_gpu": Registered(
        "kmeans_study.backends.faiss_backend:FaissGpu", "fit_faiss_gpu", exact=True, gpus=1,
        description=(
            "The faiss backend on one GPU (faiss-gpu; envs/fit_faiss_gpu.yaml). Its fit jobs request resources "
            "gpu=1 and fail with a clear message where no GPU is visible. Do not select it on a machine without a GPU."
        ),
        params={"early_stopping": EARLY_STOPPING, "init": INIT_MODE, "sample": SAMPLE},
        in_memory=True,
    ),
    "faiss_ivf": Registered(
        "kmeans_study.backends.approx_backend:FaissIVF", "fit_faiss", exact=False,
        description=(
            "Lloyd with the reference's approximate assignment: each iteration builds a faiss IndexIVFFlat over "
            "the current centroids (nlist lists) and searches every point in nprobe of them. " + _APPROX_NOTE
        ),
        params={
            "nlist": _integer("IVF lists over the centroids (at most k are used).", 1, 64),
            "nprobe": _integer("IVF lists searched per point (nprobe = nlist is exact).", 1, 4),
            "warm_start": WARM_START,
            "init": SHARED_ONLY,
        },
        grid=("nlist", "nprobe", "warm_start"),
    ),
    "faiss_hnsw": Registered(
        "kmeans_study.backends.approx_backend:FaissHNSW", "fit_faiss", exact=False,
        description=(
            "Lloyd with each iteration's assignment searched in a faiss IndexHNSWFlat graph over the current "
            "centroids (M links per node, efSearch candidates). " + _APPROX_NOTE
        ),
        params={
            # faiss fails on a huge M and kills the process on a huge efSearch: bounded.
            "M": {**_integer("HNSW links per node.", 2, 16), "maximum": 1024},
            "efSearch": {**_integer("HNSW search breadth.", 1, 32), "maximum": 65536},
            "warm_start": WARM_START,
            "init": SHARED_ONLY,
        },
        grid=("M", "efSearch", "warm_start"),
    ),
    "restricted": Registered(
        "kmeans_study.backends.approx_backend:Restricted", "fit_faiss", exact=False,
        description=(
            "Lloyd where each point is scored only against the `candidates` centroids nearest its current "
            "centroid (one small matrix product per cluster), with a full exact pass at the first iteration, "
            "every `refresh` iterations (0 = never) and before it may stop, so a fit only stops where an exact "
            "pass confirms it. With candidates >= k it is exact Lloyd."
        ),
        params={
            "candidates": _integer("Centroids scored per point: those nearest its current one.", 1, 32),
            "refresh": _integer(
                "A full exact pass every this many iterations (0 = only the first and before stopping).", 0, 10
            ),
            "lists_every": _integer(
                "Recompute the candidate lists (each centroid's nearest centroids) every this many passes; 1 keeps "
                "them exact at every pass (only lists that may have changed are recomputed).", 1, 1,
            ),
            "warm_start": WARM_START,
            "init": SHARED_ONLY,
        },
        grid=("candidates", "refresh", "lists_every", "warm_start"),
    ),
    "bounded": Registered(
        "kmeans_study.backends.approx_backend:Bounded", "fit_faiss", exact=True,
        description=(
            "Exact Lloyd that scores few points: triangle-inequality bounds (Hamerly's) skip every point that "
            "provably keeps its cluster; the others are scored against the `candidates` centroids nearest their "
            "own, and against all centroids only when a neighbourhood bound cannot prove the nearest is among those."
        ),
        params={
            "candidates": _integer(
                "Centroids scored per point that its bounds cannot skip: those nearest its own.", 2, 32
            ),
            "warm_start": WARM_START,
            "init": SHARED_ONLY,
        },
        grid=("candidates", "warm_start"),
    ),
    "hybrid": Registered(
        "kmeans_study.backends.approx_backend:Hybrid", "fit_faiss", exact=True,
        description=(
            "The reference slides' hybrid initialisation: exact Lloyd (the core's exact strategy) "
            "on a random subset of warm_start * n points from the shared start, "
            "then on all points from the subset's centroids. Fit time covers both phases."
        ),
        params={"warm_start": {**WARM_START, "default": 0.1}, "init": SHARED_ONLY},
        grid=("warm_start",),
    ),
}


def get_backend(name: str, params: dict) -> Backend:
    """An instance of backend ``name`` with its parameters (as ``config.backend_params`` gives)."""
    if name not in REGISTRY:
        raise KeyError(f"unknown backend {name!r}; known: {', '.join(REGISTRY)}")
    module, cls = REGISTRY[name].target.split(":")
    return getattr(import_module(module), cls)(params)


__all__ = ["Backend", "BackendResult", "REGISTRY", "Registered", "get_backend"]
