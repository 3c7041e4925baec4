# The reference's worked examples, from result files: colour quantization for image datasets,
# segment means in original units for tables. Both use each k's best init of one backend.


rule quantization:
    input:
        unpack(get_best_fits),
    output:
        table=report(
            paths.QUANTIZATION,
            caption="../report/quantization.rst",
            category="{dataset}",
            subcategory="Worked examples",
            labels={"table": "colour quantization", "backend": "{backend}"},
        ),
        plot=report(
            paths.QUANTIZATION_PLOT,
            caption="../report/quantization.rst",
            category="{dataset}",
            subcategory="Worked examples",
            labels={"plot": "quantized images", "backend": "{backend}"},
        ),
    log:
        paths.log("quantization", "{dataset}/{backend}"),
    localrule: True
    conda:
        "../../envs/aggregate.yaml"
    params:
        dpi=lookup(dpath="report/plot_dpi", within=config),
    script:
        "../../scripts/quantization.py"


rule segments:
    input:
        unpack(get_best_fits),
    output:
        table=report(
            paths.SEGMENTS,
            caption="../report/segments.rst",
            category="{dataset}",
            subcategory="Worked examples",
            labels={"table": "segments", "backend": "{backend}"},
        ),
    log:
        paths.log("segments", "{dataset}/{backend}"),
    localrule: True
    conda:
        "../../envs/aggregate.yaml"
    script:
        "../../scripts/segments.py"
