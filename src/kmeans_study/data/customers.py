"""The shipped synthetic customer table (workflow/data/customers.csv): age, annual income and a
spending score for five made-up segments, as in the reference's segmentation example.

``python -m kmeans_study.data.customers`` rewrites the file; a test checks the shipped file equals
what this generator writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SHIPPED = Path(__file__).resolve().parents[3] / "workflow" / "data" / "customers.csv"

# segment: (share, age mean/sd, income mean/sd in k$, spending score mean/sd)
SEGMENTS = {
    "students": (0.20, (22, 3), (18, 6), (75, 10)),
    "young professionals": (0.25, (31, 4), (62, 12), (68, 12)),
    "families": (0.25, (42, 6), (55, 10), (40, 10)),
    "affluent": (0.15, (48, 8), (120, 20), (82, 8)),
    "retirees": (0.15, (68, 6), (35, 10), (22, 9)),
}


def make_customers(n: int = 1000, seed: int = 7):
    """A DataFrame of n customers: segment, age (years), annual_income_k (thousand $ a year) and
    spending_score (1-100)."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    names = list(SEGMENTS)
    shares = np.array([SEGMENTS[s][0] for s in names])
    segment = rng.choice(len(names), size=n, p=shares / shares.sum())
    columns = {}
    for column, position, low, high in (
        ("age", 1, 18, 90),
        ("annual_income_k", 2, 8, 250),
        ("spending_score", 3, 1, 100),
    ):
        mean = np.array([SEGMENTS[s][position][0] for s in names])[segment]
        sd = np.array([SEGMENTS[s][position][1] for s in names])[segment]
        columns[column] = np.clip(np.round(rng.normal(mean, sd)), low, high).astype(int)
    return pd.DataFrame({"segment": np.array(names)[segment], **columns})


def write(path: Path = SHIPPED) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    make_customers().to_csv(path, index=False)


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else SHIPPED)
