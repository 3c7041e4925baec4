"""Backends behind one interface, chosen by name. A new backend = one module + one line here.

The registry names classes by import path, so choosing a backend imports only its own library.
"""

from __future__ import annotations

from importlib import import_module
from typing import NamedTuple

from kmeans_study.backends.base import Backend, BackendResult


class Registered(NamedTuple):
    target: str  # "module:Class"
    env: str  # conda environment of its fit jobs: envs/<env>.yaml
    gpus: int = 0  # GPUs a fit job requests (resources: gpu)
    per_k: bool = False  # one job per (dataset, k) fits all inits together (rule fit_fused)


REGISTRY: dict[str, Registered] = {
    "sklearn": Registered("kmeans_study.backends.sklearn_backend:SklearnKMeans", "fit_sklearn"),
    "sklearnex": Registered("kmeans_study.backends.sklearnex_backend:SklearnexKMeans", "fit_sklearnex"),
    "faiss": Registered("kmeans_study.backends.faiss_backend:FaissExact", "fit_faiss"),
    "faiss_sampled": Registered("kmeans_study.backends.faiss_backend:FaissSampled", "fit_faiss"),
    "fused": Registered("kmeans_study.backends.fused_backend:FusedLloyd", "fit_sklearn", per_k=True),
    "faiss_gpu": Registered("kmeans_study.backends.faiss_backend:FaissGpu", "fit_faiss_gpu", gpus=1),
    "faiss_ivf": Registered("kmeans_study.backends.approx_backend:FaissIVF", "fit_faiss"),
    "faiss_hnsw": Registered("kmeans_study.backends.approx_backend:FaissHNSW", "fit_faiss"),
    "restricted": Registered("kmeans_study.backends.approx_backend:Restricted", "fit_faiss"),
    "bounded": Registered("kmeans_study.backends.approx_backend:Bounded", "fit_faiss"),
    "hybrid": Registered("kmeans_study.backends.approx_backend:Hybrid", "fit_faiss"),
}


def get_backend(name: str, params: dict) -> Backend:
    """An instance of backend ``name`` with its parameters (as ``config.backend_params`` gives)."""
    if name not in REGISTRY:
        raise KeyError(f"unknown backend {name!r}; known: {', '.join(REGISTRY)}")
    module, cls = REGISTRY[name].target.split(":")
    return getattr(import_module(module), cls)(params)


__all__ = ["Backend", "BackendResult", "REGISTRY", "Registered", "get_backend"]
