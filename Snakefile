from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")


# The study is config.yaml unless --configfile names another: Snakemake would otherwise merge the
# two (a shipped config's datasets added to the default ones).
if not workflow.overwrite_configfiles:

    configfile: Path(workflow.basedir) / "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/fit.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/plots.smk"
include: "workflow/rules/kchoice.smk"
include: "workflow/rules/examples.smk"
include: "workflow/rules/summary.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        get_final_output(),


# Before the first job runs (never while the workflow is parsed, nor under -n): the results
# directory must be writable, said in one line.
onstart:
    try:
        paths.check_writable()
    except PermissionError as exc:
        sys.exit(f"kmeans-study: {exc}")


# The run's last line: where the answers are (the terminal view prints it after Snakemake's own).
onsuccess:
    import os
    import sys
    from snakemake.logging import logger
    from snakemake_logger_plugin_kmeans_study.console import (
        LAST_LINE,
        results_pointer,
    )

    logger.info(
        results_pointer(
            workflow.rundir,
            os.getcwd(),
            workflow.main_snakefile,
            workflow.overwrite_configfiles,
            sys.argv[0],
        ),
        extra={LAST_LINE: True},
    )
