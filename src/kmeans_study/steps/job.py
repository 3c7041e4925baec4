"""The job a rule script runs: its named inputs, outputs and params, its wildcards, log and threads.

A rule run by ``shell:`` starts its script in a plain Python process with the job on the command
line (``--log LOG --threads N JOB FILES``, JOB and FILES the JSON its ``job`` and ``files`` params
hold: workflow/rules/common.smk, ``get_job`` and ``get_files``); a rule run by ``script:`` gets
Snakemake's own ``snakemake`` object, which the script
directive unpickles in front of the script. Scripts read either one the same way:
``sm.input.X``, ``sm.output.record``, ``sm.params.seed``, ``sm.wildcards.k``, ``sm.log[0]``,
``sm.threads``. Imports nothing heavy: every job imports it first.
"""

from __future__ import annotations

import json
import sys


class Named(dict):
    """A mapping whose entries are also attributes, as Snakemake's named lists are."""

    def __getattr__(self, name: str):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class Job:
    """One job as its command line gives it: ``input``, ``output``, ``params``, ``wildcards``
    (each a ``Named``), ``log`` (a list of paths) and ``threads``."""

    def __init__(self, spec: dict, log: list[str], threads: int):
        self.input = Named(spec.get("input", {}))
        self.output = Named(spec.get("output", {}))
        self.params = Named(spec.get("params", {}))
        self.wildcards = Named(spec.get("wildcards", {}))
        self.log = log
        self.threads = threads


def from_command_line(argv: list[str]) -> Job:
    """``--log LOG --threads N JOB [FILES]``: JSON objects with the job's params and wildcards, and
    its inputs and outputs (one object with all four is read the same way)."""
    options, rest = {"--log": None, "--threads": "1"}, []
    arguments = iter(argv)
    for argument in arguments:
        if argument in options:
            options[argument] = next(arguments, None)
        else:
            rest.append(argument)
    if not 1 <= len(rest) <= 2 or options["--log"] is None:
        sys.exit(f"usage: {sys.argv[0]} --log LOG [--threads N] JOB [FILES] (JSON); got {argv}")
    spec = {}
    for part in rest:
        spec.update(json.loads(part))
    return Job(spec, [options["--log"]], int(options["--threads"]))


def this_job():
    """The running script's job: Snakemake's object under ``script:``, else the command line's."""
    main = sys.modules.get("__main__")
    if hasattr(main, "snakemake"):
        return main.snakemake
    return from_command_line(sys.argv[1:])


def int_keys(mapping) -> dict:
    """``mapping`` with integer keys, nested mappings too: JSON writes a dict's keys as strings
    (seeds by init id come back as {"0": ...}); Snakemake's object keeps them as they were."""
    return {int(key): int_keys(value) if isinstance(value, dict) else value for key, value in mapping.items()}
