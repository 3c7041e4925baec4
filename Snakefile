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
include: "workflow/rules/kchoice_common.smk"
include: "workflow/rules/kchoice.smk"
include: "workflow/rules/examples.smk"


rule all:
    default_target: True
    input:
        get_final_output(),
