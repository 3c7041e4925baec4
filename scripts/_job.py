"""What every rule script starts with: this checkout's src/ first on the path (where a job runs
the package may not be installed: a conda environment, a cluster node), then the job the script
runs (``kmeans_study.steps.job``): ``from _job import sm``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from kmeans_study.steps.job import this_job  # noqa: E402 (after the path that finds it)

sm = this_job()
