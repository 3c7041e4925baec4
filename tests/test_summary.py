"""The summary page: answers first, in words and numbers, then readable tables at one k."""

import re
from pathlib import Path

import pandas as pd
import pytest
from study_tables import BLOBS, DEFAULT_STUDY, study_tables

from kmeans_study.report.summary.assembly import dataset_section
from kmeans_study.report.summary.clusters import shown_k

KS = list(range(5, 16))
EXACT = {"sklearn": True, "faiss": True, "faiss_sampled": False, "fused": True}
META = {"source": "mnist5k", "shape": [5000, 784], "preprocessing": [{"step": "zscore"}], "n_distinct_points": 5000,
        "has_labels": True, "n_label_classes": 10}


def inputs_of(backends: dict, meta: dict = META) -> dict:
    tables = study_tables(backends, KS, 10, "sklearn")
    quality = {
        b: pd.DataFrame({"k": KS, "inertia": best["inertia_best"], "purity": 0.5, "ari": [0.3 + 0.01 * k for k in KS],
                         "nmi": 0.5, "homogeneity": 0.5, "completeness": 0.5})
        for b, best in tables["best"].items()
    }
    files = [f"results/d/{name}" for name in ("timing.csv", "timing.png", "pareto.csv", "agreement.csv")]
    files += [f"results/d/{b}/{name}" for name in ("best_init.csv", "elbow.png") for b in backends]
    return {"meta": meta, "reference": "sklearn", "exact": EXACT, "elbows": tables["elbows"], "quality": quality,
            "timing": tables["timing"], "pareto": tables["pareto"], "agreement": tables["agreement"], "files": files}


@pytest.fixture(scope="module")
def mnist_like():
    inputs = inputs_of(DEFAULT_STUDY)
    return inputs, dataset_section("d", inputs, Path("results"))


def section(text: str, heading: str) -> str:
    return text.split(heading, 1)[1].split("\n### ", 1)[0]


def table_rows(text: str) -> list[list[str]]:
    lines = [line for line in text.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines if not line.startswith("|---")]


def test_the_answers_come_first_in_words_and_numbers(mnist_like):
    inputs, text = mnist_like
    answers = text.split("\n### ", 1)[0]
    for question in ("How many clusters", "How good", "Fastest", "Do the backends agree"):
        assert f"- **{question}:**" in answers
    k, _ = shown_k(inputs)
    fastest = inputs["timing"][inputs["timing"]["k"] == k].sort_values("fit_wall_s_median").iloc[0]
    speedup = f"{fastest['speedup_vs_reference']:.2f}x"
    assert f"`{fastest['backend']}`: {speedup}" in answers
    gap = inputs["pareto"].set_index(["k", "backend"]).loc[(k, "faiss_sampled"), "ari_median"]
    assert f"ARI {gap:.3f}" in answers  # the approximate backend's quality cost is in the answers
    assert "no evidence for the k" in answers


def test_tables_have_readable_headers_and_no_column_empty_in_every_row(mnist_like):
    _, text = mnist_like
    assert not re.search(r"\b[a-z]+_[a-z_]+_(median|max|min|mb)\b", text.replace("`job_sampled_rss_mb`", ""))
    for heading in ("### How many clusters", "### How good", "### Which backend is fastest", "### Fastest within",
                    "### Do the backends agree"):
        header, *rows = table_rows(section(text, heading))
        for column in range(len(header)):
            assert {row[column] for row in rows} - {"none", "n/a", ""}, (heading, header[column])


def test_the_fastest_table_is_sorted_by_fit_time_names_the_winner_and_keeps_small_gaps(mnist_like):
    inputs, text = mnist_like
    header, *rows = table_rows(section(text, "### Which backend is fastest"))
    times = [float(row[1].rstrip("‡")) for row in rows]
    assert times == sorted(times) and rows[0][0].startswith("**")
    column = header.index("inertia gap vs `sklearn`")
    gaps = {row[0].strip("*`"): row[column] for row in rows}
    assert gaps["faiss"] == "+1.0e-07%" and gaps["faiss_sampled"] == "+1.20%" and gaps["sklearn"] == "0%"
    assert "speedup vs `sklearn`" in header and "‡" in rows[0][1]  # fused's fit time is a share of its job


