"""``python -m benchmarks``: the parts chosen (``--parts``) on each dataset, their figures printed,
everything written to results/benchmark/benchmark.json (see the package's docstring)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from benchmarks import bounds, iteration, jobs, memory, pipeline, startup, sweep
from benchmarks.common import DATASETS, INITS, KS, ROOT, prepared

PARTS = ["jobs", "pipeline", "sweep", "iteration", "bounds", "memory", "startup"]
# The parts that measure a dataset's prepared array (the pipeline prepares its own).
ON_DATA = {"sweep", "iteration", "bounds", "memory"}


def kernels_used() -> list[str]:
    """The BLAS/OpenMP libraries loaded here with the kernel each uses, and oneDAL's threads."""
    from kmeans_study.runtime import native_libraries

    lines = [f"{lib.get('internal_api')} {lib.get('version')} {lib.get('architecture') or ''} threads="
             f"{lib.get('num_threads')} {Path(lib.get('filepath') or '').name}" for lib in native_libraries()]
    if "daal4py" in sys.modules:
        lines.append(f"oneDAL (scikit-learn-intelex) on TBB: {sys.modules['daal4py'].num_threads()} thread(s)"
                     " (set by daal4py.daalinit; threadpoolctl does not see TBB)")
    return lines


def arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description="The performance benchmark. A script that prints figures, not a test.")
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--parts", nargs="+", default=PARTS, choices=PARTS)
    parser.add_argument("--ks", type=int, nargs="+", default=KS, help="k values of the sweep (default 5..15)")
    parser.add_argument("--repeats", type=int, default=1, help="sweep repetitions per k (medians)")
    parser.add_argument("--cores", type=int, default=os.cpu_count())
    parser.add_argument("--out", default=str(ROOT / "results" / "benchmark"))
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = arguments(argv)
    out = Path(args.out)
    report: dict = {"cores": args.cores, "parts": args.parts, "datasets": {}}
    print(f"cores: {args.cores}; k = {KS[0]}..{KS[-1]}, {INITS} inits per k; parts: {', '.join(args.parts)}")
    for name in args.datasets:
        result: dict = {}
        report["datasets"][name] = result
        if "jobs" in args.parts:
            result["jobs"] = jobs.run(name, out / name / "jobs", args.cores)
        if "pipeline" in args.parts:
            result.update(pipeline.run(name, out / name, args.cores))
        X_path = prepared(name, out) if ON_DATA & set(args.parts) else None
        if "sweep" in args.parts:
            result["sweep"] = sweep.run(X_path, name, args.ks, args.repeats)
        if "iteration" in args.parts:
            result["iteration"] = iteration.run(X_path, name)
        if "bounds" in args.parts:
            result["bounds"] = bounds.run(X_path, name, args.ks)
        if "memory" in args.parts:
            result["memory_mb"] = memory.run(X_path, name, threads=1)
    if "startup" in args.parts:
        report["startup"] = startup.run()
    report["kernels"] = kernels_used()
    print("\nBLAS/OpenMP libraries loaded in this process and the kernel each uses:")
    for line in report["kernels"]:
        print(f"   {line}")
    out.mkdir(parents=True, exist_ok=True)
    (out / "benchmark.json").write_text(json.dumps(report, indent=1, default=str))
    print(f"\nwritten: {out / 'benchmark.json'}")


if __name__ == "__main__":
    main()
