"""The prepare step: source -> preprocessing -> float32 array + labels + metadata on disk, a block
of rows at a time.

Its passes over the source, each logged as progress (rows read of n):

1. the reading: every row checked (the file's own checks, ``finite.SourceCheck``) and the labels
   coded; when the number of rows is known beforehand (all but a CSV), the first statistic still
   needed, or else the output, is computed on the same pass;
2. one pass for each statistic still needed: the z-score's mean, its standard deviation, the
   PCA's scatter matrix (``preprocess.Preprocessing``);
3. the output: rows preprocessed, checked (``finite.PreparedCheck``), their distinct rows counted,
   hashed and written (``output.XOutput``); then the labels.

Memory: a few blocks of rows, the d x d scatter matrix, the distinct labels, the subsample's row
indices; what grows with the rows (a table's float64 copy, the labels' provisional codes, the
distinct count's buckets) goes to a scratch directory beside the outputs. Problems are raised in
the order the whole-array code found them, and nothing is written under the output names (nor
left behind) unless every check passed.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from kmeans_study import io
from kmeans_study.data.finite import PreparedCheck, SourceCheck
from kmeans_study.data.labels import LabelCoder
from kmeans_study.data.output import XOutput, write_labels
from kmeans_study.data.preprocess import Preprocessing
from kmeans_study.data.sources import open_source
from kmeans_study.data.stream import Block, DataError, Problems, Selection, Stream, selected
from kmeans_study.runtime import Progress, library_versions


def k_problem(dataset: str, k: int, n_distinct: int, n_rows: int) -> str | None:
    """Why ``k`` clusters cannot be fitted to the data, or None."""
    if k <= n_distinct:
        return None
    return (
        f"dataset {dataset}: k={k} exceeds its {n_distinct} distinct points ({n_rows} rows); "
        "lower the k range for this dataset"
    )


@contextmanager
def _scratch(directory: Path) -> Iterator[Path]:
    """A scratch directory inside ``directory`` (created if missing), removed at the end; on
    failure the directories created for it are removed too, so a refused dataset leaves nothing."""
    created = [p for p in (directory, *directory.parents) if not p.exists()]
    directory.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=directory, prefix=".prepare."))
    try:
        yield scratch
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        for path in created:
            try:
                path.rmdir()
            except OSError:
                break
        raise
    shutil.rmtree(scratch, ignore_errors=True)


def prepare_dataset(
    name: str, spec: dict, cache_dir: str | Path, out_X, out_labels, out_meta, max_k: int | None = None
) -> dict:
    """Load dataset ``name`` as its config entry ``spec`` says, preprocess, and write
    ``out_X`` (float32, n x d), ``out_labels`` (int64, n; -1 everywhere when unlabelled) and
    ``out_meta`` (JSON). With ``max_k``, refuse (writing nothing) data with fewer distinct points.
    Returns the metadata."""
    stream = open_source(name, spec, cache_dir)
    with _scratch(Path(out_X).parent) as scratch, io.atomic_path(out_X) as tmp_X, \
            io.atomic_path(out_labels) as tmp_labels:
        facts = _Preparation(name, spec, stream, scratch).run(tmp_X, tmp_labels, max_k)
    meta = {
        "dataset": name,
        "source": spec["source"],
        "config": spec,
        "dtype": "float32",
        "versions": library_versions(["numpy"]),
        **facts,
        **stream.info,
    }
    io.write_json(out_meta, meta)
    return meta


class _Output:
    """The output pass's consumer: rows preprocessed, then checked, counted, hashed and written."""

    def __init__(self, job: _Preparation, path: Path):
        pre = job.pre
        check = PreparedCheck(job.name, job.stream, pre.n, pre.rows, pca=pre.spec.get("pca") is not None)
        self.pre, self.problems, self.start = pre, job.problems, 0
        self.x = XOutput(path, (pre.n, pre.d_out), check, job.scratch)

    def feed(self, X: np.ndarray) -> None:
        prepared = self.pre.transform(X)
        self.x.feed(self.start, prepared, self.problems)
        self.start += prepared.shape[0]

    def finish(self) -> None:
        self.x.close()

    def abort(self) -> None:
        self.x.abort()


