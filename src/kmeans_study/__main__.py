"""``python -m kmeans_study``: see kmeans_study.cli."""

import sys

from kmeans_study.cli import main

sys.exit(main())
