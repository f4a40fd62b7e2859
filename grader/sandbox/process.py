"""The default backend: a fresh, never-reused process per run, isolated as far as the OS allows."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from grader.harness.protocol import WARM_LINE
from grader.sandbox import seccomp
from grader.sandbox.base import RunRequest, RunResult
from grader.sandbox.cgroups import Cgroup
from grader.settings import PROJECT_ROOT, Settings

# Passed through to the sandbox: not secrets, needed for correct numerics on some CPUs.
PASSTHROUGH_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


class _CappedReader(threading.Thread):
    """Drains a pipe to the end, keeping at most `cap` bytes (so the child never blocks)."""

    def __init__(self, stream, cap: int) -> None:
        super().__init__(daemon=True)
        self.stream, self.cap = stream, cap
        self.buf = bytearray()
        self.total = 0

    def run(self) -> None:
        try:
            while chunk := self.stream.read1(65536) if hasattr(self.stream, "read1") else self.stream.read(65536):
                self.total += len(chunk)
                room = self.cap - len(self.buf)
                if room > 0:
                    self.buf += chunk[:room]
        except (OSError, ValueError):
            pass

    @property
    def truncated(self) -> bool:
        return self.total > len(self.buf)

    def text(self) -> str:
        s = self.buf.decode("utf-8", errors="replace")
        return s + (f"\n[... {self.total - len(self.buf)} more bytes not kept]" if self.truncated else "")


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


class ProcessSandbox:
    """Runs each request in a new launcher → init → harness process tree."""

    backend = "process"  # part of the reference cache key

    def __init__(self, *, settings: Settings) -> None:
        self.settings = settings
        self.is_root = hasattr(os, "geteuid") and os.geteuid() == 0 and sys.platform.startswith("linux")

    def run(self, request: RunRequest) -> RunResult:
        result = self._run(request, isolate=self.is_root)
        if result.sandbox_error and "isolation failed" in result.sandbox_error and self.settings.isolation == "auto":
            retry = self._run(request, isolate=False)
            retry.warnings.insert(0, f"full isolation unavailable ({result.sandbox_error}); ran without it")
            return retry
        return result

    def close(self) -> None:
        """Nothing to release: every run's processes, cgroup and work dir are gone with the run."""

    def _run(self, request: RunRequest, *, isolate: bool) -> RunResult:
        s = self.settings
        started = time.monotonic()
        warnings = isolation_warnings(s, isolate)
        if isolate is False and s.isolation == "strict":
            return RunResult(
                b"", "", "", sandbox_error="strict isolation required but not available (needs root on Linux)"
            )
        cgroup = Cgroup.create(memory_mb=request.memory_mb, max_pids=request.max_pids) if self.is_root else None
        if cgroup is None:
            warnings.append("no cgroup: memory capped by RLIMIT_AS, processes by RLIMIT_NPROC only")
        workdir = tempfile.mkdtemp(prefix="dlgrader-")
        channel_r, channel_w = os.pipe()
        status_r, status_w = os.pipe()
        cfg = launcher_config(
            s, request, isolate=isolate, cgroup=cgroup, workdir=workdir, channel_fd=channel_w, status_fd=status_w
        )
        try:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-m", "grader.sandbox.launcher", json.dumps(cfg)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(channel_w, status_w),
                env=sandbox_env(s, workdir),
                cwd=str(PROJECT_ROOT),
                start_new_session=True,
            )
        except OSError as exc:
            for fd in (channel_r, channel_w, status_r, status_w):
                os.close(fd)
            cleanup(cgroup, workdir)
            return RunResult(b"", "", "", sandbox_error=f"could not start sandbox: {exc}", warnings=warnings)
        os.close(channel_w)
        os.close(status_w)

        def wait(timeout: float) -> bool:
            try:
                proc.wait(timeout=timeout)
                return True
            except subprocess.TimeoutExpired:
                return False

        def kill() -> None:
            proc.kill()
            proc.wait()

        try:
            streams = Streams(
                stdin=proc.stdin, stdout=proc.stdout, stderr=proc.stderr, channel=channel_r, status=status_r
            )
            return supervise(
                request,
                streams,
                wait=wait,
                kill=kill,
                cgroup=cgroup,
                launcher_pid=proc.pid,
                isolated=isolate,
                warnings=warnings,
                started=started,
            )
        finally:  # whatever happened (even an interrupt of the grader), nothing outlives the run
            if proc.poll() is None:
                kill()
            cleanup(cgroup, workdir)


def isolation_warnings(settings: Settings, isolate: bool) -> list[str]:
    """What this run's sandbox lacks, for the report."""
    missing = (
        []
        if not settings.seccomp or seccomp.compiled() is not None
        else ["no seccomp filter: libseccomp or its Python binding (pyseccomp) is not installed"]
    )
    if isolate:
        return missing
    return [
        "no network namespace: the submission's network access was not blocked",
        "not run as an unprivileged uid: files readable by the grader were readable",
        *missing,
    ]


