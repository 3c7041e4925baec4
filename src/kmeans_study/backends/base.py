"""The interface every backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np


class BackendUnavailable(RuntimeError):
    """The backend cannot run here (for example a GPU backend where no GPU is visible)."""


@dataclass
class BackendResult:
    """What a backend returns.

    centroids : ndarray (k, d), float32. n_iter : Lloyd iterations run. converged : whether the
    backend stopped by its stopping rule (None when it has none). objective : the backend's own
    figure of merit, described in ``details["objective"]`` (it is NOT comparable across backends;
    the runner recomputes inertia on all points for that). details : what the backend actually did.
    """

    centroids: np.ndarray
    n_iter: int
    converged: bool | None
    objective: float | None
    details: dict = field(default_factory=dict)


class Backend(ABC):
    """A k-means implementation. ``params`` holds its config entry plus max_iter and tol."""

    name: ClassVar[str]
    # Modules the fit imports: loaded before the thread limits are set, so the limits reach them.
    libraries: ClassVar[list[str]] = ["numpy"]

    def __init__(self, params: dict):
        self.params = params

    @property
    def uses_shared_init(self) -> bool:
        return self.params.get("init", "shared") == "shared"

    @abstractmethod
    def fit(self, X: np.ndarray, start: np.ndarray | None, k: int, seed: int, threads: int) -> BackendResult:
        """Fit k centroids to X (n, d) float32, starting from the centroids ``start`` (k, d) float32,
        or from the backend's own initialisation seeded by ``seed`` when ``start`` is None."""

    def own_assignment(self, X: np.ndarray, centroids: np.ndarray) -> np.ndarray | None:
        """The backend's own assignment of X to ``centroids`` after ``fit`` (None: exact search,
        nothing to compare). Approximate backends override it."""
        return None
