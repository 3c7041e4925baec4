"""Config files read as data (config.file) and the command line (python -m kmeans_study)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from kmeans_study import cli
from kmeans_study.config.errors import ConfigError
from kmeans_study.config.file import apply_override, read_config_file
from kmeans_study.config.schema import REPO_ROOT
from kmeans_study.config.validate import validate_config

VALID = "datasets: {d: {source: blobs}}\nbackends: {sklearn: {}}\n"


def write(tmp_path, text: str, name: str = "config.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "text, expected",
    [
        ("__use_yte__: true\nseed: ?__import__('pathlib').Path('ran').write_text('x')\n" + VALID,
         "'__use_yte__' is refused: it makes Snakemake evaluate the file's ?-expressions as Python (YTE)"),
        ("seed: !!python/name:os.system\n" + VALID,
         "the tag !!python/name:os.system (line 1, column 7) is refused: Snakemake's YAML loader would turn it"),
        ("seed: !!python/object/apply:os.system ['true']\n" + VALID, "the tag !!python/object/apply:os.system"),
        ("seed: !custom 3\n" + VALID, "the tag '!custom' (line 1, column 7) is not plain YAML data"),
        ("seed: 1\nseed: 2\n" + VALID, "the key 'seed' appears twice (lines 1 and 2)"),
        ('{"seed": 1, "seed": 2}', "the key 'seed' appears twice"),
        ("seed: [1, 2\n", "not valid YAML: expected ',' or ']'"),
        ("a: " + "[" * 50 + "]" * 50 + "\n",
         "key 'a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0': nested more than 20 levels deep"),
        ("a: " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
        ("- 1\n- 2\n", "must hold a mapping of keys to values, got list [1, 2]"),
        ("1: {source: blobs}\n", "the key 1 is a int; keys must be strings"),
        ("seed: 2020-13-45\n", "not valid YAML data (month must be in 1..12)"),
    ],
    ids=["YTE", "python name tag", "python apply tag", "unknown tag", "repeated key", "repeated JSON key",
         "not YAML", "deep", "too deep to parse", "not a mapping", "non-string key", "bad date"],
)
def test_config_files_that_are_not_plain_data_are_refused_naming_the_file(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as excinfo:
        read_config_file(path)
    message = str(excinfo.value)
    assert message.startswith(f"config file {path}") and expected in message, message
    assert "\n" not in message
    assert not (tmp_path / "ran").exists()


def test_json_config_files_are_read_as_snakemake_reads_them(tmp_path):
    """JSON first: 1e-4 is a number in JSON but text in YAML 1.1."""
    text = '{"fit": {"tol": 1e-4}, "datasets": {"d": {"source": "blobs"}}, "backends": {"sklearn": {}}}'
    path = write(tmp_path, text, "config.json")
    assert read_config_file(path)["fit"]["tol"] == 1e-4


def test_yaml_aliases_are_kept_shared_and_measured_without_expanding(tmp_path):
    levels = "".join(f"l{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 8))
    path = write(tmp_path, "l0: &a0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n" + levels)
    with pytest.raises(ConfigError, match=r"holds \d{8} values once its YAML aliases are expanded \(most under 'l7'\)"):
        read_config_file(path)


@pytest.mark.parametrize(
    "assignments, expected",
    [
        (["fit.max_iter=50"], {"fit": {"max_iter": 50, "tol": 1e-4}}),
        (["k={values: [4, 8]}"], {"k": {"values": [4, 8]}}),
        (["k.values=[7]", "inits=[0, 3]"], {"k": {"values": [7]}, "inits": [0, 3]}),
        (["datasets.d.n_samples=99", "datasets.d.zscore=false"], {"datasets": {"d": {"source": "blobs", "n_samples": 99,
                                                                                     "zscore": False}}}),
        (
            ["backends.restricted.grid.candidates=[8, 16]"],
            {"backends": {"sklearn": {}, "restricted": {"grid": {"candidates": [8, 16]}}}},
        ),
    ],
)
def test_set_overrides_any_key_by_its_dotted_path(assignments, expected):
    config = yaml.safe_load(VALID)
    for assignment in assignments:
        apply_override(config, assignment)
    validated = validate_config(config)
    for key, value in expected.items():
        for name, item in (value.items() if isinstance(value, dict) else [(None, value)]):
            got = validated[key] if name is None else validated[key][name]
            assert got == item if not isinstance(item, dict) else {k: got[k] for k in item} == item, (key, name, got)


@pytest.mark.parametrize(
    "assignment, expected",
    [("fit.max_iter", "expected KEY=VALUE"), ("=3", "expected KEY=VALUE"), ("a..b=1", "expected KEY=VALUE"),
     ("seed.x=1", "config key 'seed' holds 0, not a mapping"), ("seed=!!python/name:os.system", "is refused"),
     ("seed=[1, 2", "not valid YAML")],
)
def test_malformed_overrides_are_refused(assignment, expected):
    config = {"seed": 0}
    with pytest.raises(ConfigError, match="--set") as excinfo:
        apply_override(config, assignment)
    assert expected in str(excinfo.value)


def test_check_prints_one_line_and_exits_0_or_1(tmp_path, capsys):
    good = write(tmp_path, VALID)
    assert cli.main(["check", str(good), "--set", "fit.max_iter=5"]) == 0
    assert capsys.readouterr().out.startswith(f"kmeans-study: {good}: valid (1 dataset(s), backends sklearn)")
    assert cli.main(["check", str(good), "--set", "fit.max_iter=5.0"]) == 1
    err = capsys.readouterr().err
    assert err == "kmeans-study: invalid config: config key 'fit.max_iter': expected an integer, got float 5.0\n"


def test_run_checks_every_config_file_before_snakemake_and_passes_the_rest_on(tmp_path):
    a, b = write(tmp_path, VALID, "a.yaml"), write(tmp_path, "fit: {max_iter: 7}\n", "b.yaml")
    command = cli.snakemake_command(["--cores", "2", "--configfile", str(a), str(b), "-n"], [])
    assert command == [sys.executable, "-m", "snakemake", "--snakefile", str(REPO_ROOT / "Snakefile"), "--cores", "2",
                       "--configfile", str(a), str(b), "-n"]
    evil = write(tmp_path, "__use_yte__: true\n", "evil.yaml")
    with pytest.raises(ConfigError, match="evil.yaml: '__use_yte__' is refused"):
        cli.snakemake_command([f"--configfile={a}", "-s", "Other", "--configfiles", str(evil)], [])


def test_run_with_set_hands_snakemake_one_merged_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a, b = write(tmp_path, VALID, "a.yaml"), write(tmp_path, "fit: {max_iter: 7}\nk: {values: [2, 3]}\n", "b.yaml")
    command = cli.snakemake_command(["--configfile", str(a), str(b), "--cores", "1"], ["k.values=[4]"])
    merged = command[command.index("--configfile") + 1]
    assert command.count("--configfile") == 1 and str(a) not in command and str(b) not in command
    assert merged.startswith(str(tmp_path / ".snakemake" / "kmeans_study" / "config-"))
    expected = {**yaml.safe_load(VALID), "fit": {"max_iter": 7}, "k": {"values": [4]}}
    assert yaml.safe_load(Path(merged).read_text()) == expected


def test_make_run_goes_through_the_checking_entry_point():
    run = (REPO_ROOT / "Makefile").read_text().split("\nrun:")[1].split("\n\n")[0]
    assert "-m kmeans_study run" in run and "bin)/snakemake" not in run
