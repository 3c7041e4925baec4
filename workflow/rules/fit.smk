rule init_centroids:
    input:
        X=paths.DATA_X,
        meta=paths.DATA_META,
    output:
        paths.INIT,
    log:
        paths.log("init_centroids", "{dataset}/k{k}/init{init_id}"),
    conda:
        "../../envs/data.yaml"
    params:
        seed=lambda wc: init_seed(config, wc.dataset, int(wc.k), int(wc.init_id)),
    script:
        "../../scripts/init_centroids.py"


rule fit:
    input:
        unpack(fit_inputs),
    output:
        centroids=paths.FIT_CENTROIDS,
        labels=paths.FIT_LABELS,
        record=paths.FIT_RECORD,
    log:
        paths.FIT_LOG,
    benchmark:
        paths.FIT_BENCHMARK
    conda:
        lambda wc: f"../../envs/{REGISTRY[wc.backend].env}.yaml"
    threads: 1
    resources:
        # The data is memory-mapped, but scikit-learn centres a copy of it: room for the
        # interpreter and libraries plus three times the data.
        mem_mb=lambda wc, input: 500 + 3 * int(input.size_mb),
        gpu=lambda wc: REGISTRY[wc.backend].gpus,
    params:
        backend=lambda wc: backend_params(config, wc.backend),
        seed=lambda wc: init_seed(config, wc.dataset, int(wc.k), int(wc.init_id)),
        record_version=RECORD_VERSION,
    script:
        "../../scripts/fit.py"
