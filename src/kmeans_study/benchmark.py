"""The performance benchmark: the reference notebook's loop against the pipeline. A script that
prints figures, not a test.

    make benchmark          # = .venv/bin/python -m kmeans_study.benchmark --cores 2
    .venv/bin/python -m kmeans_study.benchmark --datasets mnist5k     # the small one only

For each dataset (k = 5..15, 10 inits, z-scored):
1. The pipeline, ``snakemake --cores N`` from empty results with the fused backend, then the
   notebook loop on the very array the pipeline prepared: scikit-learn ``KMeans(n_clusters=k,
   n_init=1, random_state=seed)`` in one ``multiprocessing.Process`` per (k, init id), one after
   another, with the pipeline's seed of that (k, init id) (the pipeline's k-means++ follows
   scikit-learn's random stream, so both start from the same centroids). Both wall times, the
   best inertia per k of each (both recomputed on all points in float64) and how many of the
   fits give the same labelling.
2. Pipeline overhead: wall minus the jobs' own compute (the CPU seconds each job's step used, as
   its log records them) divided by the cores; initialisation shown apart.
3. Seconds per Lloyd iteration of each exact backend at k = 10 (20 iterations, no tolerance, the
   same starts) divided by the floor measured in the same process: one ``X @ C.T`` for the
   centroids the backend iterates plus one pass over X (a column sum).
4. Peak memory of one fit job of each exact backend (the job's step run in a child process whose
   /proc status is sampled every 5 ms), anonymous (copies, work arrays) and file-backed (the
   memory-mapped data) apart, against the data size and a child that only maps the data.
Everything is written under results/benchmark/ (the working directories and benchmark.json).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
KS = list(range(5, 16))
INITS = 10
SEED = 0
DATASETS = {
    "mnist5k": {"source": "mnist5k"},
    "fashion_mnist": {"source": "fashion_mnist", "split": "train"},
}
BACKEND = "fused"
ITERATION_K = 10
ITERATIONS = 20


def study_config(name: str) -> dict:
    return {"seed": SEED, "k": {"min": KS[0], "max": KS[-1]}, "inits": INITS,
            "datasets": {name: DATASETS[name]}, "backends": {BACKEND: {}}}


def seeds(name: str) -> dict[tuple[int, int], int]:
    from kmeans_study.config import init_seed

    return {(k, i): init_seed(study_config(name), name, k, i) for k in KS for i in range(INITS)}


# 1. The pipeline and the notebook loop ---------------------------------------------------------

def run_pipeline(name: str, workdir: Path, cores: int) -> dict:
    import yaml

    workdir.mkdir(parents=True, exist_ok=True)
    for stale in ("results", ".snakemake"):
        subprocess.run(["rm", "-rf", str(workdir / stale)], check=True)
    (workdir / "config.yaml").write_text(yaml.safe_dump(study_config(name)))
    snakemake = str(Path(sys.executable).with_name("snakemake"))
    command = [snakemake, "-s", str(ROOT / "Snakefile"), "--directory", str(workdir), "--configfile",
               str(workdir / "config.yaml"), "--workflow-profile", str(ROOT / "workflow/profiles/default"),
               "--cores", str(cores), "--quiet", "all"]
    start = time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if run.returncode != 0:
        sys.exit(f"pipeline failed on {name}:\n{run.stderr[-3000:]}")
    results = workdir / "results"
    fits = results / name / "fit" / BACKEND
    inertia = {(k, i): json.loads((fits / f"k{k}" / f"init{i}" / "record.json").read_text())["inertia"]
               for k in KS for i in range(INITS)}
    steps: dict[str, dict] = {}
    for log in (results / "logs").rglob("*.log"):
        match = re.search(r"done (\w+) in ([\d.]+) s \(cpu ([\d.]+) s\)", log.read_text())
        if match:
            step = steps.setdefault(match.group(1), {"jobs": 0, "wall_s": 0.0, "cpu_s": 0.0})
            step["jobs"] += 1
            step["wall_s"] += float(match.group(2))
            step["cpu_s"] += float(match.group(3))
    return {"wall_s": wall, "inertia": inertia, "steps": steps, "fits": str(fits),
            "X": str(results / name / "data" / "X.npy")}


def _notebook_fit(X, k, seed, queue):
    from sklearn.cluster import KMeans

    model = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(X)
    queue.put(model.cluster_centers_.astype(np.float32))


def notebook_loop(X_path: str, seed_items: list, out_path: str) -> None:
    """The reference loop: one process per (k, init id), one at a time, on the z-scored array;
    writes its wall time and every fit's centroids to ``out_path`` (.npz)."""
    import sklearn.cluster  # noqa: F401 (the notebook imports it before the loop; forked children inherit it)

    X = np.load(X_path)
    context = multiprocessing.get_context("fork")
    centroids = {}
    start = time.perf_counter()
    for k, init_id, seed in seed_items:
        queue = context.Queue()
        process = context.Process(target=_notebook_fit, args=(X, k, seed, queue))
        process.start()
        centroids[f"k{k}_init{init_id}"] = queue.get()
        process.join()
    np.savez(out_path, wall_s=time.perf_counter() - start, **centroids)


