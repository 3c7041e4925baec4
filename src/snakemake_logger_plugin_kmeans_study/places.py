"""Where things are, as the user can open them: paths of the directory jobs run in shown from the
one snakemake was started in, and the run's last line, which points at the results."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from kmeans_study import paths


@dataclass
class Places:
    """rundir: the directory snakemake was started in (paths are shown relative to it); workdir:
    the one jobs run in (``--directory``), where their log paths start."""

    rundir: str = field(default_factory=os.getcwd)
    workdir: str = field(default_factory=os.getcwd)

    def shown(self, path: str) -> str:
        """A path of the working directory as the user can open it from where they started."""
        absolute = os.path.normpath(os.path.join(self.workdir, path))
        relative = os.path.relpath(absolute, self.rundir)
        return absolute if relative.startswith("..") else relative


def results_pointer(rundir: str, workdir: str, snakefile: str, configfiles: list[str], program: str) -> str:
    """The run's last line: where the summary is and the command that builds the HTML report
    (with the options that select this study: Snakefile, working directory, config files)."""
    places = Places(rundir=rundir, workdir=workdir)
    beside = Path(sys.executable).with_name("snakemake")  # `python -m snakemake` (make run) names no script
    if Path(program).name == "snakemake":
        runner = program
    elif Path(program).name == "__main__.py" and beside.exists():
        runner = places.shown(str(beside))
    else:
        runner = "snakemake"
    command = [runner, "--report", "report.html"]
    if os.path.abspath(snakefile) != os.path.join(rundir, "Snakefile"):
        command += ["-s", places.shown(snakefile)]
    if os.path.abspath(workdir) != os.path.abspath(rundir):
        command += ["--directory", places.shown(".")]
    if configfiles:
        command += ["--configfile", *map(places.shown, configfiles)]
    return f"Done. Results: {places.shown(paths.SUMMARY)}   HTML report: {' '.join(command)}"