@contextmanager
def _finished(consumer) -> Iterator[None]:
    """Finish ``consumer`` (if any) after its pass; on failure, an output's writer is stopped."""
    try:
        yield
    except BaseException:
        if hasattr(consumer, "abort"):
            consumer.abort()
        raise
    if consumer is not None:
        consumer.finish()


class _Preparation:
    """One run of the prepare step over ``stream``, its scratch files in ``scratch``."""

    def __init__(self, name: str, spec: dict, stream: Stream, scratch: Path):
        self.name, self.spec, self.stream, self.scratch = name, spec, stream, scratch
        self.problems = Problems()
        self.pre = Preprocessing(spec, name)
        self.progress = Progress()
        self.passes = 0
        stream.use_scratch(scratch)

    def run(self, tmp_X: Path, tmp_labels: Path, max_k: int | None) -> dict:
        """Every pass; returns the facts of the metadata that the data decides."""
        stream, pre = self.stream, self.pre
        coder = None
        if stream.labels == "values":
            coder = LabelCoder(stream.label_column, Path(stream.info.get("origin", self.name)), stream.row_number,
                               spool=self.scratch / "labels.ids")
        first = None
        if stream.n and pre.problem(stream.n, stream.d) is None:  # rows known beforehand: fuse a pass
            pre.start(stream.n, stream.d, stream.column_major)
            first = pre.next_pass() or _Output(self, tmp_X)
        with _finished(first):
            self._read(coder, first)
            self.problems.raise_first()
        if first is None:
            pre.start(stream.n, stream.d, stream.column_major)
        while (consumer := pre.next_pass()) is not None:
            with _finished(consumer):
                self._pass(consumer, "statistics")
        output = first if isinstance(first, _Output) else _Output(self, tmp_X)
        if output is not first:
            with _finished(output):
                self._pass(output, "output")
        self.problems.raise_first()
        n_distinct = output.x.n_distinct()
        if n_distinct == 1:
            raise DataError(f"dataset {self.name}: every point is identical after preprocessing (all-constant data)")
        if max_k is not None and (problem := k_problem(self.name, max_k, n_distinct, pre.n)):
            raise DataError(problem)
        sha_labels, classes = write_labels(tmp_labels, self._labels(coder), pre.n, count=stream.labels != "none")
        return {
            "raw_shape": [stream.n, stream.d],
            "shape": [pre.n, pre.d_out],
            "preprocessing": pre.steps,
            "n_distinct_points": n_distinct,
            "has_labels": stream.labels != "none",
            "n_label_classes": classes,
            "sha256": {"X": output.x.sha.hexdigest(), "labels": sha_labels},
        }

    def _read(self, coder: LabelCoder | None, consumer) -> None:
        """The first pass: every row checked, the labels coded, the first consumer fed the rows studied."""
        check, selection = SourceCheck(self.name, self.stream), Selection(self.pre.rows)
        self.passes += 1
        for block in self.stream.blocks(self.problems):
            check.feed(block.start, block.X, self.problems)
            if coder is not None:
                coder.feed(block.start, block.labels, self.problems)
            if consumer is not None and (chosen := selection.take(block)) is not None:
                with np.errstate(all="ignore"):  # values a check refuses (NaN, inf) before they are used
                    consumer.feed(chosen.X)
            self._log("reading", block.start + block.X.shape[0], self.stream.n)

    def _pass(self, consumer, what: str) -> None:
        self.passes += 1
        for block in selected(self.stream.blocks(self.problems), self.pre.rows):
            consumer.feed(block.X)
            self._log(what, block.start + block.X.shape[0], self.pre.n)

    def _log(self, what: str, rows: int, n: int | None) -> None:
        self.progress("prepare %s: pass %d (%s), rows %d of %s", self.name, self.passes, what, rows,
                      "?" if n is None else n)

    def _labels(self, coder: LabelCoder | None) -> Iterator[Block]:
        """The prepared labels (codes of the rows studied; -1 without labels), block by block."""
        if self.stream.labels == "none":
            for rows in io.chunks(self.pre.n):
                yield Block(rows.start, np.zeros((rows.stop - rows.start, 0)), np.full(rows.stop - rows.start, -1))
            return
        if coder is not None:
            self.stream.info["label_names"] = coder.finish()
            blocks = coder.code_blocks()
        else:
            blocks = self.stream.label_blocks()
        yield from selected(blocks, self.pre.rows)
