"""What a sandbox is given, on every backend: the scrubbed environment, the host paths it sees, the
RunRequest's limits as the launcher's config, and what its walls lack (as flags, and as the
report's words). Used by the process, pool and docker backends alike."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from grader.sandbox import seccomp
from grader.sandbox.base import Missing, RunRequest
from grader.sandbox.cgroups import Cgroup
from grader.settings import PROJECT_ROOT, Settings

# Passed through to the sandbox: not secrets, needed for correct numerics on some CPUs.
PASSTHROUGH_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

# The report's words for each missing wall (in this order).
MISSING_WARNINGS = {
    Missing.network: "no network namespace: the submission's network access was not blocked",
    Missing.uid: "not run as an unprivileged uid: files readable by the grader were readable",
    Missing.seccomp: "no seccomp filter: libseccomp or its Python binding (pyseccomp) is not installed",
    Missing.cgroup: "no cgroup: memory capped by RLIMIT_AS, processes by RLIMIT_NPROC only",
}
# GRADER_ISOLATION=strict refuses to run without these (a sandbox that is not isolated at all).
STRICT_REQUIRES = frozenset({Missing.network, Missing.uid})
STRICT_REFUSAL = "strict isolation required but not available (needs root on Linux)"


def running_as_root() -> bool:
    """Namespaces, cgroups and the sandbox uid need root on Linux."""
    return hasattr(os, "geteuid") and os.geteuid() == 0 and sys.platform.startswith("linux")


def exposed_paths() -> list[str]:
    """Directories the harness needs beyond the system's (grader/sandbox/rootfs.py): the Python
    install, the venv and the grader package; nothing else of the host is in a sandbox's root."""
    paths = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), (PROJECT_ROOT / "grader").resolve()}
    return sorted(str(p) for p in paths)


def sandbox_env(settings: Settings, workdir: str, threads: int = 1, cuda_visible_devices: str = "") -> dict[str, str]:
    """A scrubbed environment: no GRADER_* settings, secrets, broker or database URLs."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": workdir,
        "TMPDIR": workdir,
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": str(threads),
        "MKL_NUM_THREADS": str(threads),
        "TF_NUM_INTRAOP_THREADS": str(threads),
        "TF_NUM_INTEROP_THREADS": str(threads),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "MPLBACKEND": "Agg",
        "CUDA_VISIBLE_DEVICES": cuda_visible_devices,
        # Ask NVML, not the CUDA driver, whether a GPU exists, so that probing never creates a context.
        "PYTORCH_NVML_BASED_CUDA_CHECK": "1",
    }
    env.update({k: os.environ[k] for k in PASSTHROUGH_ENV if k in os.environ})
    return env


def seccomp_filter(settings: Settings) -> str:
    """The syscall filter, compiled once by the grader, as hex for the sandbox to load ("": none)."""
    return (seccomp.compiled() or b"").hex() if settings.seccomp else ""


def rlimits(request: RunRequest) -> dict:
    """The request's per-process limits, as the launcher and the docker entry point take them."""
    return {"cpu_s": request.cpu_s, "file_size_mb": request.file_size_mb, "open_files": request.open_files}


def missing_walls(settings: Settings, *, isolate: bool) -> list[Missing]:
    """What a run's sandbox lacks before its cgroup is made: the namespaces and the uid (not
    isolated), the seccomp filter. (Missing.cgroup is added by who makes the cgroup.)"""
    missing = [] if isolate else [Missing.network, Missing.uid]
    if settings.seccomp and seccomp.compiled() is None:
        missing.append(Missing.seccomp)
    return missing


def warnings_for(missing: list[Missing]) -> list[str]:
    """The report's warnings for what is missing, in order."""
    return [MISSING_WARNINGS[m] for m in missing]


def strict_refusal(settings: Settings, missing: list[Missing]) -> str | None:
    """Why GRADER_ISOLATION=strict refuses a sandbox lacking `missing`; None: it may run."""
    if settings.isolation == "strict" and STRICT_REQUIRES & set(missing):
        return STRICT_REFUSAL
    return None


def new_cgroup(request: RunRequest, *, use: bool, memory_mb: int | None = None) -> Cgroup | None:
    """The sandbox's memory and pids cgroup (as root); None without one."""
    return Cgroup.create(memory_mb=memory_mb or request.memory_mb, max_pids=request.max_pids) if use else None


def new_workdir() -> str:
    return tempfile.mkdtemp(prefix="dlgrader-")


def cleanup(cgroup: Cgroup | None, workdir: str) -> None:
    """Remove a sandbox's cgroup (its processes already killed) and its host-side work dir."""
    if cgroup:
        cgroup.remove()
    shutil.rmtree(workdir, ignore_errors=True)


def launcher_config(
    s: Settings,
    request: RunRequest,
    *,
    isolate: bool,
    cgroup: Cgroup | None,
    workdir: str,
    channel_fd: int,
    status_fd: int,
    address_space_mb: int | None = None,
) -> dict:
    """What grader/sandbox/launcher.py needs to set up one sandbox. address_space_mb: the
    RLIMIT_AS to use without a cgroup (default: the request's memory plus headroom)."""
    if address_space_mb is None:
        address_space_mb = request.memory_mb + 8192
    return {
        "isolate": isolate,
        "drop": isolate,
        "uid": s.sandbox_uid,
        "gid": s.sandbox_gid,
        "expose": exposed_paths(),
        "workdir": workdir,
        "tmp_mb": s.sandbox_tmp_mb,
        "cgroup_procs": cgroup.procs_files if cgroup else [],
        "channel_fd": channel_fd,
        "status_fd": status_fd,
        **rlimits(request),
        "nproc": request.max_pids * 8 if isolate else 0,
        "address_space_mb": 0 if cgroup else address_space_mb,
        "env": sandbox_env(s, workdir, cuda_visible_devices=request.cuda_visible_devices),
        "harness_args": [],
        # the filter compiled once by the grader; the sandbox only loads it
        "seccomp": seccomp_filter(s),
    }
