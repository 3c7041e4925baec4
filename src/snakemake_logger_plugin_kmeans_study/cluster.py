"""Jobs on a cluster: which scheduler job each job went to, read from the executor's messages, so
that the view names it where it helps (beside a job still running, and a failed job's state and
log); the executors' chatter is dropped.

The SLURM executor (snakemake-executor-plugin-slurm) says "Job 2 has been submitted with SLURM
jobid 41 (log: .../41.log)." and, for a failed job, "SLURM-job '41' failed, SLURM status is:
'FAILED'. ..."; the generic one (snakemake-executor-plugin-cluster-generic) says "Submitted job 2
with external jobid '41'.". A group job (the SLURM profile's ``groups``) is named by the uuid of
one of its jobs; the ``group_info`` record before it lists them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SLURM_SUBMITTED = re.compile(r"^Job (\S+) has been submitted with SLURM jobid (\S+) \(log: (.+)\)\.$")
_SUBMITTED = re.compile(r"^Submitted (?:group )?job (\S+) with external jobid '([^']*)'\.$")
SLURM_STATE = re.compile(r"^SLURM-job '[^']*' failed, SLURM status is: '(\w+)'\.")
# What the executors add to a failed job's message that the view says otherwise (it shows the
# logs; the SLURM executor's reason is unknown where its status command is squeue).
_SAID = ("Detailed failure reason unavailable (status command is not 'sacct').",
         "For further error details see the cluster/cloud log and the log files of the involved rule(s).")
# The executors' chatter: a run id, its attempts to guess an account (its conclusion is kept),
# the clean-up of old logs.
QUIET = (
    "SLURM run ID: ",
    "No SLURM account given, trying to guess.",
    "No account was given, not able to get a SLURM account via sacct",
    "Cleaning up SLURM log files older than ",
)
# Said by the SLURM executor at every submission; printed once.
ONCE = ("Unable to guess SLURM account.",)


@dataclass
class Submission:
    """A scheduler's job: its id, the scheduler's name for a reader, its log (SLURM only), and the
    group it runs (None for a single job)."""

    external: str
    scheduler: str
    log: str | None = None
    group: str | None = None

    def __str__(self) -> str:
        return f"{self.scheduler} job {self.external}"


@dataclass
class Cluster:
    """submitted: the scheduler job of each Snakemake job id; groups: each group job's name and
    job ids, by the uuids of its jobs (one of which names the group job); said: the executor's
    notes printed once."""

    submitted: dict[int, Submission] = field(default_factory=dict)
    groups: dict[str, tuple[str, list[int]]] = field(default_factory=dict)
    said: set[str] = field(default_factory=set)

    def group_info(self, record) -> None:
        jobs = list(getattr(record, "jobs", None) or [])
        group = (str(getattr(record, "group_id", "")), [job.jobid for job in jobs])
        for job in jobs:
            self.groups[str(job.uuid())] = group

    def message(self, text: str) -> bool:
        """Whether ``text`` is the executors' (then it is noted, not printed)."""
        if text.startswith(QUIET) or text in self.said:
            return True
        if text.startswith(ONCE):
            self.said.add(text)
            return False
        slurm, generic = _SLURM_SUBMITTED.match(text), _SUBMITTED.match(text)
        if slurm:
            jobid, submission = slurm.group(1), Submission(slurm.group(2), "SLURM", slurm.group(3))
        elif generic:
            jobid, submission = generic.group(1), Submission(generic.group(2), "cluster")
        else:
            return False
        if jobid.isdigit():
            ids = [int(jobid)]
        else:
            submission.group, ids = self.groups.get(jobid, (None, []))
        self.submitted.update((i, submission) for i in ids)
        return True

    def where(self, jobid: int) -> Submission | None:
        return self.submitted.get(jobid)


def remote_failure(message: str | None) -> tuple[str | None, str | None]:
    """The SLURM state in a cluster executor's account of a failed job (None where it names none),
    and what is left of the account once the state and the pointer to the logs are said (None
    when nothing is)."""
    message = message or ""
    found = SLURM_STATE.match(message)
    rest = message[found.end():] if found else message
    for said in _SAID:
        rest = rest.replace(said, "")
    return (found.group(1) if found else None), rest.strip() or None
