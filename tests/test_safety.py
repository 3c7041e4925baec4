"""Safe by construction: nothing read executes anything, no user path reaches a shell."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = sorted((ROOT / "src").rglob("*.py")) + sorted((ROOT / "scripts").glob("*.py"))
RULES = sorted((ROOT / "workflow" / "rules").glob("*.smk")) + [ROOT / "Snakefile"]


def occurrences(pattern: str, files) -> list[str]:
    return [f"{path.relative_to(ROOT)}:{n}" for path in files
            for n, line in enumerate(path.read_text().splitlines(), 1) if re.search(pattern, line)]


def test_no_pickle_anywhere():
    assert not occurrences(r"allow_pickle\s*=\s*True|import pickle|pickle\.load|joblib\.load", CODE)
    assert occurrences(r"allow_pickle=False", CODE), "arrays are loaded with allow_pickle=False"


def test_yaml_only_through_the_safe_loader():
    import yaml

    from kmeans_study.config.file import _UniqueKeySafeLoader

    assert not occurrences(r"yaml\.(unsafe_load|full_load)\(|yaml\.load\((?!.*Loader=_UniqueKeySafeLoader\))", CODE)
    assert issubclass(_UniqueKeySafeLoader, yaml.SafeLoader)


def test_no_shell_commands_and_no_shell_interpolation():
    assert not occurrences(r"^\s*shell:", RULES), "rules run scripts, never shell strings"
    assert not occurrences(r"shell\s*=\s*True|os\.system\(|os\.popen\(", CODE)
