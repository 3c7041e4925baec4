# The study's answers in one file per run (summary.md), with what produced them (provenance.json).


rule summary:
    input:
        get_summary_inputs,
    output:
        md=report(
            paths.SUMMARY,
            caption="../report/summary.rst",
            category="Summary",
            labels={"file": "summary.md"},
        ),
        provenance=paths.PROVENANCE,
    log:
        paths.log("summary", "summary"),
    localrule: True
    conda:
        "../../envs/aggregate.yaml"
    params:
        per_dataset=get_summary_structure,
        # Any config change refreshes the provenance, even one that reruns nothing else.
        config_sha256=config_hash(config),
    script:
        "../../scripts/summary.py"
