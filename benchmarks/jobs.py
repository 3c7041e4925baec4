"""Where a job's time goes, and what starting one costs (issue 21).

- Entry: Snakemake's ``script:`` directive against a ``shell:`` command running the same kind of
  script in a plain Python process: 20 jobs each of a script that imports nothing, one at a time,
  each timed by Snakemake's ``benchmark:`` as the study's jobs are.
- Fit jobs: a small study on the dataset (k = 5, 10, 15; 5 inits; every per-init backend of the
  default study and ``fused``) run by Snakemake from empty results, fits only. Per backend, the
  median over its jobs of the job's wall (Snakemake's benchmark), the fit and the evaluation (the
  record's ``fit_wall_s`` and ``eval_wall_s``), and the overhead: job wall minus fit and evaluation.
  Beside it, the bare import of the backend's libraries in a fresh interpreter (``python -c
  "import numpy, faiss"``), median of 5 in the same run: the issue asks the overhead to stay
  within that import plus 0.15 s.
- Phases: for one job per backend (k = 10, init 0), what its log says: the interpreter and imports
  before the step, reading the inputs, importing the backend, fit, evaluation, writing the outputs,
  and the rest of the job's wall (Snakemake's shell, the interpreter's exit); and the same job's
  command again under ``python -X importtime``, its imports summed by top-level package.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import DATASETS, ROOT, SEED, Clock

BACKENDS = ["sklearn", "faiss", "faiss_sampled", "fused"]
KS = [5, 10, 15]
INITS = 5
ENTRY_JOBS = 20
TARGET_OVERHEAD_S = 0.15
TARGET_EVAL_S = 0.05
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))

_ENTRY_SNAKEFILE = """
rule all:
    input: expand("out/script{{i}}", i=range({n})) + expand("out/shell{{i}}", i=range({n}))

rule via_script:
    output: "out/script{{i}}"
    benchmark: "bench/script/{{i}}.tsv"
    script: "noop_script.py"

rule via_shell:
    output: "out/shell{{i}}"
    benchmark: "bench/shell/{{i}}.tsv"
    shell: "{python} noop_shell.py {{output:q}}"
"""


def _job_wall(tsv: Path) -> float:
    return float(tsv.read_text().splitlines()[1].split("\t")[0])


def entry(workdir: Path) -> dict:
    """Median job wall (s) of ``script:`` and of ``shell:`` jobs whose script does nothing."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "Snakefile").write_text(_ENTRY_SNAKEFILE.format(n=ENTRY_JOBS, python=sys.executable))
    (workdir / "noop_script.py").write_text("open(snakemake.output[0], 'w').close()\n")  # noqa: F821 in the file
    (workdir / "noop_shell.py").write_text("import sys\nopen(sys.argv[1], 'w').close()\n")
    subprocess.run([SNAKEMAKE, "-s", str(workdir / "Snakefile"), "--directory", str(workdir), "--cores", "1",
                    "--quiet", "all", "--forceall"], check=True, capture_output=True)
    return {way: statistics.median(_job_wall(t) for t in (workdir / "bench" / way).glob("*.tsv"))
            for way in ("script", "shell")}


def bare_import(modules: list[str], repeats: int = 5) -> float:
    """Median wall (s) of a fresh interpreter importing ``modules``."""
    walls = []
    for _ in range(repeats):
        with Clock() as clock:
            subprocess.run([sys.executable, "-c", "import " + ", ".join(modules)], check=True)
        walls.append(clock.wall)
    return statistics.median(walls)


def fit_study(name: str, workdir: Path, cores: int) -> Path:
    """The small study's fits, run by Snakemake from empty results; returns its results folder."""
    import yaml

    subprocess.run(["rm", "-rf", str(workdir / "results"), str(workdir / ".snakemake")], check=True)
    workdir.mkdir(parents=True, exist_ok=True)
    config = {"seed": SEED, "k": {"values": KS}, "inits": INITS, "datasets": {name: DATASETS[name]},
              "backends": {b: {} for b in BACKENDS}, "k_choice": {"gap": {"references": 0}}}
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    records = [f"results/{name}/fit/{b}/k{k}/init{i}/record.json" for b in BACKENDS for k in KS for i in range(INITS)]
    subprocess.run([SNAKEMAKE, "-s", str(ROOT / "Snakefile"), "--directory", str(workdir), "--configfile",
                    str(workdir / "config.yaml"), "--cores", str(cores), *records, "--quiet", "all"], check=True,
                   capture_output=True)
    return workdir / "results"


def overheads(results: Path, name: str) -> dict:
    """Per backend: median job wall, fit, evaluation and overhead (s) over its jobs."""
    out = {}
    for backend in BACKENDS:
        rows = []
        for record in (results / name / "fit" / backend).glob("k*/init*/record.json"):
            facts = json.loads(record.read_text())
            k, init = record.parts[-3], record.parts[-2]
            fused = backend == "fused"
            bench = results / "benchmarks" / ("fit_fused" if fused else "fit") / name / backend / (
                f"{k}.tsv" if fused else f"{k}/{init}.tsv")
            fit = facts["details"]["fused"]["job_fit_wall_s"] if fused else facts["fit_wall_s"]
            evaluation = facts["eval_wall_s"] * (INITS if fused else 1)
            rows.append((_job_wall(bench), fit, evaluation, facts["eval_wall_s"]))
        if fused:
            rows = list({row[0]: row for row in rows}.values())  # one row per job
        out[backend] = {key: statistics.median(row[i] for row in rows)
                        for i, key in enumerate(["job_wall_s", "fit_s", "evaluation_s", "evaluation_per_record_s"])}
        out[backend]["overhead_s"] = statistics.median(row[0] - row[1] - row[2] for row in rows)
        out[backend]["jobs"] = len(rows)
    return out


