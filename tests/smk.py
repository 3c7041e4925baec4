"""Helpers for tests that run snakemake itself."""

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))


def write_config(workdir: Path, config: dict, name: str = "config.yaml") -> Path:
    path = workdir / name
    path.write_text(yaml.safe_dump(config))
    return path


def snakemake(
    workdir: Path, *args: str, config: str = "config.yaml", timeout: int = 600, snakefile: Path = ROOT / "Snakefile",
    env: dict | None = None,
) -> subprocess.CompletedProcess:
    """Run ``snakefile`` (the project's) in ``workdir`` with ``workdir/config``, with ``env`` added
    to the environment; SIGINT on timeout, because a hung snakemake ignores SIGTERM."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    command = [
        "timeout", "-s", "INT", "-k", "30", str(timeout), SNAKEMAKE, "-s", str(snakefile),
        "--directory", str(workdir), "--configfile", str(workdir / config), *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, env=env)


def planned_jobs(workdir: Path, config: str = "config.yaml", targets: tuple = ()) -> tuple[Counter, list[dict]]:
    """What a run would do: job counts per rule and the wildcards of every planned fit."""
    run = snakemake(workdir, "-n", *targets, config=config)
    assert run.returncode == 0, run.stderr[-2000:]
    text = run.stdout + run.stderr
    counts = Counter()
    if "Job stats:" in text:
        table = text.split("Job stats:")[1].split("\n\n")[0]
        for line in table.splitlines():
            match = re.match(r"^(\w+)\s+(\d+)$", line.strip())
            if match and match.group(1) != "total":
                counts[match.group(1)] = int(match.group(2))
    fits = []
    for block in re.findall(r"rule fit:\n(.*?)(?:\n\n|\Z)", text, flags=re.S):
        match = re.search(r"wildcards: (.*)", block)
        fits.append(dict(item.split("=") for item in match.group(1).split(", ")))
    return counts, fits


def completed_study(tmp_path_factory, name: str, config: dict, *args: str) -> Path:
    """A fresh directory holding ``config`` after a successful ``snakemake --cores 2`` run."""
    workdir = tmp_path_factory.mktemp(name)
    write_config(workdir, config)
    run = snakemake(workdir, "--cores", "2", *args)
    assert run.returncode == 0, run.stderr[-3000:]
    return workdir
