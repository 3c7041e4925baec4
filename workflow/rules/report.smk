# The HTML report (snakemake --report report.html) shows images and HTML inline and offers every
# other file for download only; its image view cuts off the top of a figure taller than the
# window. So every table, Markdown file and figure that a rule marks report(...) is shown through
# an HTML page made from it (kmeans_study.report.pages.CONVERTERS): the page takes over the file's
# caption, category, subcategory and labels, and the file itself leaves the report (a table's page
# has a link that downloads it). A new table or figure gets its page by being marked report(...).
# Included after every rule file that may mark such outputs: one rule per marked output pattern.
# Every marked output is also a target of rule all, for each dataset that has it.

from snakemake.io import is_flagged, strip_wildcard_constraints

from kmeans_study.report.pages import CONVERTERS

# Every output a rule marks report(...): rule all's targets (get_final_output expands them).
FLAGGED = [
    output
    for source_rule in list(workflow.rules)
    for output in source_rule.output
    if is_flagged(output, "report")
]
# The patterns as written (the rule's wildcard constraints apply to the file's own rule).
REPORT_OUTPUTS = [strip_wildcard_constraints(str(output)) for output in FLAGGED]
# The patterns of the files shown through a page (get_final_output asks for their pages).
PAGE_SOURCES = []

for flagged, source in zip(FLAGGED, REPORT_OUTPUTS):
    if Path(source).suffix not in CONVERTERS:
        continue
    page = paths.report_page(source)
    name = "page_" + re.sub(r"[\W_]+", "_", Path(source).name).strip("_")
    if name in {r.name for r in workflow.rules}:
        raise ValueError(f"two report files named {Path(source).name}: rename one")
    PAGE_SOURCES.append(source)
    # The page is reported in the file's place.
    shown_as = flagged.flags.pop("report")

    rule:
        # A script, not a run: block: Snakemake runs a run: block in a whole spawned Snakemake
        # process (it parses the workflow again: 3-5 s per page, measured), a script in a plain
        # Python process.
        name:
            name
        input:
            source=source,
        output:
            page=report(
                page,
                caption=shown_as.caption,
                category=shown_as.category,
                subcategory=shown_as.subcategory,
                labels=shown_as.labels,
            ),
        log:
            paths.log(
                "report_page",
                Path(page).relative_to(paths.REPORT_PAGES).with_suffix("").as_posix(),
            ),
        localrule: True
        conda:
            "../../envs/aggregate.yaml"
        params:
            job=get_job(),
            files=get_files,
        shell:
            JOB.format(script="report_page")