_PHASES = {
    "interpreter and imports before the step": r"start fit\w* \(([\d.]+) s after the process started\)",
    "reading the inputs": r"inputs read in ([\d.]+) s",
    "importing the backend": r"imported in ([\d.]+) s",
    "fit": r"fit ([\d.]+) s, evaluation",
    "evaluation": r"evaluation ([\d.]+) s;",
    "writing the outputs": r"outputs written in ([\d.]+) s",
}


def phases(results: Path, name: str) -> dict:
    """Per backend, one job's phases (s) from its log, against its job wall."""
    out = {}
    for backend in BACKENDS:
        fused = backend == "fused"
        log = results / "logs" / ("fit_fused" if fused else "fit") / name / backend / (
            "k10.log" if fused else "k10/init0.log")
        text = log.read_text()
        found = {phase: sum(map(float, re.findall(pattern, text))) for phase, pattern in _PHASES.items()}
        bench = results / "benchmarks" / ("fit_fused" if fused else "fit") / name / backend / (
            "k10.tsv" if fused else "k10/init0.tsv")
        wall = _job_wall(bench)
        found["the rest (shell, logging, records' bookkeeping, exit)"] = wall - sum(found.values())
        out[backend] = {"job_wall_s": wall, "phases_s": found}
    return out


def imports(results: Path, name: str, backend: str) -> dict[str, float]:
    """The k = 10, init 0 fit job of ``backend``, its shell command as Snakemake prints it, rerun
    under ``python -X importtime`` with its outputs in a temporary folder; seconds of import by
    top-level package (the largest 8)."""
    import os

    workdir = results.parent
    target = f"results/{name}/fit/{backend}/k10/init0/record.json"
    printed = subprocess.run([SNAKEMAKE, "-s", str(ROOT / "Snakefile"), "--directory", str(workdir), "--configfile",
                              str(workdir / "config.yaml"), "-n", "-p", "--forcerun", target, target],
                             check=True, capture_output=True, text=True)
    line = next(line.strip().removeprefix("Shell command: ") for line in (printed.stdout + printed.stderr).splitlines()
                if "/fit.py" in line and f"/{backend}/k10/init0.log" in line)
    with tempfile.TemporaryDirectory() as tmp:
        line = re.sub(r"--log \S+", f"--log {tmp}/log", line)
        for output in ("centroids.npy", "labels.npy", "record.json"):
            line = line.replace(f"results/{name}/fit/{backend}/k10/init0/{output}", f"{tmp}/{output}")
        env = {**os.environ, "KMEANS_STUDY_SCRIPTS": str(ROOT / "scripts"),
               "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
        traced = subprocess.run(["bash", "-c", "python -X importtime " + line.removeprefix("python ")], cwd=workdir,
                                capture_output=True, text=True, env=env, check=True)
    totals: dict[str, float] = {}
    for entry_line in traced.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", entry_line)
        if match and len(match.group(2)) <= 1:  # top-level imports only: their times include their own
            package = match.group(3).split(".")[0]
            totals[package] = totals.get(package, 0.0) + int(match.group(1)) / 1e6
    return dict(sorted(totals.items(), key=lambda item: -item[1])[:8])


def run(name: str, workdir: Path, cores: int) -> dict:
    """Every part above on dataset ``name``, printed."""
    from kmeans_study.backends import REGISTRY, get_backend

    started = entry(workdir / "entry")
    print(f"\n== job entry: {ENTRY_JOBS} jobs of a script that does nothing, median job wall (Snakemake's benchmark)")
    print(f"   script: directive {started['script']:.3f} s; shell: command {started['shell']:.3f} s")
    results = fit_study(name, workdir / "fits", cores)
    measured = overheads(results, name)
    print(f"\n== {name}: fit jobs (k = {', '.join(map(str, KS))}; {INITS} inits), medians over jobs, s; "
          f"target: overhead <= bare import + {TARGET_OVERHEAD_S}, evaluation per record <= {TARGET_EVAL_S}")
    print(f"   {'backend':15s} {'jobs':>4s} {'job wall':>9s} {'fit':>7s} {'eval':>7s} {'overhead':>9s} "
          f"{'bare import':>12s} {'over import':>12s}")
    for backend, row in measured.items():
        libraries = get_backend(backend, {}).libraries if backend in REGISTRY else ["numpy"]
        row["bare_import_s"] = bare_import(libraries)
        row["overhead_over_import_s"] = row["overhead_s"] - row["bare_import_s"]
        print(f"   {backend:15s} {row['jobs']:4d} {row['job_wall_s']:9.3f} {row['fit_s']:7.3f} "
              f"{row['evaluation_per_record_s']:7.3f} {row['overhead_s']:9.3f} {row['bare_import_s']:12.3f} "
              f"{row['overhead_over_import_s']:+12.3f}   (import {', '.join(libraries)})")
    detail = phases(results, name)
    print(f"\n== {name}: where one fit job's time goes (k = 10, init 0; for fused the job of k = 10), s")
    for backend, row in detail.items():
        print(f"   {backend:15s} job wall {row['job_wall_s']:.3f}: "
              + "; ".join(f"{phase} {seconds:.3f}" for phase, seconds in row["phases_s"].items()))
    traced = {}
    for backend in ("sklearn", "faiss"):
        traced[backend] = imports(results, name, backend)
        print(f"   imports of the {backend} job (python -X importtime, s): "
              + ", ".join(f"{package} {seconds:.3f}" for package, seconds in traced[backend].items()))
    return {"entry_job_wall_s": started, "fit_jobs": measured, "phases": detail, "imports": traced}