def test_fits_too_short_to_time_are_flagged_with_the_rule():
    text = dataset_section("blobs", inputs_of(BLOBS), Path("results"))
    answers = text.split("\n### ", 1)[0]
    assert "†" in answers and "median fit under 50 ms, or under 5 iterations and 0.5 s" in answers
    _, *rows = table_rows(section(text, "### Which backend is fastest"))
    assert all(row[2].endswith("†") for row in rows)


def test_the_naive_agreement_is_explained_not_shown(mnist_like):
    _, text = mnist_like
    agreement = section(text, "### Do the backends agree")
    assert "mean(a == b)" in agreement and "reads like the matched agreement" in agreement
    header, *_ = table_rows(agreement)
    assert not any("naive" in column or "unmatched" in column for column in header)


def test_files_are_grouped_and_each_name_appears_once(mnist_like):
    _, text = mnist_like
    files = section(text, "### Files")
    link_texts = re.findall(r"\[([^]]+)\]", files)
    assert "best_init.csv" not in link_texts and files.count("- best_init.csv: [sklearn](d/sklearn/best_init.csv)") == 1
    assert "[timing.csv](d/timing.csv)" in files


def elbow(ks, two_line):
    return {"k": ks, "two_line": {"k": two_line}, "kneedle": {"k": None}}


@pytest.mark.parametrize("ks, two_line, classes, expected, why", [
    ([5, 6, 7, 8, 9], 7, 10, 7, "two-line elbow"),
    ([8, 10, 12], None, 10, 10, "number of label classes"),
    ([2, 3, 4], None, 10, 3, "middle k"),
    ([2, 3, 4], None, 0, 3, "middle k"),
])
def test_the_shown_k_and_why(ks, two_line, classes, expected, why):
    inputs = {"reference": "r", "elbows": {"r": elbow(ks, two_line)}, "meta": {"n_label_classes": classes}}
    k, reason = shown_k(inputs)
    assert k == expected and why in reason


def answer_to(text: str, question: str) -> str:
    return text.split(f"- **{question}:** ", 1)[1].split("\n- **", 1)[0]


def test_no_backend_is_called_fastest_when_the_references_fits_are_too_short_to_time():
    inputs = inputs_of(DEFAULT_STUDY)
    k, _ = shown_k(inputs)
    timing = inputs["timing"].copy()
    timing.loc[(timing["backend"] == "sklearn") & (timing["k"] == k), "fixed_cost_dominated"] = True
    fast = answer_to(dataset_section("d", {**inputs, "timing": timing}, Path("results")), "Fastest")
    assert fast.startswith(f"at k = {k}, no backend can be called fastest") and "per-call costs" in fast
    assert "the speed of" not in fast


def test_exact_backends_that_part_at_another_k_are_named():
    inputs = inputs_of(DEFAULT_STUDY)
    k, _ = shown_k(inputs)
    agree = inputs["agreement"].copy()
    exact_pair = agree["backend_a"].map(inputs["exact"]) & agree["backend_b"].map(inputs["exact"])
    other = sorted(set(agree["k"]) - {k})[-1]
    row = agree.index[exact_pair & (agree["k"] == other)][0]
    agree.loc[row, "ari_min"] = 0.951
    said = answer_to(dataset_section("d", {**inputs, "agreement": agree}, Path("results")), "Do the backends agree")
    assert f"At k = {other}, exact backends parted" in said and "ARI 0.951" in said
    assert "parted" not in answer_to(dataset_section("d", inputs, Path("results")), "Do the backends agree")


@pytest.mark.parametrize(("fraction", "shown"), [(0.0, "0%"), (2e-12, "≈0%"), (-3e-10, "≈0%"), (2e-8, "+2.0e-06%"),
                                                 (0.0078, "+0.78%")])
