"""Best initialisation per (dataset, backend, k), with the spread over inits."""

from __future__ import annotations

import pandas as pd

from kmeans_study import io

RECORD_COLUMNS = [
    "dataset", "backend", "k", "init_id", "init", "inertia", "n_iter", "converged", "fit_wall_s", "fit_cpu_s",
    "threads", "n_points", "peak_rss_mb", "data_mb",
]


def _blas_summary(record: dict) -> str:
    """The BLAS libraries a fit had loaded and the kernel each used, e.g. 'openblas 0.3.15 Haswell'."""
    libs = [lib for lib in record["native_libraries"] if lib["internal_api"] != "openmp"]
    return "; ".join(f"{lib['internal_api']} {lib['version']} {lib['architecture']}" for lib in libs)


def load_records(paths) -> pd.DataFrame:
    """One row per fit record: the columns in RECORD_COLUMNS plus ``points_used`` (points the
    backend trained on), ``blas`` (kernel summary), ``own_assignment_exact_fraction`` (approximate
    backends: the share of points their own search puts on the exact nearest final centroid;
    empty for exact ones), ``assignment`` (what the assignment step did),
    ``fit_time_attributed`` (the fit was one of a per-k job's, its ``fit_wall_s`` a share of the
    job's fit time by iterations) and ``record_path``."""
    rows = []
    for path in paths:
        record = io.read_json(path)
        row = {key: record[key] for key in RECORD_COLUMNS}
        row.update(
            points_used=record["details"]["points_used"],
            blas=_blas_summary(record),
            own_assignment_exact_fraction=record.get("own_assignment_exact_fraction"),
            assignment=record["details"].get("assignment", "exact"),
            fit_time_attributed="fit_time_attribution" in record["details"].get("fused", {}),
            record_path=str(path),
        )
        rows.append(row)
    extra = ["points_used", "blas", "own_assignment_exact_fraction", "assignment", "fit_time_attributed", "record_path"]
    return pd.DataFrame(rows, columns=RECORD_COLUMNS + extra)


def best_init_table(records: pd.DataFrame) -> pd.DataFrame:
    """Per k: the init with the lowest inertia (ties go to the lowest init id) and the spread.

    Columns: k, best_init_id, inertia_best, inertia_median, inertia_max, inertia_std,
    relative_spread ((max - min) / min), n_inits, n_converged, n_iter_best,
    fit_wall_s_median, fit_wall_s_min, fit_wall_s_max.
    """
    rows = []
    for k, group in records.sort_values(["k", "inertia", "init_id"]).groupby("k", sort=True):
        best = group.iloc[0]
        rows.append(
            {
                "k": int(k),
                "best_init_id": int(best["init_id"]),
                "inertia_best": float(best["inertia"]),
                "inertia_median": float(group["inertia"].median()),
                "inertia_max": float(group["inertia"].max()),
                "inertia_std": float(group["inertia"].std(ddof=0)),
                "relative_spread": float((group["inertia"].max() - best["inertia"]) / best["inertia"]),
                "n_inits": int(len(group)),
                "n_converged": int(group["converged"].sum()),
                "n_iter_best": int(best["n_iter"]),
                "fit_wall_s_median": float(group["fit_wall_s"].median()),
                "fit_wall_s_min": float(group["fit_wall_s"].min()),
                "fit_wall_s_max": float(group["fit_wall_s"].max()),
            }
        )
    return pd.DataFrame(rows)
