"""The project's command line: check a config, or run the study on it through Snakemake.

    python -m kmeans_study check [CONFIG] [--set KEY=VALUE ...]
    python -m kmeans_study run [--set KEY=VALUE ...] [SNAKEMAKE ARGUMENTS ...]

``check`` reads CONFIG (default: the repository's config.yaml) as data only (see config.file),
applies the overrides and validates the result; it prints one line and exits 0 or 1. ``run``
checks every ``--configfile`` the same way (config.yaml when none is given) before Snakemake reads
any of them, then replaces itself by ``snakemake`` with the same arguments (and the repository's
Snakefile unless ``-s`` names one). With ``--set``, Snakemake gets one config file instead of the
given ones: their merge with the overrides, written to
``.snakemake/kmeans_study/config-<hash>.yaml`` in the current directory.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

import yaml

from kmeans_study.config.errors import ConfigError
from kmeans_study.config.file import apply_override, merged, read_config_file
from kmeans_study.config.schema import REPO_ROOT
from kmeans_study.config.validate import validate_config

DEFAULT_CONFIG = REPO_ROOT / "config.yaml"
SNAKEFILE = REPO_ROOT / "Snakefile"
MERGED_DIR = Path(".snakemake") / "kmeans_study"
CONFIGFILE_OPTIONS = ("--configfile", "--configfiles")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kmeans_study", description=__doc__.split("\n\n")[0],
                                     allow_abbrev=False)
    commands = parser.add_subparsers(dest="command", required=True)
    set_help = "override one config key (dotted path), the value read as YAML: fit.max_iter=50, k={values: [4, 8]}"
    check = commands.add_parser("check", help="validate a config file", allow_abbrev=False)
    check.add_argument("config", nargs="?", default=str(DEFAULT_CONFIG), help="config file (default: %(default)s)")
    check.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help=set_help)
    run = commands.add_parser("run", help="check the config files, then run snakemake with the other arguments",
                              allow_abbrev=False)
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help=set_help)
    return parser


def config_files(args: list[str]) -> tuple[list[str], list[int]]:
    """The config files named in Snakemake arguments and the positions of those arguments
    (``--configfile a b``, ``--configfiles a``, ``--configfile=a``)."""
    files, positions = [], []
    taking = False
    for i, arg in enumerate(args):
        option, eq, value = arg.partition("=")
        if option in CONFIGFILE_OPTIONS:
            positions.append(i)
            taking = not eq
            if eq:
                files.append(value)
        elif taking and not arg.startswith("-"):
            files.append(arg)
            positions.append(i)
        else:
            taking = False
    return files, positions


def with_overrides(files: list[str], overrides: list[str]) -> dict:
    """The raw config of ``files`` merged in order, with ``overrides`` applied."""
    config = merged([read_config_file(path) for path in files])
    for assignment in overrides:
        apply_override(config, assignment)
    return config


def _write_merged(config: dict) -> Path:
    text = yaml.safe_dump(config, sort_keys=False)
    path = (MERGED_DIR / f"config-{hashlib.sha256(text.encode()).hexdigest()[:12]}.yaml").absolute()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def check(config_path: str, overrides: list[str]) -> str:
    """Validate; returns the line to print."""
    config = validate_config(with_overrides([config_path], overrides))
    return f"{config_path}: valid ({len(config['datasets'])} dataset(s), backends {', '.join(config['backends'])})"


def snakemake_command(args: list[str], overrides: list[str]) -> list[str]:
    """The Snakemake command ``run`` executes, after checking the config files it names."""
    files, positions = config_files(args)
    config = with_overrides(files or [str(DEFAULT_CONFIG)], overrides)
    if overrides:
        args = [arg for i, arg in enumerate(args) if i not in positions]
        args += ["--configfile", str(_write_merged(config))]
    if not {"-s", "--snakefile"} & {arg.partition("=")[0] for arg in args}:
        args = ["--snakefile", str(SNAKEFILE), *args]
    return [sys.executable, "-m", "snakemake", *args]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    options, rest = _parser().parse_known_args(argv)
    try:
        if options.command == "check":
            if rest:
                _parser().error(f"unrecognized arguments: {' '.join(rest)}")
            print(f"kmeans-study: {check(options.config, options.set)}")
            return 0
        command = snakemake_command(rest, options.set)
    except ConfigError as exc:
        print(f"kmeans-study: {exc}", file=sys.stderr)
        return 1
    sys.stdout.flush()
    os.execv(command[0], command)
