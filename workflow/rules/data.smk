rule prepare_dataset:
    output:
        X=paths.DATA_X,
        labels=paths.DATA_LABELS,
        meta=paths.DATA_META,
    log:
        paths.log("prepare_dataset", "{dataset}"),
    conda:
        "../../envs/data.yaml"
    params:
        spec=lambda wildcards: dataset_spec(config, wildcards.dataset),
        cache_dir=config["cache_dir"],
    script:
        "../../scripts/prepare_dataset.py"