def run_notebook(X_path: str, seed_of: dict, workdir: Path) -> dict:
    """``notebook_loop`` in a fresh interpreter, as a notebook's kernel runs it (forking from this
    process, whose BLAS and OpenMP thread pools are running by now, could deadlock the child)."""
    out = workdir / "notebook.npz"
    items = [[k, i, seed] for (k, i), seed in seed_of.items()]
    code = "import json, sys; from kmeans_study.benchmark import notebook_loop; notebook_loop(*json.loads(sys.argv[1]))"
    subprocess.run([sys.executable, "-c", code, json.dumps([X_path, items, str(out)])], check=True)
    with np.load(out) as saved:
        return {"wall_s": float(saved["wall_s"]),
                "centroids": {(k, i): saved[f"k{k}_init{i}"] for (k, i) in seed_of}}


def compare(X_path: str, pipeline: dict, notebook: dict, threads: int) -> dict:
    """Best inertia per k of each (both on all points, float64), and equal labellings."""
    from kmeans_study.fused import evaluate_many

    X = np.load(X_path, mmap_mode="r")
    gaps, same_labels, rel = {}, 0, []
    for k in KS:
        evaluated = evaluate_many(X, [notebook["centroids"][k, i] for i in range(INITS)], threads)
        ours = [pipeline["inertia"][k, i] for i in range(INITS)]
        theirs = [inertia for _, inertia, _ in evaluated]
        gaps[k] = min(ours) / min(theirs) - 1
        for i, (labels, inertia, _) in enumerate(evaluated):
            fit = np.load(Path(pipeline["fits"]) / f"k{k}" / f"init{i}" / "labels.npy")
            same_labels += bool(np.array_equal(fit, labels))
            rel.append(abs(ours[i] / inertia - 1))
    return {"best_inertia_rel_gap": gaps, "identical_labellings": same_labels, "fits": len(KS) * INITS,
            "median_fit_inertia_rel_diff": float(np.median(rel))}


# 2. Overhead -----------------------------------------------------------------------------------

def overhead(pipeline: dict, cores: int) -> dict:
    compute = sum(step["cpu_s"] for step in pipeline["steps"].values())
    ideal = compute / cores
    return {"compute_cpu_s": compute, "ideal_wall_s": ideal, "overhead_s": pipeline["wall_s"] - ideal,
            "overhead_fraction": (pipeline["wall_s"] - ideal) / pipeline["wall_s"],
            "init_cpu_s": pipeline["steps"].get("init_centroids", {}).get("cpu_s", 0.0)}


# 3. Seconds per Lloyd iteration against the floor ----------------------------------------------

