"""Embeddings-like data generated a block of rows at a time: ``n_samples`` unit vectors of
``n_features`` float32 around ``n_clusters`` directions, labelled by cluster.

A point of cluster c is the cluster's direction (a random unit vector) plus Gaussian noise of
standard deviation spread_c / sqrt(n_features) per feature, normalised to unit length: a von
Mises-Fisher-like cluster whose points have a cosine of about 1 / sqrt(1 + spread_c**2) to its
direction. The clusters' shares of the points are proportional to 1 / rank**size_exponent (Zipf,
the ranks in a random order of the clusters) and their spreads log-uniform in [spread_min,
spread_max], so clusters differ in size and spread as real embeddings' do.

Three generators spawned from one ``SeedSequence(seed)`` draw the parameters, the labels and the
noise; a numpy generator gives the same numbers drawn at once or in parts, so the data is the
same whatever the block size (tested).

``python -m kmeans_study.data.embeddings OUT.npy|OUT.parquet [--n-samples N ...]`` writes the same
data to a file a block at a time, in memory independent of N: a .npy whose last column is the
label (a `file` dataset with ``label_column: -1``), or a .parquet with float32 columns f0, f1, ...
and an int64 column ``label`` (``label_column: label``). The file source then gives the generated
source's X and labels (its label codes are the cluster numbers when every cluster has a point).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from kmeans_study import io
from kmeans_study.data.sources import SOURCES
from kmeans_study.data.stream import Block, DataError, Problems, Stream

ROW_GROUP_BLOCKS = 32  # blocks of CHUNK_ROWS rows per parquet row group (64k rows)


class EmbeddingsStream(Stream):
    """The generated points (float32, n x d) and their clusters (int64), a block at a time."""

    def __init__(self, spec: dict):
        super().__init__(n=spec["n_samples"], d=spec["n_features"], dtype=np.dtype(np.float32), labels="codes",
                         info={"origin": "kmeans_study.data.embeddings"})
        self.spec = spec

    def _generators(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.random.Generator, np.random.Generator]:
        """(directions (k, d), cumulative cluster shares (k,), spreads (k,), the labels' generator,
        the noise's generator), fresh for each reading."""
        spec = self.spec
        k, d = spec["n_clusters"], spec["n_features"]
        params, labels, noise = (np.random.default_rng(s) for s in np.random.SeedSequence(spec["seed"]).spawn(3))
        directions = params.standard_normal((k, d))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        shares = 1.0 / np.arange(1, k + 1) ** spec["size_exponent"]
        shares = shares[params.permutation(k)]
        spreads = np.exp(params.uniform(np.log(spec["spread_min"]), np.log(spec["spread_max"]), size=k))
        return directions.astype(np.float32), np.cumsum(shares / shares.sum()), spreads, labels, noise

    @staticmethod
    def _clusters(cumulative: np.ndarray, rng: np.random.Generator, m: int) -> np.ndarray:
        return np.minimum(np.searchsorted(cumulative, rng.random(m), side="right"), len(cumulative) - 1)

    def blocks(self, problems: Problems) -> Iterator[Block]:
        directions, cumulative, spreads, label_rng, noise_rng = self._generators()
        scale = (spreads / np.sqrt(self.d)).astype(np.float32)
        for rows in io.chunks(self.n):
            m = rows.stop - rows.start
            y = self._clusters(cumulative, label_rng, m)
            X = directions[y] + noise_rng.standard_normal((m, self.d), dtype=np.float32) * scale[y, None]
            X64 = X.astype(np.float64)
            X64 /= np.sqrt(np.square(X64).sum(axis=1, keepdims=True))
            yield Block(rows.start, X64.astype(np.float32), y.astype(np.int64))

    def label_blocks(self) -> Iterator[Block]:
        _, cumulative, _, label_rng, _ = self._generators()
        for rows in io.chunks(self.n):
            m = rows.stop - rows.start
            yield Block(rows.start, np.zeros((m, 0), dtype=np.float32), self._clusters(cumulative, label_rng, m))


def load(name: str, spec: dict, cache_dir: Path | None = None) -> EmbeddingsStream:
    if spec["spread_min"] > spec["spread_max"]:
        raise DataError(
            f"config key 'datasets.{name}.spread_max': {spec['spread_max']} is below spread_min ({spec['spread_min']})"
        )
    return EmbeddingsStream(spec)


def write(path: Path, spec: dict) -> None:
    """Write the generated data to ``path`` (.npy: the label as the last column; .parquet: columns
    f0 .. and label), a block at a time, atomically."""
    stream = load("embeddings", spec)
    with io.atomic_path(path) as tmp:
        if path.suffix == ".npy":
            with io.open_temporary(tmp) as fh:
                writer = io.NpyWriter(fh, (stream.n, stream.d + 1), np.float32)
                for block in stream.blocks(Problems()):
                    writer.write(np.column_stack((block.X, block.labels.astype(np.float32))))
                writer.close()
        else:
            _write_parquet(tmp, stream)


def _write_parquet(path: Path, stream: EmbeddingsStream) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([pa.field(f"f{j}", pa.float32()) for j in range(stream.d)] + [pa.field("label", pa.int64())])
    group: list[Block] = []
    with pq.ParquetWriter(path, schema) as writer:
        for block in stream.blocks(Problems()):
            group.append(block)
            if len(group) == ROW_GROUP_BLOCKS or block.start + len(block.X) == stream.n:
                X = np.concatenate([b.X for b in group])
                labels = np.concatenate([b.labels for b in group])
                arrays = [pa.array(X[:, j]) for j in range(stream.d)] + [pa.array(labels)]
                writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
                group = []


def main(argv: list[str] | None = None) -> None:
    options = SOURCES["embeddings"].options
    parser = argparse.ArgumentParser(prog="python -m kmeans_study.data.embeddings",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the file to write: .npy or .parquet")
    for name, schema in options.items():
        kind = int if schema["type"] == "integer" else float
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind, default=schema["default"],
                            help=f"{schema['description']} (default {schema['default']})")
    args = parser.parse_args(argv)
    if args.out.suffix not in (".npy", ".parquet"):
        parser.error(f"{args.out}: write a .npy or a .parquet file")
    try:
        write(args.out, {name: getattr(args, name) for name in options})
    except DataError as exc:
        parser.error(str(exc))


if __name__ == "__main__":
    main(sys.argv[1:])
