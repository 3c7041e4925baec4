"""Where the per-init fit jobs' wall went in a finished study (issue 21): per backend, the jobs'
wall (Snakemake's benchmark files), the fits' and the evaluations' (their records), the share of
the wall spent fitting and evaluating, and the median overhead per job.

    python -m benchmarks.fit_share RESULTS     # e.g. results/ after make run

Works on the results of any version of the study since the records said ``eval_wall_s``.
"""

from __future__ import annotations

import csv
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path


def shares(results: Path) -> dict[str, dict]:
    rows = defaultdict(list)
    for tsv in sorted((results / "benchmarks" / "fit").glob("*/*/k*/init*.tsv")):
        dataset, backend, k, init = tsv.parts[-4], tsv.parts[-3], tsv.parts[-2], tsv.stem
        with tsv.open() as fh:
            wall = float(next(csv.DictReader(fh, delimiter="\t"))["s"])
        record = json.loads((results / dataset / "fit" / backend / k / init / "record.json").read_text())
        rows[backend].append((wall, record["fit_wall_s"], record["eval_wall_s"]))
    rows["all per-init"] = [row for backend in list(rows) for row in rows[backend]]
    return {backend: {"jobs": len(r), "wall_s": sum(x[0] for x in r), "fit_s": sum(x[1] for x in r),
                      "eval_s": sum(x[2] for x in r),
                      "median_overhead_s": statistics.median(x[0] - x[1] - x[2] for x in r)}
            for backend, r in rows.items()}


def main(argv: list[str]) -> None:
    for backend, s in shares(Path(argv[0])).items():
        print(f"{backend:14s} jobs {s['jobs']:4d}  wall {s['wall_s']:7.1f} s  fit {s['fit_s']:6.1f} s "
              f"({100 * s['fit_s'] / s['wall_s']:4.1f}%)  evaluation {s['eval_s']:6.1f} s "
              f"({100 * s['eval_s'] / s['wall_s']:4.1f}%)  median overhead {s['median_overhead_s']:.2f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
