"""Warm, single-use sandboxes: the "pool" backend.

A fresh interpreter per submission pays for `import torch` and the lazy imports of a first
optimizer step (seconds) before the submission runs. This backend keeps, per framework set, a few
sandboxes that already paid for it, idle and waiting for their job:

- "fork" mode (CPU): a template process (grader/sandbox/template.py) imports and warms the
  frameworks once; each sandbox is forked from it and then set up by the same launcher code as
  the process backend (cgroups, namespaces, mounts, uid 65534, rlimits). The template holds no
  secret: the job goes from this process straight to the sandbox's stdin.
- "spawn" mode (GPU): CUDA does not survive a fork, so each sandbox is a fresh launcher + harness
  that imports, warms and creates its own CUDA context, then waits for its job.

Each sandbox runs exactly one job and is then killed and cleaned up, like the process backend's;
a background thread refills the pool (grader/sandbox/warmpool.py). If the pool cannot start (say a
template fails to import), the request runs in a fresh process instead and the report says so.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from grader.sandbox import environment
from grader.sandbox.base import Missing, RunRequest, RunResult
from grader.sandbox.cgroups import Cgroup
from grader.sandbox.process import ProcessSandbox
from grader.sandbox.supervise import PidfdLauncher, PopenLauncher, Streams, supervise
from grader.sandbox.warmpool import WarmPool
from grader.settings import PROJECT_ROOT, Settings

TEMPLATE_START_S = 300.0
WARM_UP_S = 300.0  # how long a pre-spawned sandbox may take to import and warm its frameworks


class PoolError(RuntimeError):
    """The pool could not provide a sandbox (the request then runs in a fresh process)."""


class Template:
    """One warmed template process, forking sandboxes on request."""

    def __init__(self, settings: Settings, imports: list[str]) -> None:
        self.imports = imports
        self.home = tempfile.mkdtemp(prefix="dlgrader-template-")
        self.log = tempfile.TemporaryFile()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-m", "grader.sandbox.template", str(theirs.fileno()), json.dumps(imports)],
                stdin=subprocess.DEVNULL,
                stdout=self.log,
                stderr=self.log,
                pass_fds=(theirs.fileno(),),
                env=environment.sandbox_env(settings, self.home),
                cwd=str(PROJECT_ROOT),
                start_new_session=True,
            )
        finally:
            theirs.close()
        self.sock = ours
        self.lock = threading.Lock()
        ours.settimeout(TEMPLATE_START_S)
        try:
            hello = json.loads(ours.recv(1 << 16) or b'{"error": "exited during warm-up"}')
        except (OSError, ValueError) as exc:
            hello = {"error": str(exc)}
        if "error" in hello:
            self.close()
            raise PoolError(f"template for {','.join(imports)} failed: {hello['error']} {self._log_tail()}".strip())
        self.pid = hello["pid"]
        ours.settimeout(30)

    def _log_tail(self) -> str:
        try:
            self.log.seek(0)
            return self.log.read()[-400:].decode(errors="replace")
        except (OSError, ValueError):
            return ""

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def fork(self, cfg: dict, fds: list[int]) -> int:
        """Fork one sandbox that gets `fds` as stdin, stdout, stderr, channel, status; its pid."""
        with self.lock:
            try:
                socket.send_fds(self.sock, [json.dumps(cfg).encode()], fds)
                reply = json.loads(self.sock.recv(1 << 16) or b'{"error": "template exited"}')
            except (OSError, ValueError) as exc:
                reply = {"error": str(exc)}
        if "error" in reply:
            raise PoolError(f"template could not fork: {reply['error']}")
        return reply["pid"]

    def rss_mb(self) -> float | None:
        try:
            with open(f"/proc/{self.proc.pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    def close(self) -> None:
        self.sock.close()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.log.close()
        shutil.rmtree(self.home, ignore_errors=True)


@dataclass
class Slot:
    """One idle sandbox waiting for its job on stdin; used once."""

    key: tuple
    isolate: bool
    cgroup: Cgroup | None
    workdir: str
    streams: Streams
    # fork mode: the template's child, watched through a pidfd; spawn mode: our own Popen
    launcher: PidfdLauncher | PopenLauncher
    missing: list[Missing] = field(default_factory=list)

    @property
    def launcher_pid(self) -> int:
        return self.launcher.pid

    @property
    def spawned(self) -> bool:
        """Spawn mode: a pre-started launcher + harness of ours that warms itself."""
        return isinstance(self.launcher, PopenLauncher)

    def wait(self, timeout: float) -> bool:
        return self.launcher.wait(timeout)

    def alive(self) -> bool:
        """Still waiting for its job (an idle sandbox can die: OOM killer, an operator's kill)."""
        return self.launcher.alive()

    def kill(self) -> None:
        self.launcher.kill()

    def discard(self) -> None:
        """Kill and clean up a slot that will never run (pool closing)."""
        self.kill()
        if self.cgroup:
            self.cgroup.kill_all()
        for f in (self.streams.stdin, self.streams.stdout, self.streams.stderr):
            try:
                f.close()
            except OSError:
                pass
        for fd in (self.streams.channel, self.streams.status):
            try:
                os.close(fd)
            except OSError:
                pass
        self.release()

    def release(self) -> None:
        self.launcher.release()
        environment.cleanup(self.cgroup, self.workdir)


class PooledSandbox:
    """The pool backend: same contract and isolation as ProcessSandbox, without the cold start."""

    backend = "pool"  # part of the reference cache key

    def __init__(self, *, settings: Settings, size: int | None = None) -> None:
        self.settings = settings
        self.size = settings.pool_size if size is None else size
        self.is_root = environment.running_as_root()
        self.fallback = ProcessSandbox(settings=settings)
        self._templates: dict[tuple, Template] = {}
        self._template_errors: dict[tuple, str] = {}
        self._template_lock = threading.Lock()
        self._cleaner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-pool-cleanup")
        self.created = 0  # sandboxes made, for tests and the benchmark
        self._spares: WarmPool[tuple, Slot] = WarmPool(
            size=self.size,
            make=self._new_slot,
            discard=Slot.discard,
            name="sandbox-pool-refill",
            errors=(PoolError,),  # run() falls back to a fresh process and says why
        )
        atexit.register(self.close)

    # -- public -------------------------------------------------------------------------------

    def run(self, request: RunRequest) -> RunResult:
        if not self.is_root and self.settings.isolation == "strict":
            return self.fallback.run(request)  # which refuses, with the reason
        key = self._key(request)
        try:
            slot = self._take(key, request)
        except PoolError as exc:
            result = self.fallback.run(request)
            result.warnings.insert(0, f"warm pool unavailable ({exc}); ran in a fresh process")
            return result
        return self._dispatch(slot, request)

    def warm(self, requests: list[RunRequest]) -> None:
        """Start templates and fill the pool for these kinds of request ahead of time."""
        for request in requests:
            self._spares.want(self._key(request), request)

    def idle_slots(self) -> list[Slot]:
        """The sandboxes waiting for a job (for tests and audits)."""
        return self._spares.idle()

    def stats(self) -> dict:
        counts = self._spares.counts()
        idle = {"/".join(k[0]) + (f"@cuda:{k[1]}" if k[1] else ""): n for k, n in counts.items()}
        rss = {"/".join(k[0]): t.rss_mb() for k, t in self._templates.items()}
        return {"idle": idle, "created": self.created, "template_rss_mb": rss}

    def close(self) -> None:
        if self._spares.closed:
            return
        self._spares.close()  # discards the idle slots
        self._cleaner.shutdown(wait=True)
        with self._template_lock:
            for t in self._templates.values():
                t.close()
            self._templates.clear()

    # -- internals ----------------------------------------------------------------------------

    def _key(self, r: RunRequest) -> tuple:
        # Everything a slot is created with; memory and time are applied when the job arrives.
        return (tuple(r.job["imports"]), r.cuda_visible_devices, r.cpu_s, r.file_size_mb, r.open_files, r.max_pids)

    def _mode(self, key: tuple) -> str:
        if self.settings.pool_mode != "auto":
            return self.settings.pool_mode
        return "spawn" if key[1] else "fork"

    def _take(self, key: tuple, request: RunRequest) -> Slot:
        slot = self._spares.take(key, request)
        while slot is not None and not slot.alive():
            slot.discard()
            slot = self._spares.take(key, request)
        return slot if slot is not None else self._new_slot(key, request)

    def _template(self, key: tuple) -> Template:
        with self._template_lock:
            t = self._templates.get(key[:2])
            if t is not None and t.alive:
                return t
            if t is not None:
                t.close()
            if key[:2] in self._template_errors:
                raise PoolError(self._template_errors[key[:2]])
            try:
                t = Template(self.settings, list(key[0]))
            except PoolError as exc:
                self._template_errors[key[:2]] = str(exc)
                raise
            self._templates[key[:2]] = t
            return t

    def _new_slot(self, key: tuple, request: RunRequest) -> Slot:
        if self._spares.closed:
            raise PoolError("pool closed")
        mode = self._mode(key)
        template = self._template(key) if mode == "fork" else None
        s = self.settings
        isolate = self.is_root
        missing = environment.missing_walls(s, isolate=isolate)
        # The settings' memory for now: the job's own cap is set when it arrives (_dispatch).
        cgroup = environment.new_cgroup(request, use=self.is_root, memory_mb=s.memory_mb)
        if cgroup is None:
            missing.append(Missing.cgroup)
        workdir = environment.new_workdir()
        pipes = [os.pipe() for _ in range(5)]  # stdin, stdout, stderr, channel, status
        (stdin_r, stdin_w), (stdout_r, stdout_w), (stderr_r, stderr_w), (chan_r, chan_w), (stat_r, stat_w) = pipes
        theirs = [stdin_r, stdout_w, stderr_w, chan_w, stat_w]
        cfg = environment.launcher_config(
            s,
            request,
            isolate=isolate,
            cgroup=cgroup,
            workdir=workdir,
            channel_fd=chan_w,
            status_fd=stat_w,
            # Without a cgroup, RLIMIT_AS is the memory cap: size it for the largest task it may get.
            address_space_mb=max(s.memory_mb, request.memory_mb) + 8192,
        )
        launcher: PidfdLauncher | PopenLauncher | None = None
        try:
            if template is not None:  # fork mode
                launcher = PidfdLauncher(template.fork(cfg, theirs))
            else:
                cfg["harness_args"] = ["--preload", ",".join(key[0])] + (["--cuda"] if key[1] else [])
                proc = subprocess.Popen(
                    [sys.executable, "-I", "-m", "grader.sandbox.launcher", json.dumps(cfg)],
                    stdin=stdin_r,
                    stdout=stdout_w,
                    stderr=stderr_w,
                    pass_fds=(chan_w, stat_w),
                    env=environment.sandbox_env(s, workdir),
                    cwd=str(PROJECT_ROOT),
                    start_new_session=True,
                )
                launcher = PopenLauncher(proc)
        except (PoolError, OSError) as exc:
            for fd in (*theirs, stdin_w, stdout_r, stderr_r, chan_r, stat_r):
                os.close(fd)
            environment.cleanup(cgroup, workdir)
            raise PoolError(str(exc)) from exc
        finally:
            if launcher is not None:
                for fd in theirs:
                    os.close(fd)
        self.created += 1
        streams = Streams(
            stdin=os.fdopen(stdin_w, "wb", buffering=0),
            stdout=os.fdopen(stdout_r, "rb", buffering=0),
            stderr=os.fdopen(stderr_r, "rb", buffering=0),
            channel=chan_r,
            status=stat_r,
        )
        return Slot(key, isolate, cgroup, workdir, streams, launcher, missing=missing)

    def _dispatch(self, slot: Slot, request: RunRequest) -> RunResult:
        started = time.monotonic()
        warnings = environment.warnings_for(slot.missing)
        if slot.cgroup and not slot.cgroup.set_memory(request.memory_mb):
            warnings.append(f"could not set the sandbox's memory cap to {request.memory_mb} MB")
        try:
            result = supervise(
                request,
                slot.streams,
                wait=slot.wait,
                kill=slot.kill,
                cgroup=slot.cgroup,
                launcher_pid=slot.launcher_pid if slot.spawned else None,
                isolated=slot.isolate,
                warnings=warnings,
                started=started,
                warm_up_s=WARM_UP_S if slot.spawned else 0.0,  # spawn mode warms itself
            )
            result.isolation_missing = list(slot.missing)
            return result
        finally:
            slot.kill()  # (supervise already killed the whole cgroup; this is the launcher's pidfd)
            for f in (slot.streams.stdout, slot.streams.stderr):
                f.close()
            slot.launcher.release()
            shutil.rmtree(slot.workdir, ignore_errors=True)  # cheap; gone when the report is
            # Removing the (already emptied: supervise killed it) cgroup is off the critical path.
            try:
                self._cleaner.submit(slot.release)
            except RuntimeError:  # the pool was closed meanwhile
                slot.release()
