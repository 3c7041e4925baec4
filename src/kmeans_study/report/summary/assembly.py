"""The study's summary page (Markdown): one section per dataset, then the provenance.

Each dataset's section leads with the answers in words and numbers (how many clusters, how good
against the labels, which backend is fastest at what cost in quality, whether the backends
agree), then gives the tables behind them at one k (``clusters.shown_k``), then its files.
"""

from __future__ import annotations

from pathlib import Path

from kmeans_study import paths
from kmeans_study.report.summary.agreement import agreement
from kmeans_study.report.summary.clusters import how_many_clusters, shown_k
from kmeans_study.report.summary.quality import how_good
from kmeans_study.report.summary.speed import fastest, within_budget


def files(name: str, inputs: dict, base: Path) -> list[str]:
    """The dataset's result files, grouped: the dataset's own, then one line per file name kept
    per backend (in the backend's folder), linked by backend."""
    folder = Path(paths.fmt(paths.TIMING, dataset=name)).parent
    own, per_backend = [], {}
    for path in map(Path, inputs["files"]):
        if path.parent == folder:
            own.append(path)
        else:
            per_backend.setdefault(path.name, []).append(path)

    def link(text, path):
        return f"[{text}]({path.relative_to(base)})"

    lines = ["### Files", "", "- this dataset: " + " · ".join(link(p.name, p) for p in own)]
    lines += [f"- {file}: " + " · ".join(link(p.parent.name, p) for p in group) for file, group in per_backend.items()]
    return lines + [""]


def dataset_section(name: str, inputs: dict, base: Path) -> str:
    """Markdown for one dataset. ``inputs`` holds the loaded report files of that dataset: meta,
    reference (the reference backend's name), exact (backend -> whether it computes exact Lloyd),
    elbows (backend -> elbow.json), quality (backend -> quality.csv frame; labelled data only),
    timing, pareto, agreement (by k; absent with one backend), and ``files``: the paths to link."""
    meta = inputs["meta"]
    k, why = shown_k(inputs)
    steps = ", ".join(s["step"] for s in meta["preprocessing"]) or "none"
    labels = f"{meta['n_label_classes']} label classes" if meta["has_labels"] else "no labels"
    clusters_answer, clusters = how_many_clusters(inputs)
    good_answer, good = how_good(inputs, k)
    fast_answer, fast = fastest(inputs, k)
    agree_answer, agree = agreement(inputs, k)
    answers = [f"- **How many clusters:** {clusters_answer}"]
    if good_answer:
        answers.append(f"- **How good:** {good_answer}")
    answers.append(f"- **Fastest:** {fast_answer}")
    if agree_answer:
        answers.append(f"- **Do the backends agree:** {agree_answer}")
    out = [
        f"## Dataset `{name}`",
        "",
        f"Source `{meta['source']}`: {meta['shape'][0]} points x {meta['shape'][1]} features after preprocessing "
        f"({steps}), {meta['n_distinct_points']} distinct; {labels}. Reference backend: `{inputs['reference']}`.",
        "",
        *answers,
        "",
        f"The tables are at k = {k}, {why}; the CSV files have every k.",
        "",
        *clusters,
        *good,
        *fast,
        *within_budget(inputs),
        *agree,
        *files(name, inputs, base),
    ]
    return "\n".join(out)


def summary_markdown(config: dict, sections: list[str], provenance: dict) -> str:
    head = [
        "# kmeans-study summary",
        "",
        f"{len(config['datasets'])} dataset(s), backends {', '.join(f'`{b}`' for b in config['backends'])}, "
        f"{provenance['n_inits']} inits per k from shared k-means++ starts; stopping rule: max_iter "
        f"{config['fit']['max_iter']}, tol {config['fit']['tol']}. Provenance at the end.",
        "",
    ]
    tail = [
        "## Provenance",
        "",
        f"Config SHA-256 `{provenance['config_sha256']}` (full record: `provenance.json`).",
        "",
        "Data checksums (SHA-256 of the prepared float32 array):",
        "",
        *[f"- `{name}`: `{digest}`" for name, digest in provenance["data_sha256"].items()],
        "",
        "Library versions: " + ", ".join(f"{k} {v}" for k, v in sorted(provenance["versions"].items())) + ".",
        "",
    ]
    return "\n".join(head + sections + tail)
