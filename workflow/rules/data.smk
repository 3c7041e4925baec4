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
        spec=get_dataset_spec,
        cache_dir=lookup(dpath="cache_dir", within=config),
    script:
        "../../scripts/prepare_dataset.py"