def _best_of(fn, repeats: int = 3) -> float:
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def per_iteration(X_path: str, name: str, threads: int) -> dict:
    """Seconds per Lloyd iteration at k = 10 over 20 iterations (no tolerance), against the floor."""
    from threadpoolctl import threadpool_limits

    from kmeans_study.backends import get_backend
    from kmeans_study.fused import fused_lloyd
    from kmeans_study.init import kmeans_plusplus_many
    from kmeans_study.runtime import limit_threads

    X = np.load(X_path, mmap_mode="r")
    X_mem = np.asarray(X)
    k = ITERATION_K
    seed_of = seeds(name)
    inits = kmeans_plusplus_many(X, k, [seed_of[k, i] for i in range(INITS)])
    out: dict = {"k": k, "iterations": ITERATIONS, "seconds_per_iteration": {}, "floor_s": {}, "ratio_to_floor": {}}
    stop = {"max_iter": ITERATIONS, "tol": 0.0}
    with limit_threads(threads):
        one = _best_of(lambda: X_mem @ inits[0].T) + _best_of(lambda: X_mem.sum(axis=0))
        stacked = np.concatenate(inits)
        many = _best_of(lambda: X_mem @ stacked.T) + _best_of(lambda: X_mem.sum(axis=0))
        for backend, options in (("sklearn", {}), ("faiss", {"early_stopping": False})):
            fit = get_backend(backend, params_of(backend, options, stop))
            warm_up = get_backend(backend, params_of(backend, options, {"max_iter": 1, "tol": 0.0}))
            warm_up.fit(X_mem, inits[0], k, 0, threads)  # imports and first-call costs are not iterations
            start = time.perf_counter()
            result = fit.fit(X_mem, inits[0], k, 0, threads)
            out["seconds_per_iteration"][backend] = (time.perf_counter() - start) / result.n_iter
            out["floor_s"][backend] = one
    with threadpool_limits(1):  # the fused engine's own threads each run a one-thread BLAS
        fused_lloyd(X, inits, 1, 0.0, threads)
        start = time.perf_counter()
        fits = fused_lloyd(X, inits, ITERATIONS, 0.0, threads)
        wall = time.perf_counter() - start
    label = f"fused ({INITS} inits per pass)"
    out["seconds_per_iteration"][label] = wall / max(f.n_iter for f in fits)
    out["floor_s"][label] = many
    out["fused_all_inits_ran_every_iteration"] = all(f.n_iter == ITERATIONS for f in fits)
    for backend, seconds in out["seconds_per_iteration"].items():
        out["ratio_to_floor"][backend] = seconds / out["floor_s"][backend]
    return out


# 4. Peak memory of a fit job -------------------------------------------------------------------

def params_of(backend: str, options: dict | None = None, fit: dict | None = None) -> dict:
    """A backend's parameters exactly as a fit job gets them (schema defaults filled in)."""
    from kmeans_study.config import backend_params, validate_config

    config = validate_config({"datasets": {"any": {"source": "uniform"}}, "backends": {backend: options or {}},
                              **({"fit": fit} if fit else {})})
    return backend_params(config, backend)


def memory_child() -> None:
    """The child of ``_sampled``: one fit job's step (or, for backend null, the interpreter with
    the package and numpy, and the data mapped but not read)."""
    from kmeans_study import io, steps

    spec = json.loads(sys.argv[1])
    backend, out = spec["backend"], spec["out"]
    if backend is None:
        io.load_npy(spec["X"], mmap=True)
        time.sleep(0.5)
    elif backend == BACKEND:
        ids = list(range(len(spec["inits"])))
        steps.fit_fused(spec["dataset"], backend, spec["k"], ids, params_of(backend), ids, spec["threads"],
                        spec["X"], spec["meta"], spec["inits"], [f"{out}/c{i}.npy" for i in ids],
                        [f"{out}/l{i}.npy" for i in ids], [f"{out}/r{i}.json" for i in ids])
    else:
        steps.fit(spec["dataset"], backend, spec["k"], 0, params_of(backend), 0, spec["threads"], spec["X"],
                  spec["meta"], spec["inits"][0], f"{out}/c.npy", f"{out}/l.npy", f"{out}/r.json")


def _sampled(spec: dict) -> dict:
    """Run the child on ``spec``; peaks of its resident memory, anonymous and file-backed, MB."""
    code = "from kmeans_study.benchmark import memory_child; memory_child()"
    child = subprocess.Popen([sys.executable, "-c", code, json.dumps(spec)])
    peaks = {"VmRSS": 0, "RssAnon": 0, "RssFile": 0}
    status = Path(f"/proc/{child.pid}/status")
    while child.poll() is None:
        try:
            for line in status.read_text().splitlines():
                key, _, value = line.partition(":")
                if key in peaks:
                    peaks[key] = max(peaks[key], int(value.split()[0]))
        except (FileNotFoundError, ProcessLookupError, ValueError):
            pass
        time.sleep(0.005)
    if child.returncode != 0:
        sys.exit(f"memory probe failed for {spec['backend']}")
    return {key: kb / 1024 for key, kb in peaks.items()}


def memory(X_path: str, name: str, threads: int) -> dict:
    data_dir = Path(X_path).parent
    init_dir = data_dir.parent / "init" / f"k{ITERATION_K}"
    spec = {"X": X_path, "meta": str(data_dir / "meta.json"), "dataset": name, "k": ITERATION_K,
            "threads": threads, "inits": [str(init_dir / f"init{i}.npy") for i in range(INITS)]}
    out = {"data_mb": Path(X_path).stat().st_size / 2**20, "k": ITERATION_K}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in (None, "sklearn", "faiss", "fused"):
            out[backend or "baseline (numpy, data mapped)"] = _sampled({**spec, "backend": backend, "out": tmp})
    return out


