"""The performance benchmark. A script that prints figures, not a test.

    make benchmark                      # every part, both datasets (about 40 minutes on 2 cores)
    .venv/bin/python -m kmeans_study.benchmark --parts sweep iteration --datasets fashion_mnist

Each dataset is z-scored, k = 5..15, 10 inits per k, the pipeline's seeds. The parts:

- ``pipeline``: ``snakemake --cores N`` from empty results with the fused backend (the whole
  study but the gap statistic's reference fits, which the notebook has no counterpart of), then the
  reference notebook loop on the very array the pipeline prepared (scikit-learn
  ``KMeans(n_clusters=k, n_init=1, random_state=seed)`` in one ``multiprocessing.Process`` per
  (k, init id), one after another, with the pipeline's seed, so both start from the same
  centroids). Both wall times, the best inertia per k of each, equal labellings; the overhead
  (wall minus the jobs' own compute over the cores) and each fit job's start-up (its wall in
  Snakemake's benchmark minus its step's own wall).
- ``sweep``: the exact sweep, every (k, init) from the same shared start, one thread each, in
  this process: scikit-learn, scikit-learn-intelex, the project's multi-init engine (``fused``,
  pruned) and the same engine unpruned. The engines take turns per k (the order rotates), so
  whatever else runs on the machine lands on all of them. Times per k, iterations, the share of
  distances the pruning skipped and the time it saved, best inertia per k against scikit-learn's.
- ``iteration``: CPU seconds per Lloyd pass at k = 10 (20 iterations, no tolerance, the same
  starts) against the floor measured in the same process, rounds interleaved, medians: one
  product of X with the centroids the backend iterates plus one read of X.
- ``bounds``: which family of distance bounds to prune with, by counting: along one init's exact
  Lloyd trajectory per k, the point-centroid distances that Hamerly's bounds (one lower bound per
  point, as the engine keeps them) and Elkan's (one lower bound per point and centroid) leave to
  compute, beside the measured cost of a distance on each path. Yinyang's bounds with the
  paper's k / 10 groups are Hamerly's at k < 20.
- ``memory``: peak memory of one fit job per exact backend (a child process sampled every 5 ms).
- ``startup``: what a fit job's process pays before computing: the interpreter, numpy, numba,
  the core's compiled kernels loaded from Numba's cache (and compiled with an empty cache).

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
PARTS = ["pipeline", "sweep", "iteration", "bounds", "memory", "startup"]
# The engines of the sweep, by label: a backend (run through its fit) or the unpruned engine.
SWEEP = ["sklearn", "sklearnex", "fused", "fused unpruned"]


def study_config(name: str) -> dict:
    # No gap statistic: its reference fits are work the notebook loop does not do.
    return {"seed": SEED, "k": {"min": KS[0], "max": KS[-1]}, "inits": INITS,
            "datasets": {name: DATASETS[name]}, "backends": {BACKEND: {}}, "k_choice": {"gap": {"references": 0}}}


def seeds(name: str) -> dict[tuple[int, int], int]:
    from kmeans_study.config.study import init_seed

    return {(k, i): init_seed(study_config(name), name, k, i) for k in KS for i in range(INITS)}


# The pipeline and the notebook loop ---------------------------------------------------------

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
    run = subprocess.run(command, check=False, capture_output=True, text=True)
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
    jobs = {}
    for tsv in (results / "benchmarks").rglob("*.tsv"):
        rule = tsv.relative_to(results / "benchmarks").parts[0]
        job_wall = float(tsv.read_text().splitlines()[1].split("\t")[0])
        jobs.setdefault(rule, []).append(job_wall)
    return {"wall_s": wall, "inertia": inertia, "steps": steps, "jobs_wall_s": jobs, "fits": str(fits),
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
    from kmeans_study.lloyd.kernel import evaluate_many

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


# Overhead -----------------------------------------------------------------------------------

def overhead(pipeline: dict, cores: int) -> dict:
    """Wall minus the jobs' own compute over the cores; and per benchmarked rule, the jobs' wall
    (Snakemake's benchmark: process start, imports, the step) against the step's own wall."""
    compute = sum(step["cpu_s"] for step in pipeline["steps"].values())
    ideal = compute / cores
    per_job = {}
    for rule, walls in pipeline["jobs_wall_s"].items():
        step = pipeline["steps"].get(rule, {})  # a rule and its step share the name
        per_job[rule] = {"jobs": len(walls), "job_wall_s": sum(walls), "step_wall_s": step.get("wall_s", 0.0)}
    return {"compute_cpu_s": compute, "ideal_wall_s": ideal, "overhead_s": pipeline["wall_s"] - ideal,
            "overhead_fraction": (pipeline["wall_s"] - ideal) / pipeline["wall_s"],
            "init_cpu_s": pipeline["steps"].get("init_centroids", {}).get("cpu_s", 0.0), "per_job": per_job}



# Peak memory of a fit job -------------------------------------------------------------------

def params_of(backend: str, options: dict | None = None, fit: dict | None = None) -> dict:
    """A backend's parameters exactly as a fit job gets them (schema defaults filled in)."""
    from kmeans_study.config.study import backend_params
    from kmeans_study.config.validate import validate_config

    config = validate_config({"datasets": {"any": {"source": "uniform"}}, "backends": {backend: options or {}},
                              **({"fit": fit} if fit else {})})
    return backend_params(config, backend)


def memory_child() -> None:
    """The child of ``_sampled``: one fit job's step (or, for backend null, the interpreter with
    the package and numpy, and the data mapped but not read)."""
    from kmeans_study import io, paths, steps

    spec = json.loads(sys.argv[1])
    backend = spec["backend"]
    os.chdir(spec["out"])  # the outputs are named like the workflow's, relative to this directory
    if backend is None:
        io.load_npy(spec["X"], mmap=True)
        time.sleep(0.5)
        return
    ids = list(range(len(spec["inits"])))
    where = {"dataset": spec["dataset"], "backend": backend, "k": spec["k"]}
    outputs = {name: [paths.fmt(pattern, **where, init_id=i) for i in ids]
               for name, pattern in (("centroids", paths.FIT_CENTROIDS), ("labels", paths.FIT_LABELS),
                                     ("records", paths.FIT_RECORD))}
    common = {"dataset": spec["dataset"], "backend": backend, "k": spec["k"], "params": params_of(backend),
              "threads": spec["threads"], "X": spec["X"], "meta": spec["meta"]}
    if backend == BACKEND:
        steps.fit_fused(**common, seeds={i: i for i in ids}, inits=spec["inits"], **outputs)
    else:
        steps.fit(**common, registered=backend, init_id=0, seed=0, init=spec["inits"][0],
                  centroids=outputs["centroids"][0], labels=outputs["labels"][0], record=outputs["records"][0])


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
    from kmeans_study import io, paths

    out = {"data_mb": Path(X_path).stat().st_size / 2**20, "k": ITERATION_K}
    with tempfile.TemporaryDirectory() as tmp:
        inits = []
        for i, init in enumerate(shared_starts(X_path, name, ITERATION_K)):
            inits.append(paths.fmt(paths.INIT, dataset=name, k=ITERATION_K, init_id=i))
            Path(tmp, inits[-1]).parent.mkdir(parents=True, exist_ok=True)
            io.save_npy(Path(tmp, inits[-1]), init)
        X_abs = Path(X_path).resolve()
        spec = {"X": str(X_abs), "meta": str(X_abs.with_name("meta.json")), "dataset": name, "k": ITERATION_K,
                "threads": threads, "inits": inits}
        for backend in (None, "sklearn", "sklearnex", "faiss", "fused"):
            out[backend or "baseline (numpy, data mapped)"] = _sampled({**spec, "backend": backend, "out": tmp})
    return out




# Data and starts shared by the parts -----------------------------------------------------------

def prepared(name: str, out: Path) -> str:
    """The dataset's prepared X.npy: the pipeline's when it ran, else prepared here once."""
    from kmeans_study.config.validate import validate_config
    from kmeans_study.data.prepare import prepare_dataset

    for candidate in (out / name / "results" / name / "data", out / name / "prepared"):
        if (candidate / "X.npy").exists():
            return str(candidate / "X.npy")
    target = out / name / "prepared"
    target.mkdir(parents=True, exist_ok=True)
    spec = validate_config(study_config(name))["datasets"][name]
    prepare_dataset(name, spec, out / name / "resources", target / "X.npy", target / "labels.npy", target / "meta.json")
    return str(target / "X.npy")


def shared_starts(X_path: str, name: str, k: int) -> list[np.ndarray]:
    """The pipeline's k-means++ starts of k (init ids 0..INITS-1)."""
    from kmeans_study.init import kmeans_plusplus_many

    seed_of = seeds(name)
    return kmeans_plusplus_many(np.load(X_path, mmap_mode="r"), k, [seed_of[k, i] for i in range(INITS)])


class Clock:
    """Wall and CPU seconds of a block (CPU time is what other processes on the machine disturb least)."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


# The exact sweep ---------------------------------------------------------------------------------

def _run_engine(engine: str, X, inits: list, k: int, seed_of: dict, params: dict) -> dict:
    """Fit every init of k with one engine; its fits' centroids, iterations and stopping rules."""
    from kmeans_study.backends import get_backend
    from kmeans_study.backends.base import absolute_tol
    from kmeans_study.lloyd.engine import ExactStrategy, lloyd

    if engine == "fused unpruned":
        fits = lloyd(X, inits, ExactStrategy(prune=False), params["max_iter"], absolute_tol(X, params["tol"]))
        return {"centroids": [f.centroids for f in fits], "n_iter": [f.n_iter for f in fits],
                "stopped_by": [f.stopped_by for f in fits]}
    backend = get_backend(engine, params)
    if engine == "fused":
        results = backend.fit_many(X, inits, k, 1)
    else:
        results = [backend.fit(X, init, k, seed_of[k, i], 1) for i, init in enumerate(inits)]
    out = {"centroids": [r.centroids for r in results], "n_iter": [r.n_iter for r in results],
           "stopped_by": [r.details["stopped_by"] for r in results]}
    if engine == "fused":
        out["skipped"] = float(np.mean([r.details["distances_skipped_share"] for r in results]))
    return out


def sweep(X_path: str, name: str, ks: list[int], repeats: int) -> dict:
    """Every engine of SWEEP on every (k, init), one thread, taking turns per k."""
    from kmeans_study.lloyd.kernel import evaluate_many
    from kmeans_study.runtime import limit_threads

    X = np.load(X_path)  # in memory for every engine alike (scikit-learn would copy a memory map)
    seed_of = seeds(name)
    params = {engine: params_of(engine.split()[0]) for engine in SWEEP}
    rows = []
    with limit_threads(1):
        warm = shared_starts(X_path, name, ks[0])[:1]
        for engine in SWEEP:  # imports and first calls are not part of any k's time
            _run_engine(engine, X, warm, ks[0], seed_of, {**params[engine], "max_iter": 2})
        for index, k in enumerate(ks):
            inits = shared_starts(X_path, name, k)
            row: dict = {"k": k, "engines": {}}
            for repeat in range(repeats):
                shift = (index + repeat) % len(SWEEP)
                for engine in SWEEP[shift:] + SWEEP[:shift]:
                    with Clock() as clock:
                        result = _run_engine(engine, X, inits, k, seed_of, params[engine])
                    entry = row["engines"].setdefault(engine, {"wall_s": [], "cpu_s": []})
                    entry["wall_s"].append(clock.wall)
                    entry["cpu_s"].append(clock.cpu)
                    entry.update({key: value for key, value in result.items() if key != "centroids"})
                    entry["centroids"] = result["centroids"]
            for entry in row["engines"].values():
                entry["wall_s"], entry["cpu_s"] = float(np.median(entry["wall_s"])), float(np.median(entry["cpu_s"]))
                inertias = [inertia for _, inertia, _ in evaluate_many(X, entry.pop("centroids"))]
                entry["best_inertia"] = min(inertias)
            rows.append(row)
            print_sweep_row(row, header=index == 0)
    return {"rows": rows, "repeats": repeats}


def print_sweep_row(row: dict, header: bool) -> None:
    if header:
        print("   k | wall s (cpu s):  sklearn         sklearnex        fused            unpruned        |"
              " fused/skx | skipped, saved | init-iters sk/skx/fused | best inertia vs sklearn - 1: skx, fused")
    e = row["engines"]
    times = "  ".join(f"{e[x]['wall_s']:6.1f} ({e[x]['cpu_s']:5.1f})" for x in SWEEP)
    iters = "/".join(str(sum(e[x]["n_iter"])) for x in ("sklearn", "sklearnex", "fused"))
    ref = e["sklearn"]["best_inertia"]
    print(f"  {row['k']:2d} | {times} | {e['fused']['wall_s'] / e['sklearnex']['wall_s']:5.2f}"
          f" ({e['fused']['cpu_s'] / e['sklearnex']['cpu_s']:.2f}) | {e['fused']['skipped']:.0%},"
          f" {1 - e['fused']['cpu_s'] / e['fused unpruned']['cpu_s']:4.0%} | {iters:>15s} |"
          f" {e['sklearnex']['best_inertia'] / ref - 1:+.1e}, {e['fused']['best_inertia'] / ref - 1:+.1e}", flush=True)


def print_sweep_total(result: dict) -> None:
    rows = result["rows"]
    total = {x: {key: sum(r["engines"][x][key] for r in rows) for key in ("wall_s", "cpu_s")} for x in SWEEP}
    iters = {x: sum(sum(r["engines"][x]["n_iter"]) for r in rows) for x in SWEEP}
    print("  all | " + "  ".join(f"{total[x]['wall_s']:6.1f} ({total[x]['cpu_s']:5.1f})" for x in SWEEP)
          + f" | {total['fused']['wall_s'] / total['sklearnex']['wall_s']:5.2f}"
          f" ({total['fused']['cpu_s'] / total['sklearnex']['cpu_s']:.2f}) (target <= 0.35)")
    print("   per fit-iteration, ms (cpu): " + ", ".join(
        f"{x} {1e3 * total[x]['cpu_s'] / iters[x]:.1f}" for x in SWEEP))
    worst = max(abs(r["engines"]["fused"]["best_inertia"] / r["engines"]["sklearn"]["best_inertia"] - 1) for r in rows)
    print(f"   best inertia per k, fused vs scikit-learn: worst |ratio - 1| {worst:.1e} (target <= 1e-6)")
    same = sum(r["engines"]["fused"]["n_iter"] == r["engines"]["sklearn"]["n_iter"] for r in rows)
    rules = {rule for r in rows for x in SWEEP for rule in r["engines"][x]["stopped_by"]}
    print(f"   k values where every init ran as many iterations as scikit-learn's: {same}/{len(rows)};"
          f" stopping rules seen: {sorted(rules)}")


# Seconds per Lloyd pass against the floor ------------------------------------------------------

def per_iteration(X_path: str, name: str, rounds: int = 3) -> dict:
    """CPU seconds per pass at k = ITERATION_K over ITERATIONS passes (no tolerance), against the
    floor measured in the same rounds: one product of X with the iterated centroids plus one read
    of X. CPU time, one thread: what other processes on the machine disturb least."""
    from kmeans_study.backends import get_backend
    from kmeans_study.lloyd.engine import ExactStrategy, lloyd
    from kmeans_study.runtime import limit_threads

    X = np.load(X_path)
    k = ITERATION_K
    inits = shared_starts(X_path, name, k)
    stacked = np.concatenate(inits)
    fixed = {"max_iter": ITERATIONS, "tol": 0.0}
    one_init = {"sklearn": {}, "sklearnex": {}, "faiss": {"early_stopping": False}}
    runs = {backend: get_backend(backend, params_of(backend, options, fixed)) for backend, options in one_init.items()}

    def floor(C):
        with Clock() as product:
            X @ C.T
        with Clock() as read:
            X.sum(axis=0)
        return product.cpu + read.cpu

    def engine(prune):
        return lambda: lloyd(X, inits, ExactStrategy(prune=prune), ITERATIONS, 0.0)

    measured = {f"{b} (1 init)": (lambda b=b: runs[b].fit(X, inits[0], k, 0, 1), inits[0]) for b in runs}
    measured[f"fused unpruned ({INITS} inits per pass)"] = (engine(False), stacked)
    measured[f"fused pruned ({INITS} inits per pass)"] = (engine(True), stacked)
    samples: dict = {label: {"pass_s": [], "floor_s": []} for label in measured}
    with limit_threads(1):
        for fn, _ in measured.values():
            fn()  # first calls (imports, compiled kernels) are not passes
        for _ in range(rounds):
            for label, (fn, C) in measured.items():
                samples[label]["floor_s"].append(floor(C))
                with Clock() as clock:
                    fn()
                samples[label]["pass_s"].append(clock.cpu / ITERATIONS)
    out = {"k": k, "iterations": ITERATIONS, "rounds": rounds, "backends": {}}
    for label, s in samples.items():
        ratios = np.array(s["pass_s"]) / np.array(s["floor_s"])
        out["backends"][label] = {"pass_s": float(np.median(s["pass_s"])), "floor_s": float(np.median(s["floor_s"])),
                                  "ratio": float(np.median(ratios)),
                                  "ratio_range": [float(ratios.min()), float(ratios.max())]}
    return out


# Which bounds: distances left by Hamerly's and Elkan's along one exact trajectory ---------------

def bound_counts(X: np.ndarray, init: np.ndarray, max_iter: int, tol_abs: float) -> dict:
    """Exact Lloyd from ``init`` (float64 distances, the core's update and stopping rule), and
    per pass after the first the distances each bound family must compute: Hamerly (a point
    whose bound test fails has its upper bound tightened, 1 distance, then if it still fails is
    scored against all k) and Elkan (per centroid: tighten once, then each centroid whose own
    lower bound and half-gap do not exclude it; counted against the point's previous centroid
    throughout, which overstates Elkan's work a little: Elkan moves to a nearer centroid found on
    the way and tests the rest against it)."""
    from kmeans_study.lloyd.core import centre_shift, new_centres, stop_reason

    X64 = X.astype(np.float64)
    n, k = X.shape[0], init.shape[0]
    C = init.astype(np.float32)
    counts = {"hamerly": 0, "elkan": 0, "unpruned": 0}
    labels = upper = lower = lower_each = previous = None
    sums, sizes = np.zeros((k, X.shape[1])), np.zeros(k, dtype=np.int64)
    rows = np.arange(n)
    for iteration in range(1, max_iter + 1):
        C64 = C.astype(np.float64)
        dist = np.sqrt(np.maximum((X64**2).sum(1)[:, None] - 2 * X64 @ C64.T + (C64**2).sum(1)[None], 0))
        new = dist.argmin(1)
        gaps = np.sqrt(((C64[:, None] - C64[None]) ** 2).sum(-1))
        np.fill_diagonal(gaps, np.inf)
        half = gaps.min(1) / 2
        if labels is not None:
            counts["unpruned"] += n * k
            drift = np.sqrt(((C64 - previous) ** 2).sum(1))
            others = np.array([np.delete(drift, a).max() if k > 1 else 0.0 for a in range(k)])
            # Hamerly
            u, low = upper + drift[labels], lower - others[labels]
            failed = u >= np.maximum(low, half[labels])
            tight = dist[rows, labels]
            still = failed & (tight >= np.maximum(low, half[labels]))
            counts["hamerly"] += int(failed.sum() + still.sum() * k)
            # Elkan
            u, each = upper + drift[labels], lower_each - drift[None, :]
            settled = u <= half[labels]
            tightened = np.zeros(n, dtype=bool)
            for c in range(k):
                check = ~settled & (labels != c) & (u > each[:, c]) & (u > gaps[labels, c] / 2)
                first = check & ~tightened
                counts["elkan"] += int(first.sum())
                u = np.where(first, dist[rows, labels], u)
                tightened |= first
                check &= (u > each[:, c]) & (u > gaps[labels, c] / 2)
                counts["elkan"] += int(check.sum())
        # The next pass's bounds, as an exact pass leaves them (distances of the new labels).
        own = dist[rows, new]
        rest = dist.copy()
        rest[rows, new] = np.inf
        upper, lower, lower_each = own, rest.min(1), dist
        old = np.full(n, -1) if labels is None else labels
        moved = old != new
        for a, b, x in zip(old[moved], new[moved], X64[moved]):
            sums[b] += x
            sizes[b] += 1
            if a >= 0:
                sums[a] -= x
                sizes[a] -= 1
        labels, previous = new, C64
        C_new, _ = new_centres(X, labels, C, sums, sizes)
        stop = stop_reason(bool(moved.any()), centre_shift(C_new, C), tol_abs, iteration, max_iter)
        C = C_new
        if stop:
            break
    return {**counts, "n_iter": iteration}


def bounds(X_path: str, name: str, ks: list[int]) -> dict:
    """``bound_counts`` for init 0 of each k."""
    from kmeans_study.backends.base import absolute_tol

    X = np.load(X_path)
    fit = params_of("fused")
    out = {}
    for k in ks:
        counts = bound_counts(X, shared_starts(X_path, name, k)[0], fit["max_iter"], absolute_tol(X, fit["tol"]))
        out[k] = counts
        print(f"   k={k:2d} ({counts['n_iter']:3d} passes): distances left, share of unpruned: Hamerly "
              f"{counts['hamerly'] / counts['unpruned']:.1%}, Elkan {counts['elkan'] / counts['unpruned']:.1%}",
              flush=True)
    return out


# What a fit job's process pays before computing ------------------------------------------------

_STARTUP_PROBE = """
import json, time
t0 = time.perf_counter()
import numpy as np
t1 = time.perf_counter()
import numba
t2 = time.perf_counter()
from kmeans_study.lloyd import engine, kernel
t3 = time.perf_counter()
X = np.random.default_rng(0).random((3000, 64), dtype=np.float32)
def work():
    engine.lloyd(X, [X[:10].copy(), X[10:20].copy()], engine.ExactStrategy(), 5, 0.0)
    kernel.evaluate_many(X, [X[:10]])
work()
t4 = time.perf_counter()
work()
t5 = time.perf_counter()
print(json.dumps({"import numpy": t1 - t0, "import numba": t2 - t1, "import the core": t3 - t2,
                  "first calls (kernels loaded or compiled)": t4 - t3 - (t5 - t4)}))
"""


def startup(repeats: int = 3) -> dict:
    """Medians over fresh interpreters: ``python -c pass``, then the probe's steps with Numba's
    cache as the jobs find it (warm), and once with an empty cache (what a new environment pays
    once)."""
    def run(env=None):
        with Clock() as clock:
            out = subprocess.run([sys.executable, "-c", _STARTUP_PROBE], capture_output=True, text=True, check=True,
                                 env={**os.environ, **(env or {})})
        return {**json.loads(out.stdout.strip().splitlines()[-1]), "process wall": clock.wall}

    interpreter = []
    for _ in range(repeats):
        with Clock() as clock:
            subprocess.run([sys.executable, "-c", "pass"], check=True)
        interpreter.append(clock.wall)
    warm = [run() for _ in range(repeats)]
    with tempfile.TemporaryDirectory() as empty:
        cold = run({"NUMBA_CACHE_DIR": empty})
    return {"python -c pass": float(np.median(interpreter)),
            "warm cache": {key: float(np.median([w[key] for w in warm])) for key in warm[0]},
            "empty cache": cold}


# The report ------------------------------------------------------------------------------------

def kernels_used() -> list[str]:
    """The BLAS/OpenMP libraries loaded here with the kernel each uses, and oneDAL's threads."""
    from kmeans_study.runtime import native_libraries

    lines = [f"{lib.get('internal_api')} {lib.get('version')} {lib.get('architecture') or ''} threads="
             f"{lib.get('num_threads')} {Path(lib.get('filepath') or '').name}" for lib in native_libraries()]
    if "daal4py" in sys.modules:
        lines.append(f"oneDAL (scikit-learn-intelex) on TBB: {sys.modules['daal4py'].num_threads()} thread(s)"
                     " (set by daal4py.daalinit; threadpoolctl does not see TBB)")
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--parts", nargs="+", default=PARTS, choices=PARTS)
    parser.add_argument("--ks", type=int, nargs="+", default=KS, help="k values of the sweep (default 5..15)")
    parser.add_argument("--repeats", type=int, default=1, help="sweep repetitions per k (medians)")
    parser.add_argument("--cores", type=int, default=os.cpu_count())
    parser.add_argument("--out", default=str(ROOT / "results" / "benchmark"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    report: dict = {"cores": args.cores, "parts": args.parts, "datasets": {}}
    print(f"cores: {args.cores}; k = {KS[0]}..{KS[-1]}, {INITS} inits per k; parts: {', '.join(args.parts)}")
    for name in args.datasets:
        result: dict = {}
        report["datasets"][name] = result
        target = {"fashion_mnist": 0.25, "mnist5k": 0.5}[name]
        if "pipeline" in args.parts:
            pipeline = run_pipeline(name, out / name, args.cores)
            notebook = run_notebook(pipeline["X"], seeds(name), out / name)
            quality = compare(pipeline["X"], pipeline, notebook, args.cores)
            cost = overhead(pipeline, args.cores)
            result.update({"pipeline_wall_s": pipeline["wall_s"], "notebook_wall_s": notebook["wall_s"],
                           "ratio": pipeline["wall_s"] / notebook["wall_s"], "steps": pipeline["steps"],
                           "quality": quality, "overhead": cost})
            print(f"\n== {name}: pipeline against the notebook loop")
            print(f"   notebook loop    {notebook['wall_s']:7.1f} s")
            print(f"   pipeline         {pipeline['wall_s']:7.1f} s   ratio {result['ratio']:.2f} (target <= {target})")
            worst = max(abs(gap) for gap in quality["best_inertia_rel_gap"].values())
            print(f"   best inertia per k, pipeline / notebook - 1: worst {worst:.1e} (target <= 1e-6); "
                  + ", ".join(f"k{k} {gap:+.0e}" for k, gap in quality["best_inertia_rel_gap"].items()))
            print(f"   identical labellings {quality['identical_labellings']}/{quality['fits']};"
                  f" median |inertia ratio - 1| per fit {quality['median_fit_inertia_rel_diff']:.0e}")
            print(f"   jobs' own compute {cost['compute_cpu_s']:6.1f} cpu s / {args.cores} cores = "
                  f"{cost['ideal_wall_s']:.1f} s; overhead {cost['overhead_s']:.1f} s = {cost['overhead_fraction']:.0%}"
                  f" of wall (target <= {'25%' if name == 'mnist5k' else '-'})")
            print("   by step (jobs, cpu s): " + ", ".join(
                f"{step} {v['jobs']} {v['cpu_s']:.1f}"
                for step, v in sorted(pipeline["steps"].items(), key=lambda s: -s[1]["cpu_s"])))
            for rule, job in cost["per_job"].items():
                print(f"   {rule} jobs: {job['jobs']}, wall {job['job_wall_s']:.1f} s of which the step "
                      f"{job['step_wall_s']:.1f} s: {(job['job_wall_s'] - job['step_wall_s']) / job['jobs']:.2f} s"
                      " per job to start the process and import")
        X_path = prepared(name, out)
        if "sweep" in args.parts:
            print(f"\n== {name}: the exact sweep, {INITS} inits per k, same starts, one thread each")
            result["sweep"] = sweep(X_path, name, args.ks, args.repeats)
            print_sweep_total(result["sweep"])
        if "iteration" in args.parts:
            result["iteration"] = iteration = per_iteration(X_path, name)
            print(f"\n== {name}: CPU seconds per Lloyd pass at k={iteration['k']} against the floor (median of "
                  f"{iteration['rounds']} interleaved rounds; target for the unpruned engine <= 1.3)")
            for label, b in iteration["backends"].items():
                print(f"   {label:34s} {b['pass_s'] * 1e3:7.1f} ms  floor {b['floor_s'] * 1e3:6.1f} ms  ratio"
                      f" {b['ratio']:.2f} ({b['ratio_range'][0]:.2f}-{b['ratio_range'][1]:.2f})")
        if "bounds" in args.parts:
            print(f"\n== {name}: distances left to compute by each family of bounds "
                  "(init 0 per k, after the first pass)")
            result["bounds"] = bounds(X_path, name, args.ks)
        if "memory" in args.parts:
            result["memory_mb"] = peaks = memory(X_path, name, 1)
            print(f"\n== {name}: peak memory of one fit job (k={peaks['k']}), MiB: resident / anonymous / file-backed;"
                  f" data {peaks['data_mb']:.0f} MiB")
            for what, value in peaks.items():
                if isinstance(value, dict):
                    print(f"   {what:32s} {value['VmRSS']:6.0f} / {value['RssAnon']:6.0f} / {value['RssFile']:6.0f}")
    if "startup" in args.parts:
        report["startup"] = start = startup()
        print("\n== start-up of a fit job's process (median of 3 fresh interpreters), s")
        print(f"   python -c pass {start['python -c pass']:.3f}; with the cache as jobs find it: "
              + ", ".join(f"{key} {value:.3f}" for key, value in start["warm cache"].items()))
        print("   with an empty Numba cache (once per environment): "
              + ", ".join(f"{key} {value:.3f}" for key, value in start["empty cache"].items()))
    report["kernels"] = kernels_used()
    print("\nBLAS/OpenMP libraries loaded in this process and the kernel each uses:")
    for line in report["kernels"]:
        print(f"   {line}")
    out.mkdir(parents=True, exist_ok=True)
    (out / "benchmark.json").write_text(json.dumps(report, indent=1, default=str))
    print(f"\nwritten: {out / 'benchmark.json'}")


if __name__ == "__main__":
    main()
