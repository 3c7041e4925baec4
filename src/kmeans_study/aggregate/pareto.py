"""Speed against quality per dataset and k: one point per backend (a grid point is a backend),
the Pareto frontier, and the backend recommended for an inertia budget.

Everything is paired by init: a backend's inertia gap at (k, init) is its inertia over the
reference backend's from the same start, minus one, so differences are the backends' own and
not different local minima from different starts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _against_reference(by_init: pd.DataFrame, reference: str) -> pd.DataFrame:
    """ARI and matched agreement of every backend with the reference, per (backend, k, init)."""
    columns = ["backend", "k", "init_id", "ari", "matched_agreement"]
    if by_init is None or by_init.empty:
        return pd.DataFrame(columns=columns)
    a = by_init[by_init["backend_a"] == reference].rename(columns={"backend_b": "backend"})
    b = by_init[by_init["backend_b"] == reference].rename(columns={"backend_a": "backend"})
    return pd.concat([a[columns], b[columns]], ignore_index=True)


def pareto_table(records: pd.DataFrame, by_init: pd.DataFrame | None, reference: str, budget: float) -> pd.DataFrame:
    """One row per (k, backend): median fit time over inits, median inertia gap to ``reference``
    (same init), share of points the backend's own search puts on their exact nearest centroid
    (empty for exact search), median ARI and matched agreement with the reference, speedup over
    the reference, whether the point is on the Pareto frontier of (fit time, gap), and which
    backend is recommended: the fastest with median gap <= ``budget``.

    records : load_records() rows of one dataset; by_init : agreement_by_init.csv (pairs with the
    reference give the ARI columns).
    """
    ref = records[records["backend"] == reference].set_index(["k", "init_id"])["inertia"]
    if ref.empty:
        raise ValueError(f"reference backend {reference!r} has no fit records")
    frame = records.copy()
    keys = list(zip(frame["k"], frame["init_id"]))
    frame["inertia_gap"] = [
        inertia / ref[key] - 1 if key in ref.index else np.nan for inertia, key in zip(frame["inertia"], keys)
    ]
    agreement = _against_reference(by_init, reference)
    frame = frame.merge(agreement, on=["backend", "k", "init_id"], how="left")
    self_rows = frame["backend"] == reference
    frame.loc[self_rows, ["ari", "matched_agreement"]] = 1.0
    table = (
        frame.groupby(["k", "backend"], sort=False)
        .agg(
            assignment=("assignment", "first"),
            n_inits=("init_id", "size"),
            fit_wall_s_median=("fit_wall_s", "median"),
            n_iter_median=("n_iter", "median"),
            inertia_median=("inertia", "median"),
            inertia_gap_median=("inertia_gap", "median"),
            inertia_gap_max=("inertia_gap", "max"),
            exact_assignment_fraction_median=("own_assignment_exact_fraction", "median"),
            ari_median=("ari", "median"),
            matched_agreement_median=("matched_agreement", "median"),
            blas=("blas", "first"),
        )
        .reset_index()
        .sort_values(["k", "fit_wall_s_median"], kind="stable")
        .reset_index(drop=True)
    )
    ref_time = table[table["backend"] == reference].set_index("k")["fit_wall_s_median"]
    table["speedup_vs_reference"] = table["k"].map(ref_time) / table["fit_wall_s_median"]
    table["reference"] = reference
    table["on_frontier"] = False
    table["recommended"] = False
    for _, group in table.groupby("k"):
        times, gaps = group["fit_wall_s_median"].to_numpy(), group["inertia_gap_median"].to_numpy()
        for index, t, g in zip(group.index, times, gaps):
            dominated = ((times <= t) & (gaps <= g) & ((times < t) | (gaps < g))).any()
            table.loc[index, "on_frontier"] = not dominated and not np.isnan(g)
        within = group[group["inertia_gap_median"] <= budget]
        if not within.empty:
            table.loc[within["fit_wall_s_median"].idxmin(), "recommended"] = True
    table["inertia_budget"] = budget
    return table


def pareto_ks(ks: list[int], most: int = 12) -> list[int]:
    """The k values drawn, one panel each: all of them up to ``most`` (three rows of four panels
    fit a page), else ``most`` evenly spread ones including both ends."""
    ks = sorted(set(int(k) for k in ks))
    if len(ks) <= most:
        return ks
    return [ks[i] for i in sorted(set(np.linspace(0, len(ks) - 1, most).round().astype(int)))]
