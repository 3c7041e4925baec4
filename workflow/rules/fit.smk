# One job per (dataset, k) computes the k-means++ starts of all init ids in shared passes over X.
# Fits take them as ancient() inputs: adding inits reruns this job for every k (it writes the
# existing starts again, bit for bit, as tested) without rerunning the fits that used them.
rule init_centroids:
    input:
        X=paths.DATA_X,
        meta=paths.DATA_META,
    output:
        expand(paths.INIT, init_id=init_ids(config), allow_missing=True),
    log:
        paths.log("init_centroids", "{dataset}/k{k}"),
    # Starts before fits (they are short and unlock the fits); fits take larger k first, so the
    # longest jobs start early and short ones fill the last gaps.
    priority: lambda wc: INIT_PRIORITY + int(wc.k)
    conda:
        "../../envs/data.yaml"
    params:
        seeds=lambda wc: init_seeds(wc.dataset, wc.k),
        init_version=INIT_VERSION,
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
    wildcard_constraints:
        backend=alternatives(PER_INIT_BACKENDS),
    priority: lambda wc: int(wc.k)
    conda:
        lambda wc: f"../../envs/{registered(wc.backend).env}.yaml"
    threads: 1
    resources:
        # The data is memory-mapped, but scikit-learn centres a copy of it: room for the
        # interpreter and libraries plus three times the data.
        mem_mb=lambda wc, input: 500 + 3 * int(input.size_mb),
        gpu=lambda wc: registered(wc.backend).gpus,
    params:
        backend=lambda wc: backend_params(config, wc.backend),
        registered=lambda wc: base_backend(config, wc.backend),
        seed=lambda wc: init_seed(config, wc.dataset, int(wc.k), int(wc.init_id)),
        init_version=INIT_VERSION,
        record_version=RECORD_VERSION,
    script:
        "../../scripts/fit.py"


# A per-k backend (fused): one job fits every init of one (dataset, k) and writes each init's
# outputs exactly where the per-init fits write theirs.
rule fit_fused:
    input:
        X=paths.DATA_X,
        meta=paths.DATA_META,
        inits=lambda wc: [
            ancient(p)
            for p in expand(
                paths.INIT, dataset=wc.dataset, k=wc.k, init_id=init_ids(config)
            )
        ],
    output:
        centroids=expand(
            paths.FIT_CENTROIDS, init_id=init_ids(config), allow_missing=True
        ),
        labels=expand(paths.FIT_LABELS, init_id=init_ids(config), allow_missing=True),
        records=expand(paths.FIT_RECORD, init_id=init_ids(config), allow_missing=True),
    log:
        paths.FUSED_LOG,
    benchmark:
        paths.FUSED_BENCHMARK
    wildcard_constraints:
        backend=alternatives(PER_K_BACKENDS),
    priority: lambda wc: int(wc.k)
    conda:
        lambda wc: f"../../envs/{registered(wc.backend).env}.yaml"
    # One thread by default: on a small machine, fused jobs side by side use the cores better
    # than one job's threads (a job's last, slowest inits keep a single pass running). With
    # threads N the row chunks are split over N Python threads, one BLAS thread each.
    threads: 1
    resources:
        # X stays memory-mapped: the interpreter and libraries, one copy's worth of working
        # arrays (labels of every init, float64 chunks), and the data's pages.
        mem_mb=lambda wc, input: 500 + 2 * int(input.size_mb),
    params:
        backend=lambda wc: backend_params(config, wc.backend),
        init_ids=init_ids(config),
        seeds=lambda wc: init_seeds(wc.dataset, wc.k),
        init_version=INIT_VERSION,
        record_version=RECORD_VERSION,
    script:
        "../../scripts/fit_fused.py"
