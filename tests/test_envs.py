"""The conda environments in envs/ pin the same versions as requirements.txt."""

import re
from pathlib import Path

import yaml

from kmeans_study.backends import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
CONDA_TO_PIP = {"pytorch": "torch", "matplotlib-base": "matplotlib", "faiss-gpu": "faiss-cpu", "dal": "daal"}


def pinned_requirements():
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def env_files():
    return sorted((ROOT / "envs").glob("*.yaml"))


def test_every_conda_pin_equals_the_pip_pin():
    pins = pinned_requirements()
    assert env_files()
    for path in env_files():
        env = yaml.safe_load(path.read_text())
        assert env["channels"][0] == "conda-forge", path
        for dep in env["dependencies"]:
            name, version = dep.split("=")
            if name == "python":
                assert version == "3.11", path
                continue
            pip_name = CONDA_TO_PIP.get(name, name)
            assert pip_name in pins, f"{path.name}: {name} is not pinned in requirements.txt"
            assert pins[pip_name] == version, f"{path.name}: {name}={version} but requirements.txt has {pins[pip_name]}"


def test_every_rule_env_exists_and_every_backend_has_one():
    rules = "\n".join(p.read_text() for p in (ROOT / "workflow" / "rules").glob("*.smk"))
    referenced = set(re.findall(r"envs/([a-z_]+)\.yaml", rules))
    assert {"data", "aggregate"} <= referenced
    names = {p.stem for p in env_files()}
    assert referenced <= names
    for backend, registered in REGISTRY.items():
        assert registered.env in names, backend


def test_the_torch_pair_is_the_one_that_works_here():
    pins = pinned_requirements()
    assert (pins["torch"], pins["torchvision"]) == ("2.14.1", "0.29.1")
