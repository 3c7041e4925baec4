# One job per (dataset, k) computes the k-means++ starts of all init ids in shared passes over X.
# Fits take them as ancient() inputs: adding inits reruns this job for every k (it writes the
# existing starts again, bit for bit, as tested) without rerunning the fits that used them.
rule init_centroids:
    input:
        X=paths.DATA_X,
        meta=paths.DATA_META,
    output:
        starts=expand(paths.START, init_id=INIT_IDS, allow_missing=True),
    log:
        paths.log("init_centroids", "{dataset}/k{k}"),
    priority: get_init_priority
    conda:
        "../../envs/data.yaml"
    resources:
        mem_mb=get_starts_mem_mb,
    params:
        job=get_job(
            seeds=get_init_seeds,
            init_version=INIT_VERSION,
        ),
        files=get_files,
    shell:
        JOB.format(script="init_centroids")


rule fit:
    input:
        unpack(get_fit_inputs),
    output:
        centroids=paths.FIT_CENTROIDS,
        labels=paths.FIT_LABELS,
        record=paths.FIT_RECORD,
    log:
        paths.FIT_LOG,
    benchmark:
        paths.FIT_BENCHMARK
    wildcard_constraints:
        backend=alternatives(PER_INIT_BACKENDS),
    priority: get_fit_priority
    conda:
        get_fit_env
    threads: 1
    resources:
        mem_mb=get_fit_mem_mb,
        gpu=get_fit_gpus,
    params:
        job=get_job(
            backend=get_backend_params,
            base_backend=get_base_backend,
            seed=get_init_seed,
            sample_seed=get_fit_sample_seed,
            init_version=INIT_VERSION,
            record_version=RECORD_VERSION,
        ),
        files=get_files,
    shell:
        JOB.format(script="fit")


# A fused backend (`fused` is one): one job fits every init of one (dataset, k) and writes each init's
# outputs exactly where the per-init fits write theirs.
rule fit_fused:
    input:
        X=paths.DATA_X,
        meta=paths.DATA_META,
        starts=get_starts_of_k,
    output:
        centroids=expand(paths.FIT_CENTROIDS, init_id=INIT_IDS, allow_missing=True),
        labels=expand(paths.FIT_LABELS, init_id=INIT_IDS, allow_missing=True),
        records=expand(paths.FIT_RECORD, init_id=INIT_IDS, allow_missing=True),
    log:
        paths.FUSED_LOG,
    benchmark:
        paths.FUSED_BENCHMARK
    wildcard_constraints:
        backend=alternatives(FUSED_BACKENDS),
    priority: get_fit_priority
    conda:
        get_fit_env
    # One thread by default: on a small machine, fused jobs side by side use the cores better
    # than one job's threads (a job's last, slowest inits keep a single pass running). With
    # threads N the row chunks are split over N Python threads, one BLAS thread each.
    threads: 1
    resources:
        mem_mb=get_fit_mem_mb,
    params:
        job=get_job(
            backend=get_backend_params,
            seeds=get_init_seeds,
            init_version=INIT_VERSION,
            record_version=RECORD_VERSION,
        ),
        files=get_files,
    shell:
        JOB.format(script="fit_fused")