def launcher_config(
    s: Settings,
    request: RunRequest,
    *,
    isolate: bool,
    cgroup: Cgroup | None,
    workdir: str,
    channel_fd: int,
    status_fd: int,
) -> dict:
    """What grader/sandbox/launcher.py needs to set up one sandbox."""
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
        "cpu_s": request.cpu_s,
        "file_size_mb": request.file_size_mb,
        "open_files": request.open_files,
        "nproc": request.max_pids * 8 if isolate else 0,
        "address_space_mb": 0 if cgroup else request.memory_mb + 8192,
        "env": sandbox_env(s, workdir, cuda_visible_devices=request.cuda_visible_devices),
        "harness_args": [],
        # the filter compiled once by the grader; the sandbox only loads it
        "seccomp": (seccomp.compiled() or b"").hex() if s.seccomp else "",
    }


@dataclass
class Streams:
    """The grader's ends of one sandbox's pipes: stdin (a writable file), the rest readable."""

    stdin: object
    stdout: object
    stderr: object
    channel: int
    status: int


def supervise(
    request: RunRequest,
    streams: Streams,
    *,
    wait,
    kill,
    cgroup: Cgroup | None,
    launcher_pid: int | None,
    isolated: bool,
    warnings: list[str],
    started: float,
    warm_up_s: float = 0.0,
) -> RunResult:
    """Feed the job, wait up to the wall-clock limit, kill what is left, collect the outcome.

    wait(timeout) -> True once the launcher has ended; kill() stops the launcher itself.
    warm_up_s > 0: a pre-started harness that may still be importing its frameworks; the
    wall clock starts at its "warm" line (waited for up to warm_up_s), which is then dropped."""
    out = _CappedReader(streams.stdout, request.output_cap_bytes)
    err = _CappedReader(streams.stderr, request.output_cap_bytes)
    chan = _CappedReader(os.fdopen(streams.channel, "rb", buffering=0), request.observation_cap_bytes)
    stat = _CappedReader(os.fdopen(streams.status, "rb", buffering=0), 1 << 16)
    for reader in (out, err, chan, stat):
        reader.start()
    threading.Thread(target=_feed, args=(streams.stdin, json.dumps(request.job).encode()), daemon=True).start()

    warm_error = await_warm(chan.buf, ended=lambda: wait(0), limit_s=warm_up_s) if warm_up_s > 0 else None
    timed_out = warm_error is None and not wait(request.timeout_s)
    statuses = _status_lines(stat)
    # Kill whatever is left: the whole cgroup, the launcher's group and the harness's session.
    if cgroup:
        cgroup.kill_all()
    # (Isolated, the harness's pid is one of its own pid namespace: meaningless here, and the
    # namespace dies with its init anyway.)
    harness_pids = [] if isolated else [m["harness_pid"] for m in statuses if "harness_pid" in m]
    for pgid in (launcher_pid, *harness_pids):
        if pgid is None:
            continue
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    kill()
    for reader in (out, err, chan, stat):
        reader.join(timeout=5)
    statuses = _status_lines(stat)
    warm_bytes = drop_warm_line(chan.buf) if warm_up_s > 0 else 0
    result = RunResult(
        channel=bytes(chan.buf),
        stdout=out.text(),
        stderr=err.text(),
        timed_out=timed_out,
        warnings=warnings,
    )
    chan.total -= warm_bytes
    if chan.truncated:
        result.warnings.append("observation channel exceeded its cap; later observations were dropped")
    for msg in statuses:
        if "exit" in msg:
            result.exit_code = msg["exit"]
        elif "signal" in msg:
            result.signal = msg["signal"]
        elif "error" in msg and not timed_out:
            result.sandbox_error = msg["error"]
    if warm_error:
        result.sandbox_error = warm_error
    if cgroup:
        result.peak_memory_mb = cgroup.peak_mb()
        result.memory_exceeded = cgroup.oom_killed() or (cgroup.hit_limit() and result.signal == signal.SIGKILL)
    result.duration_s = time.monotonic() - started
    return result


def await_warm(channel: bytearray, *, ended, limit_s: float) -> str | None:
    """Wait for a pre-started harness's "warm" line at the head of its channel (it may still be
    importing its frameworks); None once it is there or the sandbox has ended, else why not."""
    deadline = time.monotonic() + limit_s
    while bytes(channel[: len(WARM_LINE)]) != WARM_LINE and not ended():
        if time.monotonic() > deadline:
            return f"the pre-started sandbox did not warm up within {limit_s:g} s"
        time.sleep(0.01)
    return None


def drop_warm_line(channel: bytearray) -> int:
    """Remove the "warm" line from the head of the channel before it is parsed; bytes removed."""
    if bytes(channel[: len(WARM_LINE)]) != WARM_LINE:
        return 0
    del channel[: len(WARM_LINE)]
    return len(WARM_LINE)


def cleanup(cgroup: Cgroup | None, workdir: str) -> None:
    if cgroup:
        cgroup.remove()
    shutil.rmtree(workdir, ignore_errors=True)


def _feed(stdin, data: bytes) -> None:
    try:
        stdin.write(data)
        stdin.close()
    except (BrokenPipeError, OSError, ValueError):
        pass


def _status_lines(reader: _CappedReader) -> list[dict]:
    msgs = []
    for line in bytes(reader.buf).splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if isinstance(msg, dict):
            msgs.append(msg)
    return msgs
