"""The worked examples: colour quantization of an image and customer segmentation of a table."""

import json

import numpy as np
import pandas as pd
import pytest
from smk import snakemake, write_config

from kmeans_study.aggregate.examples import n_colours, psnr, quantize, segment_table
from kmeans_study.config.errors import ConfigError
from kmeans_study.config.validate import validate_config
from kmeans_study.data.customers import SHIPPED, make_customers


def test_quantized_image_has_the_original_shape_and_at_most_k_colours():
    from sklearn.datasets import load_sample_image

    image = load_sample_image("flower.jpg")[::8, ::8]  # 54 x 80 pixels
    pixels = image.reshape(-1, 3).astype(np.float64) / 255
    labels = np.random.default_rng(0).integers(0, 6, size=len(pixels))
    labels[labels == 5] = 4  # cluster 5 left empty
    quantized = quantize(pixels, labels, 6, list(image.shape[:2]))
    assert quantized.shape == image.shape
    assert n_colours(quantized) == 5  # one colour per non-empty cluster
    assert np.allclose(quantized.reshape(-1, 3)[labels == 0], pixels[labels == 0].mean(axis=0))
    mse = np.mean((pixels - quantized.reshape(-1, 3)) ** 2)
    assert psnr(pixels, quantized) == pytest.approx(10 * np.log10(1 / mse))


def test_segment_means_are_in_the_tables_own_units():
    frame = make_customers(200, seed=1)
    values = frame[["age", "annual_income_k", "spending_score"]].to_numpy(dtype=float)
    labels = (frame["age"] > 40).to_numpy().astype(int)
    best = pd.DataFrame({"k": [2], "best_init_id": [0]})
    table = segment_table(values, ["age", "annual_income_k", "spending_score"], best, {(2, 0): labels})
    expected = frame.groupby(labels)[["age", "annual_income_k", "spending_score"]].mean()
    for _, row in table.iterrows():
        assert row["mean_age"] == pytest.approx(expected.loc[row["segment"], "age"])
        assert row["size"] == (labels == row["segment"]).sum()
    assert table["share"].sum() == pytest.approx(1.0)


def test_the_shipped_customer_table_is_what_its_generator_writes(tmp_path):
    from kmeans_study.data.customers import write

    write(tmp_path / "c.csv")
    assert (tmp_path / "c.csv").read_text() == SHIPPED.read_text()
    frame = pd.read_csv(SHIPPED)
    assert list(frame.columns) == ["segment", "age", "annual_income_k", "spending_score"]
    assert frame["segment"].nunique() == 5


def test_image_datasets_keep_every_pixel():
    for key, value in (("subsample", 100), ("pca", 2)):
        with pytest.raises(ConfigError, match=f"datasets.img.{key}': not allowed for an image dataset"):
            validate_config({"datasets": {"img": {"source": "image", key: value}}, "backends": {"faiss": {}}})


def small_image(path):
    from PIL import Image

    rng = np.random.default_rng(2)
    patches = np.array([[200, 30, 30], [30, 200, 30], [30, 30, 200], [220, 220, 40]], dtype=float)
    image = np.repeat(np.repeat(patches.reshape(2, 2, 3), 12, axis=0), 16, axis=1)  # 24 x 32
    image = np.clip(image + rng.normal(0, 8, image.shape), 0, 255).astype(np.uint8)
    Image.fromarray(image).save(path)
    return image


@pytest.fixture(scope="module")
def examples_study(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("examples")
    image = small_image(workdir / "patches.png")
    config = {
        "inits": 2,
        "fit": {"max_iter": 50},
        "datasets": {
            "img": {"source": "image", "path": str(workdir / "patches.png"), "zscore": False, "k": {"values": [2, 4]}},
            "customers": {"source": "file", "path": str(SHIPPED), "label_column": "segment", "k": {"values": [2, 5]}},
        },
        "backends": {"faiss": {}, "restricted": {"candidates": 2}},
    }
    write_config(workdir, config)
    run = snakemake(workdir, "--cores", "2")
    assert run.returncode == 0, run.stderr[-3000:]
    return workdir, image


def test_quantization_runs_end_to_end_on_a_users_image(examples_study):
    workdir, image = examples_study
    for backend in ("faiss", "restricted"):
        table = pd.read_csv(workdir / f"results/img/{backend}/quantization.csv")
        assert table["k"].tolist() == [2, 4]
        assert (table["n_colours"] <= table["k"]).all()
        assert table.set_index("k").loc[4, "n_colours"] == 4  # four patches, four colours
        assert table.set_index("k").loc[4, "psnr_db"] > table.set_index("k").loc[2, "psnr_db"] > 10
        assert (workdir / f"results/img/{backend}/quantization.png").stat().st_size > 5_000
    meta = json.loads((workdir / "results/img/data/meta.json").read_text())
    assert meta["image_shape"] == list(image.shape[:2])


def test_segmentation_reports_means_in_original_units(examples_study):
    workdir, _ = examples_study
    table = pd.read_csv(workdir / "results/customers/faiss/segments.csv")
    k5 = table[table["k"] == 5]
    best = int(k5["best_init_id"].iloc[0])
    labels = np.load(workdir / f"results/customers/fit/faiss/k5/init{best}/labels.npy")
    frame = pd.read_csv(SHIPPED)
    expected = frame.groupby(labels)[["age", "annual_income_k", "spending_score"]].mean()
    for _, row in k5.iterrows():
        assert row["mean_annual_income_k"] == pytest.approx(expected.loc[row["segment"], "annual_income_k"])
    assert k5["size"].sum() == len(frame)
    # The made-up segments are well apart: k=5 finds them (purity against the true segment).
    quality = pd.read_csv(workdir / "results/customers/faiss/quality.csv").set_index("k")
    assert quality.loc[5, "purity"] > 0.8


def test_a_file_that_is_not_an_image_is_named(tmp_path):
    (tmp_path / "notes.png").write_text("not an image")
    datasets = {"img": {"source": "image", "path": "notes.png"}}
    write_config(tmp_path, {"datasets": datasets, "backends": {"faiss": {}}, "k": {"values": [2]}})
    run = snakemake(tmp_path, "--cores", "1")
    assert run.returncode != 0
    assert "notes.png: not a readable image" in run.stderr
    assert not (tmp_path / "results/img/data/X.npy").exists()
