"""Backends behind one interface, chosen by name. A new backend = one module + one line here.

The registry names classes by import path, so choosing a backend imports only its own library.
"""

from __future__ import annotations

from importlib import import_module

from kmeans_study.backends.base import Backend, BackendResult

REGISTRY: dict[str, str] = {
    "sklearn": "kmeans_study.backends.sklearn_backend:SklearnKMeans",
    "faiss": "kmeans_study.backends.faiss_backend:FaissExact",
    "faiss_sampled": "kmeans_study.backends.faiss_backend:FaissSampled",
}


def get_backend(name: str, params: dict) -> Backend:
    """An instance of backend ``name`` with its parameters (as ``config.backend_params`` gives)."""
    if name not in REGISTRY:
        raise KeyError(f"unknown backend {name!r}; known: {', '.join(REGISTRY)}")
    module, cls = REGISTRY[name].split(":")
    return getattr(import_module(module), cls)(params)


__all__ = ["Backend", "BackendResult", "REGISTRY", "get_backend"]
