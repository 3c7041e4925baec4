"""The reference's approximate assignment: a faiss index over the current centroids, rebuilt every
iteration, searched for each point's nearest centroid: ``IVFStrategy`` (an ``IndexIVFFlat``,
``nlist`` lists, ``nprobe`` probed) and ``HNSWStrategy`` (an ``IndexHNSWFlat`` graph, ``M`` links,
``efSearch`` candidates). A point the index finds no centroid for is assigned exactly.
"""

from __future__ import annotations

import numpy as np

from kmeans_study.lloyd.engine import LabelStrategy
from kmeans_study.lloyd.exact import exact_labels


class _FaissIndexStrategy(LabelStrategy):
    """An approximate faiss index over the current centroids, rebuilt every iteration."""

    def start(self, state, threads):
        import faiss

        super().start(state, threads)
        faiss.omp_set_num_threads(max(1, threads))
        self.faiss = faiss

    def labels(self, X, C, labels, iteration, force_full=False):
        index = self.build(np.ascontiguousarray(C, dtype=np.float32))
        _, found = index.search(X, 1)
        found = found[:, 0].astype(np.int64)
        # faiss returns -1 for a point whose probed lists hold no centroid: score it exactly.
        missing = np.flatnonzero(found < 0)
        if missing.size:
            found[missing] = exact_labels(X[missing], C)
        return found, False


class IVFStrategy(_FaissIndexStrategy):
    name = "ivf"

    def __init__(self, nlist: int, nprobe: int):
        self.nlist, self.nprobe = nlist, nprobe

    def build(self, C):
        faiss = self.faiss
        nlist = min(self.nlist, C.shape[0])
        quantizer = faiss.IndexFlatL2(C.shape[1])
        index = faiss.IndexIVFFlat(quantizer, C.shape[1], nlist)
        index.cp.min_points_per_centroid = 1  # k centroids train nlist lists; no warning
        index.train(C)
        index.add(C)
        index.nprobe = min(self.nprobe, nlist)
        self._quantizer = quantizer  # the index does not own it
        return index

    def describe(self, j: int = 0) -> dict:
        return {
            "assignment": (
                f"faiss IndexIVFFlat over the current centroids, rebuilt every iteration "
                f"(nlist={self.nlist}, nprobe={self.nprobe})"
            ),
            "nlist": self.nlist,
            "nprobe": self.nprobe,
        }


class HNSWStrategy(_FaissIndexStrategy):
    name = "hnsw"

    def __init__(self, M: int, efSearch: int, efConstruction: int = 40):
        self.M, self.efSearch, self.efConstruction = M, efSearch, efConstruction

    def build(self, C):
        index = self.faiss.IndexHNSWFlat(C.shape[1], self.M)
        index.hnsw.efConstruction = self.efConstruction
        index.add(C)
        index.hnsw.efSearch = self.efSearch
        return index

    def describe(self, j: int = 0) -> dict:
        return {
            "assignment": (
                f"faiss IndexHNSWFlat over the current centroids, rebuilt every iteration "
                f"(M={self.M}, efSearch={self.efSearch}, efConstruction={self.efConstruction})"
            ),
            "M": self.M,
            "efSearch": self.efSearch,
            "efConstruction": self.efConstruction,
        }