def test_inertia_gaps_below_float_rounding_show_as_about_zero(fraction, shown):
    from kmeans_study.report.summary.formats import gap

    assert gap(fraction) == shown


def agreement_with(inputs, pair, **values):
    """The summary's agreement answer and table rows with ``values`` set for ``pair`` (a, b) at the shown k."""
    k, _ = shown_k(inputs)
    agree = inputs["agreement"].copy()
    row = agree.index[(agree["k"] == k) & (agree["backend_a"] == pair[0]) & (agree["backend_b"] == pair[1])][0]
    for column, value in values.items():
        agree.loc[row, column] = value
    text = dataset_section("d", {**inputs, "agreement": agree}, Path("results"))
    rows = {r[0]: r for r in table_rows(section(text, "### Do the backends agree"))[1:]}
    return answer_to(text, "Do the backends agree"), rows


def test_exact_backends_that_part_at_a_few_inits_are_said_to_agree_at_most_not_to_end_elsewhere():
    answer, rows = agreement_with(inputs_of(DEFAULT_STUDY), ("sklearn", "faiss"), ari_median=1.0, ari_min=0.95,
                                  matched_agreement_min=0.97)
    assert rows["`faiss` vs `sklearn`"][2:4] == ["1", "0.950"]  # ARI median, min: the table the sentence reads
    assert "end in other partitions" not in answer
    assert ("`faiss` vs `sklearn`, both exact, end in the same partition at half of the inits or more (median ARI 1) "
            "but not at every init (lowest ARI 0.950)") in answer
    # faiss and sklearn parted, so the backends are not all named as ending in identical partitions
    assert "the exact backends `faiss`, `fused`, `sklearn`" not in answer
    assert "the exact pairs `fused` vs `sklearn`, `fused` vs `faiss` end in identical partitions" in answer


def test_exact_backends_that_part_at_most_inits_are_said_to_end_in_other_partitions():
    answer, rows = agreement_with(inputs_of(DEFAULT_STUDY), ("sklearn", "faiss"), ari_median=0.9, ari_min=0.8)
    assert rows["`faiss` vs `sklearn`"][2:4] == ["0.900", "0.800"]
    assert ("`faiss` vs `sklearn`, both exact, end in other partitions at half of the inits or more (median ARI "
            "0.900, lowest 0.800") in answer


def test_exact_backends_that_agree_at_every_init_are_named_together():
    answer, _ = agreement_with(inputs_of(DEFAULT_STUDY), ("sklearn", "faiss"))
    assert "the exact backends `faiss`, `fused`, `sklearn` end in identical partitions (ARI 1 at every init)" in answer
    assert "at half of the inits" not in answer


@pytest.mark.parametrize("ks, classes, expected", [([8, 9, 12], 8, 8), ([8, 10, 12], 9, 10), ([3, 5], 3, 3)])
def test_without_an_elbow_the_summary_and_the_heatmap_show_the_same_k(tmp_path, monkeypatch, ks, classes, expected):
    from kmeans_study import io
    from kmeans_study.aggregate import plots as figures
    from kmeans_study.steps import plots

    inputs = {"reference": "r", "elbows": {"r": elbow(ks, None)}, "meta": {"n_label_classes": classes}}
    assert shown_k(inputs)[0] == expected
    drawn = {}
    monkeypatch.setattr(figures, "confusion_figure", lambda table, k, title: drawn.update(k=k, title=title))
    monkeypatch.setattr(io, "save_figure", lambda *args: None)
    pd.DataFrame({"k": ks[0], "best_init_id": 0, "label": range(classes), "cluster_0": 1}).to_csv(
        tmp_path / "confusion.csv", index=False)
    io.write_json(tmp_path / "elbow.json", elbow(ks, None))
    plots.confusion_plot(dataset="d", backend="r", which="elbow", confusion=str(tmp_path / "confusion.csv"),
                         elbow=str(tmp_path / "elbow.json"), plot=str(tmp_path / "c.png"), dpi=50)
    assert drawn["k"] == expected and "no two-line elbow" in drawn["title"]
