"""What every sandbox backend takes and returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol


@dataclass(frozen=True)
class RunRequest:
    """One single-use sandbox run: the job for the harness plus its limits."""

    job: dict  # {"code", "probes", "imports", "plan"}: sent to the harness on stdin
    timeout_s: float
    memory_mb: int
    cpu_s: int
    max_pids: int
    file_size_mb: int
    open_files: int
    output_cap_bytes: int
    observation_cap_bytes: int
    cuda_visible_devices: str = ""


class Missing(str, Enum):
    """A wall a run's sandbox lacked (the report's warning texts: grader/sandbox/environment.py)."""

    network = "network"  # no network namespace
    uid = "uid"  # not run as the unprivileged sandbox uid
    seccomp = "seccomp"  # no syscall filter (libseccomp or pyseccomp missing)
    cgroup = "cgroup"  # no memory/pids cgroup: RLIMIT_AS and RLIMIT_NPROC only


@dataclass
class RunResult:
    """Raw outcome of a run; `channel` is untrusted data to be parsed by the grader."""

    channel: bytes
    stdout: str
    stderr: str
    exit_code: int | None = None  # harness exit code, when it exited
    signal: int | None = None  # signal that killed the harness
    timed_out: bool = False
    memory_exceeded: bool = False
    sandbox_error: str | None = None
    warnings: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    peak_memory_mb: float | None = None
    # What the sandbox lacked (its warnings say so in words), and whether setting up the
    # isolation itself failed (namespaces or cgroups refused: sandbox_error says why). Decisions
    # (GRADER_ISOLATION=strict, retrying without isolation) are made from these, never from text.
    isolation_missing: list[Missing] = field(default_factory=list)
    isolation_failed: bool = False


class Sandbox(Protocol):
    """A backend: runs one request in a fresh, isolated environment."""

    def run(self, request: RunRequest) -> RunResult: ...

    def close(self) -> None:
        """Release what the backend holds (idle sandboxes, templates, an engine connection); a
        no-op where there is nothing. Idempotent."""
        ...
