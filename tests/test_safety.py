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


def job_template() -> str:
    """The one shell command rules run (workflow/rules/common.smk: JOB), its script named "fit"."""
    text = (ROOT / "workflow" / "rules" / "common.smk").read_text()
    return re.search(r"^JOB = '(.+)'$", text, flags=re.M).group(1).format(script="fit")


def test_every_shell_rule_runs_the_job_command_whose_fields_are_quoted():
    """A rule's `shell:` is the JOB template and nothing else, and every value Snakemake puts into
    it is shell-quoted (`:q`) but the thread count, an integer; no Python code runs a shell."""
    commands = occurrences(r"^\s*shell:", RULES)
    assert commands, "the study's rules start their scripts through JOB"
    for path in RULES:
        lines = path.read_text().splitlines()
        for n, line in enumerate(lines):
            if re.match(r"^\s*shell:", line):
                assert re.fullmatch(r'\s*JOB\.format\(script="\w+"\)', lines[n + 1]), f"{path.name}:{n + 2}"
    fields = re.findall(r"(?<!\{)\{([^{}]+)\}(?!\})", job_template())
    assert fields and all(field.endswith(":q") or field == "threads" for field in fields), fields
    assert not occurrences(r"shell\s*=\s*True|os\.system\(|os\.popen\(", CODE)


def test_a_job_command_hands_its_script_every_string_as_it_is(tmp_path):
    """The JOB command as Snakemake formats it, for a job whose log path and param values hold
    quotes, $(...), backticks, spaces and newlines, gives its script exactly those strings, and
    the shell runs none of them."""
    import json
    import subprocess
    import sys

    from snakemake.iocontainers import Log, Params
    from snakemake.utils import format

    nasty = "it's \"$(touch PWNED)\" `touch PWNED` ; touch PWNED\n&& $HOME"
    job = json.dumps({"params": {"value": nasty}, "wildcards": {"dataset": nasty}})
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "fit.py").write_text("import json, sys\nprint(json.dumps(sys.argv[1:]))\n")
    files = json.dumps({"input": {"X": nasty}})
    command = format(job_template(), log=Log([str(tmp_path / nasty)]), threads=2,
                     params=Params(fromdict={"job": job, "files": files}))
    path = f"{Path(sys.executable).parent}:/usr/bin:/bin"  # touch is found, were anything to run it
    run = subprocess.run(["/bin/bash", "-c", "set -euo pipefail; " + command], cwd=tmp_path, capture_output=True,
                         text=True, env={"KMEANS_STUDY_SCRIPTS": str(scripts), "PATH": path})
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == ["--log", str(tmp_path / nasty), "--threads", "2", job, files]
    assert not list(tmp_path.rglob("PWNED"))
