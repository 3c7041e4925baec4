"""A job killed for lack of memory, said in one line: how Snakemake reports a killed job, whether
the kernel's out-of-memory killer did it, how much memory the job had, and what to change.

A job whose process gets SIGKILL is reported by the local executor as a ``CalledProcessError``
("died with <Signals.SIGKILL: 9>" when the killed process is the script itself, which bash
``exec``s; "returned non-zero exit status 137" when a shell around it survives to report it). A
SIGKILL can come from anyone; the memory cgroup this process and its jobs run in counts the
out-of-memory killer's kills (``oom_kill``: cgroup v1 ``memory.oom_control``, v2
``memory.events``; the machine's ``/proc/vmstat`` where neither can be read), so a kill the
counter went up for was one. On SLURM the executor's message carries the job's state,
``OUT_OF_MEMORY`` when SLURM's memory cgroup killed it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kmeans_study.runtime import memory_cgroup, memory_limit_mb

# Snakemake's report of a job process killed by SIGKILL (local executor).
KILLED = re.compile(r"died with <Signals\.SIGKILL: 9>|returned non-zero exit status (?:137|-9)\b")
# SLURM's account of a job it killed for exceeding its memory: the job's state (in the SLURM
# executor's message, which a group job's failure loses) and slurmstepd's line in the job's log
# ("Detected 1 oom_kill event in StepId=41.batch", older: "oom-kill event(s)").
SLURM_OUT_OF_MEMORY = re.compile(r"\bOUT_OF_MEMORY\b|oom[-_]kill event|Exceeded job memory limit")


def mem_mb(resources) -> int | None:
    """A job's ``mem_mb`` from its job-info record's resources (Snakemake's Resources, or a dict
    in tests), or None where it has none or it is not known yet (``<TBD>`` in a group job)."""
    value = resources.get("mem_mb") if hasattr(resources, "get") else getattr(resources, "mem_mb", None)
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


@dataclass
class Memory:
    """The memory this process and its jobs have, and the out-of-memory kills among them.

    root: where ``/proc`` and ``/sys`` are read (a fake tree in tests); kills: the kill count when
    last looked (``new_kills``), first at the start of the run.
    """

    root: str = "/"
    kills: int | None = field(init=False, default=None)

    def __post_init__(self):
        self.kills = self.kill_count()

    def _read(self, path: str) -> str | None:
        try:
            return Path(self.root, path.lstrip("/")).read_text()
        except OSError:
            return None

    def cgroup(self) -> tuple[int, str] | None:
        """This process's memory cgroup: its version (1 or 2) and its directory under /sys/fs/cgroup."""
        return memory_cgroup(self.root)

    def kill_count(self) -> int | None:
        """Out-of-memory kills in this process's memory cgroup (the machine's where that cannot be
        read), or None where neither can."""
        found = self.cgroup()
        sources = []
        if found:
            version, directory = found
            sources.append(f"{directory}/{'memory.oom_control' if version == 1 else 'memory.events'}")
        for path in [*sources, "/proc/vmstat"]:
            match = re.search(r"^oom_kill (\d+)$", self._read(path) or "", re.MULTILINE)
            if match:
                return int(match.group(1))
        return None

    def new_kills(self) -> int | None:
        """Out-of-memory kills since the last look (None where they cannot be counted)."""
        before, self.kills = self.kills, self.kill_count()
        return None if before is None or self.kills is None else self.kills - before

    def limit(self) -> tuple[int, str] | None:
        """The memory this run may use, in MB, and what sets it, as words that go before the
        number (kmeans_study.runtime.memory_limit_mb)."""
        found = memory_limit_mb(self.root)
        if found is None:
            return None
        return found[0], {"cgroup": "the run's memory cgroup allows", "machine": "this machine has"}[found[1]]


def memory_cause(memory: Memory, *, rule: str | None, mem: int | None, reports: list[str], others: int,
                 remote: bool) -> str | None:
    """The one-line cause of a job that was killed (None when ``reports``, Snakemake's and the
    scheduler's accounts of the job, say it was not): for lack of memory, with the memory it had
    and what to change. rule: the job's (None for a group job); others: jobs running beside it;
    remote: whether it ran on a cluster (where this machine's counters say nothing about it)."""
    report = "\n".join(reports)
    had = f"it had mem_mb={mem}" if mem else "it declared no mem_mb" if rule else "a group job"
    more = (f"--set-resources {rule}:mem_mb={2 * mem if mem else '...'}" if rule
            else "--set-resources RULE:mem_mb=... for its rules, or a smaller group-components")
    if SLURM_OUT_OF_MEMORY.search(report):
        return f"killed by SLURM for lack of memory ({had}): give it more ({more}, or set-resources in the profile)"
    if not KILLED.search(report):
        return None
    if remote:
        return f"killed by SIGKILL on its node, most likely for lack of memory ({had}): give it more ({more})"
    kills = memory.new_kills()
    if kills == 0:
        return ("killed by a SIGKILL that was not the kernel's out-of-memory killer (it counted no kill): "
                "was the job or its machine stopped by hand or by a scheduler?")
    what = "killed by the kernel for lack of memory" if kills else "killed by SIGKILL, most likely for lack of memory"
    limit = memory.limit()
    facts = [had] + ([f"{limit[1]} {limit[0]} MB"] if limit else [])
    if others:
        facts.append(f"{others} other job(s) were running")
        within = f" (--resources mem_mb={limit[0]} keeps the running jobs' mem_mb within the limit)" if limit else ""
        change = f"run fewer jobs at once{within} or give the run more memory"
    else:
        change = (f"it needs more memory than {'that' if limit else 'it had'}: run it with more (a larger limit or "
                  f"machine; on a cluster, {more})")
    return f"{what} ({'; '.join(facts)}): {change}"