# The report ------------------------------------------------------------------------------------

def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--cores", type=int, default=os.cpu_count())
    parser.add_argument("--out", default=str(ROOT / "results" / "benchmark"))
    args = parser.parse_args(argv)
    from kmeans_study.runtime import native_libraries

    out = Path(args.out)
    report: dict = {"cores": args.cores, "datasets": {}}
    print(f"cores: {args.cores}; k = {KS[0]}..{KS[-1]}, {INITS} inits per k; pipeline backend: {BACKEND}")
    for name in args.datasets:
        pipeline = run_pipeline(name, out / name, args.cores)
        notebook = run_notebook(pipeline["X"], seeds(name), out / name)
        quality = compare(pipeline["X"], pipeline, notebook, args.cores)
        cost = overhead(pipeline, args.cores)
        iteration = per_iteration(pipeline["X"], name, args.cores)
        peaks = memory(pipeline["X"], name, args.cores)
        report["datasets"][name] = {
            "pipeline_wall_s": pipeline["wall_s"], "notebook_wall_s": notebook["wall_s"],
            "ratio": pipeline["wall_s"] / notebook["wall_s"], "steps": pipeline["steps"], "quality": quality,
            "overhead": cost, "per_iteration": iteration, "memory_mb": peaks,
        }
        print(f"\n== {name}: {peaks['data_mb']:.0f} MiB of float32")
        print(f"1. notebook loop    {notebook['wall_s']:7.1f} s")
        print(f"   pipeline         {pipeline['wall_s']:7.1f} s   ratio {pipeline['wall_s'] / notebook['wall_s']:.2f}"
              " (target <= 0.50)")
        worst = max(abs(gap) for gap in quality["best_inertia_rel_gap"].values())
        print(f"   best inertia per k, pipeline / notebook - 1: worst {worst:.1e} (target <= 1e-3); "
              + ", ".join(f"k{k} {gap:+.0e}" for k, gap in quality["best_inertia_rel_gap"].items()))
        print(f"   identical labellings {quality['identical_labellings']}/{quality['fits']};"
              f" median |inertia ratio - 1| per fit {quality['median_fit_inertia_rel_diff']:.0e}")
        print(f"2. jobs' own compute {cost['compute_cpu_s']:6.1f} cpu s / {args.cores} cores = {cost['ideal_wall_s']:.1f} s;"
              f" overhead {cost['overhead_s']:.1f} s = {cost['overhead_fraction']:.0%} of wall (target <= 10%)")
        print("   by step (jobs, cpu s): " + ", ".join(
            f"{step} {v['jobs']} {v['cpu_s']:.1f}" for step, v in sorted(pipeline["steps"].items(), key=lambda s: -s[1]["cpu_s"])))
        print(f"   initialisation (k-means++, all inits): {cost['init_cpu_s']:.1f} cpu s")
        print(f"3. seconds per Lloyd iteration at k={iteration['k']}, / floor (target <= 1.3):")
        for backend, seconds in iteration["seconds_per_iteration"].items():
            print(f"   {backend:26s} {seconds * 1e3:7.1f} ms  floor {iteration['floor_s'][backend] * 1e3:6.1f} ms"
                  f"  ratio {iteration['ratio_to_floor'][backend]:.2f}")
        print(f"4. peak memory of one fit job (k={peaks['k']}), MiB: resident / anonymous / file-backed")
        for what, value in peaks.items():
            if isinstance(value, dict):
                print(f"   {what:32s} {value['VmRSS']:6.0f} / {value['RssAnon']:6.0f} / {value['RssFile']:6.0f}")
    report["native_libraries"] = native_libraries()  # after faiss and scikit-learn were loaded
    print("\nBLAS/OpenMP libraries and the kernel each uses:")
    for lib in report["native_libraries"]:
        print(f"   {lib.get('internal_api')} {lib.get('version')} {lib.get('architecture', '')}"
              f" threads={lib.get('num_threads')} {Path(lib.get('filepath', '')).name}")
    out.mkdir(parents=True, exist_ok=True)
    (out / "benchmark.json").write_text(json.dumps(report, indent=1, default=str))
    print(f"\nwritten: {out / 'benchmark.json'}")


if __name__ == "__main__":
    main()
