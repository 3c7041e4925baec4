"""The exact sweep: every (k, init) from the same shared start, one thread each, in this process:
scikit-learn, scikit-learn-intelex, the project's multi-init engine (``fused``, pruned) and the
same engine unpruned. The engines take turns per k (the order rotates), so whatever else runs on
the machine lands on all of them. Times per k, iterations, the share of distances the pruning
skipped and the time it saved, best inertia per k against scikit-learn's.
"""

from __future__ import annotations

import numpy as np

from benchmarks.common import INITS, Clock, params_of, seeds, shared_starts

# The engines of the sweep, by label: a backend (run through its fit) or the unpruned engine.
SWEEP = ["sklearn", "sklearnex", "fused", "fused unpruned"]


def _run_engine(engine: str, X, inits: list, k: int, seed_of: dict, params: dict) -> dict:
    """Fit every init of k with one engine; its fits' centroids, iterations and stopping rules."""
    from kmeans_study.backends import get_backend
    from kmeans_study.lloyd.core import absolute_tol
    from kmeans_study.lloyd.engine import lloyd
    from kmeans_study.lloyd.exact_strategy import ExactStrategy

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
    from kmeans_study.lloyd.evaluate import evaluate_many
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


def run(X_path: str, name: str, ks: list[int], repeats: int) -> dict:
    """The sweep, printed row by row, then its totals."""
    print(f"\n== {name}: the exact sweep, {INITS} inits per k, same starts, one thread each")
    result = sweep(X_path, name, ks, repeats)
    print_sweep_total(result)
    return result
