"""Large-k benchmark: exact faiss against the fastest strategies, one fit at a time.

The large-k study (workflow/configs/large_k.yaml) runs two fit jobs side by side on 2 cores, so
its fit times include whatever ran beside each job. This reruns chosen backends of a completed
study alone, one after the other, with the job's thread count, from the same shared start, and
prints fit time, speedup over exact faiss, inertia gap (all points) and the BLAS kernels:

    .venv/bin/python -m benchmarks.large_k        # make benchmark-large-k
    .venv/bin/python -m benchmarks.large_k --directory /tmp/lk \
        --backends faiss restricted-candidates16-lists_every5-refresh0   # without the study

By default it takes, per k, exact faiss plus the fastest setting of every backend family whose
median inertia gap in results/<dataset>/pareto.csv is within the study's inertia budget. With
``--backends`` no study is needed: missing data and starts are prepared as the study prepares
them (same files, same seeds).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks.common import ROOT
from kmeans_study import io, paths
from kmeans_study.config.file import load_config
from kmeans_study.config.study import backend_params, base_backend, init_seed, reference_backend


def chosen_backends(pareto, k: int, reference: str) -> list[str]:
    """The reference, then the fastest within-budget setting of each family at ``k``."""
    block = pareto[(pareto["k"] == k) & (pareto["inertia_gap_median"] <= pareto["inertia_budget"])]
    block = block.assign(family=block["backend"].str.split("-").str[0]).sort_values("fit_wall_s_median")
    picks = block.drop_duplicates("family")["backend"].tolist()
    return [reference] + [b for b in picks if b != reference]


def ensure_inputs(config: dict, dataset: str, base: Path, ks: list[int]) -> None:
    """The dataset's prepared array and each k's shared start of init 0, as the study makes them,
    where they are missing."""
    from kmeans_study.data.prepare import prepare_dataset
    from kmeans_study.lloyd.starts import kmeans_plusplus

    X_path = base / paths.fmt(paths.DATA_X, dataset=dataset)
    if not X_path.exists():
        X_path.parent.mkdir(parents=True, exist_ok=True)
        prepare_dataset(dataset, config["datasets"][dataset], base / config["cache_dir"], X_path,
                        base / paths.fmt(paths.DATA_LABELS, dataset=dataset),
                        base / paths.fmt(paths.DATA_META, dataset=dataset))
    for k in ks:
        init = base / paths.fmt(paths.START, dataset=dataset, k=k, init_id=0)
        if not init.exists():
            init.parent.mkdir(parents=True, exist_ok=True)
            io.save_npy(init, kmeans_plusplus(io.load_npy(X_path, mmap=True), k, init_seed(config, dataset, k, 0)))


def main(argv=None) -> None:
    import numpy as np
    import pandas as pd

    from kmeans_study.backends.run import run_fit
    from kmeans_study.runtime import limit_threads, native_libraries

    parser = argparse.ArgumentParser(prog="python -m benchmarks.large_k", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default=str(ROOT / "workflow" / "configs" / "large_k.yaml"))
    parser.add_argument("--directory", default=".", help="where the study ran (its results/ is read)")
    parser.add_argument("--ks", type=int, nargs="+", default=[1024, 4096])
    parser.add_argument("--backends", nargs="+", help="backend names (default: chosen from pareto.csv)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    config = load_config(args.config)
    base = Path(args.directory)
    reference = reference_backend(config)
    rows = []
    for dataset in config["datasets"]:
        if args.backends:
            with limit_threads(args.threads):
                ensure_inputs(config, dataset, base, args.ks)
        X = io.load_npy(base / paths.fmt(paths.DATA_X, dataset=dataset), mmap=True)
        pareto = None if args.backends else pd.read_csv(base / paths.fmt(paths.PARETO, dataset=dataset))
        for k in args.ks:
            init = io.load_npy(base / paths.fmt(paths.START, dataset=dataset, k=k, init_id=0))
            names = args.backends or chosen_backends(pareto, k, reference)
            ref_inertia = ref_time = ref_cpu = None
            for name in names:
                _, _, record = run_fit(
                    X, init, backend=name, params=backend_params(config, name), k=k,
                    seed=init_seed(config, dataset, k, 0), threads=args.threads, dataset=dataset, init_id=0,
                    base_backend=base_backend(config, name),
                )
                if name == reference:
                    ref_inertia, ref_time, ref_cpu = record["inertia"], record["fit_wall_s"], record["fit_cpu_s"]
                row = {
                    "dataset": dataset, "k": k, "backend": name, "fit_wall_s": record["fit_wall_s"],
                    "fit_cpu_s": record["fit_cpu_s"], "n_iter": record["n_iter"],
                    "stopped_by": record["details"].get("stopped_by"),
                    "speedup_vs_reference": ref_time / record["fit_wall_s"],
                    "speedup_cpu": ref_cpu / record["fit_cpu_s"],
                    "inertia_gap": record["inertia"] / ref_inertia - 1,
                    "exact_assignment_fraction": record["own_assignment_exact_fraction"],
                }
                rows.append(row)
                print(json.dumps(row), flush=True)
    print(pd.DataFrame(rows).to_string(index=False))
    kernels = {Path(lib["filepath"]).name: lib["architecture"]
               for lib in native_libraries() if lib["internal_api"] == "openblas"}
    print(f"threads per fit: {args.threads}; reference: {reference}; BLAS kernels: {kernels}")
    print(f"numpy {np.__version__}")


if __name__ == "__main__":
    main()
