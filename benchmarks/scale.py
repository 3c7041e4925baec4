"""The study at scale (issue 20): the worked example's settings on a file larger than the memory
the study is given, and how the exact engine's cost grows with n.

    python -m benchmarks.scale [--dir DIR] [--rows 8000000] [--limit-mb 1024] [--parts ...]

Parts, in this order (each prints its figures; ``DIR/scale.json`` gets them all):

- ``write``: the ``embeddings`` source's data, ``--rows`` x 128 float32 and a label (the last
  column), to ``DIR/emb.npy`` (4.1 GB at 8,000,000 rows), a block at a time; and its first
  ``--head-rows`` rows to ``DIR/head.npy``. Kept when already there with the right shape.
- ``floor``: the prepare step on ``emb.npy`` (zscore false, the label last) against the disk's read
  floor in the same run: the page cache dropped, the file read once in 1 MiB reads (as ``cat``
  reads it), the cache dropped again, then the step (``benchmarks.prepare_scale``), three times.
- ``passes``: seconds per pass of the exact engine (``fused``'s Lloyd, no pruning, one init,
  k = 64; a fit of 7 passes less a fit of 1, per pass, wall and CPU seconds) on the first n rows
  of the X that ``floor`` prepared, for n = 10^5, 10^6, 4x10^6, 8x10^6 (those there are), against
  the floor measured just after (X times the centroids and one read of X, block by block, BLAS on
  the engine's threads); linear if the CPU seconds per million rows stay within 20% of each other.
- ``limited``: the study of ``workflow/configs/embeddings.yaml`` (fused, restricted, faiss_sampled;
  k in {16, 32, 64}, 2 inits) on ``emb.npy`` as a ``file`` dataset, every process of it in one
  memory cgroup of ``--limit-mb`` (made here, as root: ``memory.limit_in_bytes`` under
  /sys/fs/cgroup/memory, or ``memory.max`` on cgroup v2; page cache counts against it and is
  reclaimed under it, as on a cluster node), Snakemake told ``--resources mem_mb=`` the limit less
  the interpreter of Snakemake itself. Printed: the exit status, the cgroup's peak and out-of-memory
  kills, and each job's peak resident memory from its log. ``--max-iter N`` caps the fits'
  iterations (the example's 100 take about 5x as long), said in the output.
- ``head``: the same study's fits (``--until fit fit_fused``) on ``head.npy`` three times: under
  the limit, without it, and with the code of ``--old`` (a checkout with its own .venv, e.g. the
  commit before this work), then every fit's labels and inertia compared.
- ``verdict``: from the ``limited`` study's logs, the CPU seconds of the k verdict's jobs
  (the gap statistic's references and fits, criteria, k choice) against those of the fitting jobs
  (starts, fits), and the verdict itself.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from benchmarks.common import ROOT, Clock

PARTS = ["write", "floor", "passes", "limited", "head", "verdict"]
PASS_ROWS = [100_000, 1_000_000, 4_000_000, 8_000_000]
PASS_K = 64
SNAKEMAKE_MB = 200  # Snakemake's own interpreter, which the cgroup also holds
FITTING = {"init_centroids", "fit", "fit_fused"}
VERDICT = {"gap_reference", "gap_fit", "criteria", "k_choice"}


def write(directory: Path, rows: int, head_rows: int) -> None:
    """DIR/emb.npy (rows x 129, the label last) and DIR/head.npy (its first head_rows rows)."""
    import yaml

    from kmeans_study.data import embeddings
    from kmeans_study.io import NpyWriter, atomic_path, open_temporary

    directory.mkdir(parents=True, exist_ok=True)
    spec = yaml.safe_load((ROOT / "workflow/configs/embeddings.yaml").read_text())["datasets"]["embeddings"]
    spec = {key: value for key, value in spec.items() if key not in ("source", "zscore")}
    full, head = directory / "emb.npy", directory / "head.npy"
    if not (full.exists() and np.load(full, mmap_mode="r").shape == (rows, spec["n_features"] + 1)):
        with Clock() as clock:
            embeddings.write(full, {**embeddings_defaults(), **spec, "n_samples": rows})
        print(f"wrote {full}: {rows} x {spec['n_features'] + 1} float32, {full.stat().st_size / 1e9:.2f} GB "
              f"in {clock.wall:.0f} s")
    X = np.load(full, mmap_mode="r")
    with atomic_path(head) as tmp, open_temporary(tmp) as fh:
        writer = NpyWriter(fh, (head_rows, X.shape[1]), np.float32)
        for start in range(0, head_rows, 65536):
            writer.write(np.asarray(X[start:min(start + 65536, head_rows)]))
        writer.close()


def embeddings_defaults() -> dict:
    from kmeans_study.data.sources import SOURCES

    return {name: schema["default"] for name, schema in SOURCES["embeddings"].options.items()}


def study_config(path: Path, max_iter: int | None = None) -> dict:
    """The worked example's settings on ``path``: k in {16, 32, 64}, 2 inits (``max_iter``: a
    cap on the iterations, said in the output, where the full study would take too long)."""
    import yaml

    config = yaml.safe_load((ROOT / "workflow/configs/embeddings.yaml").read_text())
    config.update(k={"values": [16, 32, 64]}, inits=2,
                  datasets={"emb": {"source": "file", "path": str(path), "label_column": -1, "zscore": False}})
    if max_iter:
        config["fit"]["max_iter"] = max_iter
    return config


class MemoryCgroup:
    """A memory cgroup of ``limit_mb`` for the study's processes (root only)."""

    def __init__(self, limit_mb: int):
        name = f"kmeans-study-scale-{os.getpid()}"
        if os.access("/sys/fs/cgroup/memory", os.W_OK):
            self.path, self.limit, self.peak = Path("/sys/fs/cgroup/memory", name), "memory.limit_in_bytes", \
                "memory.max_usage_in_bytes"
            self.events = "memory.oom_control"
        elif Path("/sys/fs/cgroup/cgroup.controllers").exists():
            self.path, self.limit, self.peak = Path("/sys/fs/cgroup", name), "memory.max", "memory.peak"
            self.events = "memory.events"
        else:
            raise SystemExit("benchmarks.scale: no writable memory cgroup here (run as root)")
        self.path.mkdir()
        (self.path / self.limit).write_text(str(limit_mb * 2**20))
        self.how = f"memory cgroup {self.path}, {self.limit} = {limit_mb} MiB"

    def command(self, argv: list[str]) -> list[str]:
        """``argv`` run inside the cgroup (the shell moves itself in, then execs)."""
        return ["bash", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', str(self.path), *argv]

    def close(self) -> dict:
        peak = int((self.path / self.peak).read_text()) / 2**20
        kills = re.search(r"oom_kill (\d+)", (self.path / self.events).read_text())
        self.path.rmdir()
        return {"peak_mb": round(peak), "oom_kills": int(kills.group(1)) if kills else 0}


def run_study(workdir: Path, config: dict, cores: int, python: str = sys.executable,
              snakefile: Path = ROOT / "Snakefile", cgroup: MemoryCgroup | None = None,
              resources_mb: int | None = None, until: list[str] | None = None) -> dict:
    """The study of ``config`` in ``workdir`` from empty results (``until``: those rules and what
    they need only); its exit status and wall."""
    import yaml

    subprocess.run(["rm", "-rf", str(workdir / "results"), str(workdir / ".snakemake")], check=True)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    argv = [python, "-m", "kmeans_study", "run", "-s", str(snakefile), "--directory", str(workdir),
            "--configfile", str(workdir / "config.yaml"), "--cores", str(cores)]
    if resources_mb:
        argv += ["--resources", f"mem_mb={resources_mb}"]
    if until:
        argv += ["--until", *until]
    with Clock() as clock, (workdir / "terminal.log").open("w") as terminal:
        done = subprocess.run(cgroup.command(argv) if cgroup else argv, stdout=terminal, stderr=subprocess.STDOUT)
    return {"exit": done.returncode, "wall_s": round(clock.wall, 1), "terminal": str(workdir / "terminal.log")}


def job_peaks(results: Path) -> list[dict]:
    """Every job's step, log, wall, CPU and peak resident memory, from the done line of its log."""
    from kmeans_study.steps.joblog import done_figures

    return [{"step": step, "log": str(log.relative_to(results / "logs")), "wall_s": wall, "cpu_s": cpu, "peak_mb": peak}
            for log in sorted((results / "logs").rglob("*.log"))
            for step, wall, cpu, peak in done_figures(log.read_text())]


def limited(directory: Path, limit_mb: int, cores: int, max_iter: int | None) -> dict:
    cgroup = MemoryCgroup(limit_mb)
    config = study_config(directory / "emb.npy", max_iter)
    print(f"\n== the study on emb.npy (max_iter {config['fit']['max_iter']}), limited by a {cgroup.how}; "
          f"snakemake --resources mem_mb={limit_mb - SNAKEMAKE_MB}")
    out = run_study(directory / "limited", config, cores, cgroup=cgroup, resources_mb=limit_mb - SNAKEMAKE_MB)
    out.update(cgroup.close(), how=cgroup.how)
    jobs = job_peaks(directory / "limited" / "results")
    by_step = defaultdict(list)
    for job in jobs:
        by_step[job["step"]].append(job)
    print(f"exit {out['exit']} after {out['wall_s']:.0f} s; cgroup peak {out['peak_mb']} MB (page cache included), "
          f"out-of-memory kills {out['oom_kills']}; {len(jobs)} jobs")
    print(f"   {'step':22s} {'jobs':>4s} {'peak resident MB (max)':>22s} {'wall s (sum)':>12s}")
    for step, group in sorted(by_step.items(), key=lambda item: -max(j["peak_mb"] for j in item[1])):
        print(f"   {step:22s} {len(group):4d} {max(j['peak_mb'] for j in group):22d} "
              f"{sum(j['wall_s'] for j in group):12.1f}")
    out["jobs"] = jobs
    return out


def _fits(results: Path) -> dict[str, tuple[float, np.ndarray]]:
    """Every fit's inertia and labels, keyed by backend/k/init."""
    fits = {}
    for record in sorted(results.glob("emb/fit/*/k*/init*/record.json")):
        key = "/".join(record.parts[-4:-1])
        fits[key] = (json.loads(record.read_text())["inertia"], np.load(record.with_name("labels.npy")))
    return fits


def head(directory: Path, limit_mb: int, cores: int, old: Path | None) -> dict:
    print(f"\n== the same study's fits on the first rows (head.npy): under the limit, without it"
          f"{', with the code of ' + str(old) if old else ''}")
    config, until = study_config(directory / "head.npy"), ["fit", "fit_fused"]
    cgroup = MemoryCgroup(limit_mb)
    runs = {"limited": run_study(directory / "head_limited", config, cores, cgroup=cgroup,
                                 resources_mb=limit_mb - SNAKEMAKE_MB, until=until)}
    runs["limited"].update(cgroup.close())
    runs["unlimited"] = run_study(directory / "head_unlimited", config, cores, until=until)
    if old:
        runs["old"] = run_study(directory / "head_old", config, cores, python=str(old / ".venv/bin/python"),
                                snakefile=old / "Snakefile", until=until)
    fits = {name: _fits(directory / f"head_{name}" / "results") for name in runs}
    reference = fits["unlimited"]
    for name, run in runs.items():
        shared = [key for key in reference if key in fits[name]]
        labels = sum(np.array_equal(fits[name][key][1], reference[key][1]) for key in shared)
        inertia = max((abs(fits[name][key][0] / reference[key][0] - 1) for key in shared), default=float("nan"))
        run.update(fits=len(fits[name]), same_labels=int(labels), inertia_max_rel_diff=inertia)
        print(f"   {name:10s} exit {run['exit']}, {run['wall_s']:.0f} s, {len(fits[name])} fits: {labels} of "
              f"{len(reference)} with the same labels as without the limit, inertia within {inertia:.1e} (relative)")
    return runs


def floor(directory: Path, rounds: int = 3) -> dict:
    from benchmarks.prepare_scale import prepare, read_floor

    path = directory / "emb.npy"
    print(f"\n== prepare against the disk's read floor ({path.stat().st_size / 1e9:.2f} GB, page cache dropped "
          f"before each)")
    out = []
    (directory / "prepared").mkdir(exist_ok=True)
    for _ in range(rounds):
        seconds = read_floor(path)
        figures = prepare(path, directory / "prepared", zscore=False, label_column=-1)
        out.append({**figures, "read_floor_s": seconds, "share_of_floor": seconds / figures["wall_s"]})
        print(f"   read floor {seconds:.2f} s ({path.stat().st_size / seconds / 1e9:.2f} GB/s), prepare "
              f"{figures['wall_s']:.2f} s: {100 * seconds / figures['wall_s']:.0f}% of the floor; peak resident "
              f"{figures['peak_rss_mb']:.0f} MB, heap {figures['peak_anon_mb']:.0f} MB")
    return {"rounds": out}


def _floor(X: np.ndarray, C: np.ndarray, block: int = 65536) -> None:
    """The floor of one pass: X times the centroids and one read of X (as ``benchmarks.iteration``
    defines it), block by block through the memory map."""
    for start in range(0, len(X), block):
        Xb = np.asarray(X[start:start + block])
        Xb @ C.T
        Xb.sum(axis=0)


def passes(X_path: Path, cores: int, iterations: int = 6) -> dict:
    """Seconds per pass at each n, wall and CPU (all threads): a fit of 1 + ``iterations``
    passes less a fit of 1 pass (the fit's set-up and first read of X cancel), divided by the
    passes; against the floor's best of 3 (wall and CPU) measured just after. CPU seconds are what
    other processes on a shared machine disturb least."""
    from kmeans_study.lloyd.engine import lloyd
    from kmeans_study.lloyd.exact_strategy import ExactStrategy
    from kmeans_study.runtime import limit_threads

    X = np.load(X_path, mmap_mode="r")
    print(f"\n== seconds per pass of the exact engine (k = {PASS_K}, d = {X.shape[1]}, {cores} threads, no pruning; "
          f"a fit of 1 + {iterations} passes less one of 1) against the floor (X times C and one read of X, BLAS on "
          f"{cores} threads); wall and CPU seconds")
    out = {}
    for n in [n for n in PASS_ROWS if n <= len(X)]:
        Xn = X[:n]
        C = np.array(Xn[:: n // PASS_K][:PASS_K])
        lloyd(Xn, [C], ExactStrategy(prune=False), 1, 0.0, threads=cores)  # pages mapped, kernels loaded
        with Clock() as one:
            lloyd(Xn, [C], ExactStrategy(prune=False), 1, 0.0, threads=cores)
        with Clock() as many:
            fit = lloyd(Xn, [C], ExactStrategy(prune=False), 1 + iterations, 0.0, threads=cores)[0]
        done = fit.n_iter - 1
        with limit_threads(cores):
            floors = []
            for _ in range(3):
                with Clock() as floor:
                    _floor(Xn, C)
                floors.append(floor)
        wall, cpu = (many.wall - one.wall) / done, (many.cpu - one.cpu) / done
        out[n] = {"pass_s": wall, "pass_cpu_s": cpu, "floor_s": min(f.wall for f in floors),
                  "floor_cpu_s": min(f.cpu for f in floors), "passes": done}
        print(f"   n = {n:>9,d}: {wall:7.3f} s per pass, {cpu:7.3f} CPU s ({cpu / n * 1e6:.3f} CPU s per million "
              f"rows); floor {out[n]['floor_s']:.3f} s, {out[n]['floor_cpu_s']:.3f} CPU s; ratio (CPU) "
              f"{cpu / out[n]['floor_cpu_s']:.2f}")
    per_million = [value["pass_cpu_s"] / n * 1e6 for n, value in out.items()]
    spread = max(per_million) / min(per_million) - 1
    print(f"   CPU seconds per million rows within {100 * spread:.0f}% of each other "
          f"({'linear within 20%' if spread <= 0.2 else 'NOT linear within 20%'})")
    return {"rows": out, "spread": spread}


def verdict(results: Path) -> dict:
    jobs = job_peaks(results)
    fitting = sum(job["cpu_s"] for job in jobs if job["step"] in FITTING)
    spent = sum(job["cpu_s"] for job in jobs if job["step"] in VERDICT)
    chosen = json.loads(next(results.glob("*/k_choice.json")).read_text()) if list(results.glob("*/k_choice.json")) \
        else json.loads((results / "k_choice.json").read_text())
    print(f"\n== the k verdict's CPU: {spent:.0f} s against {fitting:.0f} s of fitting ({100 * spent / fitting:.1f}%; "
          f"target at most 15%)")
    print(f"   verdict: {json.dumps(chosen)[:400]}")
    return {"verdict_cpu_s": spent, "fitting_cpu_s": fitting, "share": spent / fitting, "k_choice": chosen}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=ROOT / "results" / "benchmark_scale")
    parser.add_argument("--rows", type=int, default=8_000_000)
    parser.add_argument("--head-rows", type=int, default=200_000)
    parser.add_argument("--limit-mb", type=int, default=1024)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--max-iter", type=int, help="cap the limited study's iterations (default: the example's)")
    parser.add_argument("--old", type=Path, help="a checkout of the code before (with its .venv) for the head part")
    parser.add_argument("--parts", nargs="+", default=PARTS, choices=PARTS)
    args = parser.parse_args(argv)
    report_path = args.dir / "scale.json"
    report = json.loads(report_path.read_text()) if report_path.exists() else {}
    started = time.time()
    if "write" in args.parts:
        write(args.dir, args.rows, args.head_rows)
    if "floor" in args.parts:
        report["floor"] = floor(args.dir)
    if "passes" in args.parts:  # on the machine still quiet
        report["passes"] = passes(args.dir / "prepared/X.npy", args.cores)
    if "limited" in args.parts:
        report["limited"] = limited(args.dir, args.limit_mb, args.cores, args.max_iter)
    if "head" in args.parts:
        report["head"] = head(args.dir, args.limit_mb, args.cores, args.old)
    if "verdict" in args.parts:
        report["verdict"] = verdict(args.dir / "limited/results")
    args.dir.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report, indent=1, default=str))
    print(f"\n{report_path} written ({time.time() - started:.0f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])
