"""The summary with its provenance, and the HTML report's page of one result file."""

from __future__ import annotations

from kmeans_study import io, paths


def summary(*, config: dict, per_dataset: dict[str, dict], md: str, provenance: str) -> None:
    """per_dataset : dataset -> {"meta": path, "elbows": {backend: path}, "quality": {backend:
    path} (labelled datasets), "timing", "pareto", "agreement", "elbow_agreement", "k_choice",
    "k_choice_table": paths,
    "files": [paths], "sample_records": [paths]}."""
    from pathlib import Path

    from kmeans_study.config.study import backend_names, config_hash, init_ids, reference_backend, registered
    from kmeans_study.report.summary.assembly import dataset_section, summary_markdown
    from kmeans_study.runtime import library_versions

    base = Path(md).parent
    exact = {b: registered(config, b).exact for b in backend_names(config)}
    sections, versions, checksums = [], library_versions(["pandas", "matplotlib", "kneed", "sklearn"]), {}
    for name, files in per_dataset.items():
        facts = io.read_json(files["meta"])
        checksums[name] = facts["sha256"]["X"]
        loaded = {
            "meta": facts,
            "reference": reference_backend(config),
            "exact": exact,
            "elbows": {b: io.read_json(p) for b, p in files["elbows"].items()},
            "quality": {b: io.read_csv(p) for b, p in files.get("quality", {}).items()},
            "timing": io.read_csv(files["timing"]),
            "pareto": io.read_csv(files["pareto"]) if "pareto" in files else None,
            "k_choice": io.read_json(files["k_choice"]),
            "k_choice_table": io.read_csv(files["k_choice_table"]),
            "files": files["files"],
        }
        if "agreement" in files:
            loaded["agreement"] = io.read_csv(files["agreement"])
        sections.append(dataset_section(name, loaded, base))
    for record_path in {p for files in per_dataset.values() for p in files["sample_records"]}:
        versions.update(io.read_json(record_path)["versions"])
    facts = {
        "config_sha256": config_hash(config),
        "config": config,
        "data_sha256": checksums,
        "n_inits": len(init_ids(config)),
        "versions": versions,
    }
    io.write_json(provenance, facts)
    with io.atomic_path(md) as tmp:
        tmp.write_text(summary_markdown(config, sections, facts))


def report_page(*, source: str, page: str) -> None:
    """The HTML report's page of one table, Markdown file or figure (see ``report.pages``)."""
    from pathlib import Path

    from kmeans_study.report.pages import page as render

    text = render(source, Path(source).relative_to(paths.RESULTS).as_posix())
    with io.atomic_path(page) as tmp:
        tmp.write_text(text, encoding="utf-8")

