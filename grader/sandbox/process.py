"""The default backend: a fresh, never-reused process per run, isolated as far as the OS allows.

The sandbox's environment and limits come from grader/sandbox/environment.py, its supervision
(streams, caps, wall clock, kill, outcome) from grader/sandbox/supervise.py, as on every backend."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from grader.sandbox import environment
from grader.sandbox.base import Missing, RunRequest, RunResult
from grader.sandbox.supervise import PopenLauncher, Streams, supervise
from grader.settings import PROJECT_ROOT, Settings


class ProcessSandbox:
    """Runs each request in a new launcher → init → harness process tree."""

    backend = "process"  # part of the reference cache key

    def __init__(self, *, settings: Settings) -> None:
        self.settings = settings
        self.is_root = environment.running_as_root()

    def run(self, request: RunRequest) -> RunResult:
        result = self._run(request, isolate=self.is_root)
        if result.isolation_failed and self.settings.isolation == "auto":
            retry = self._run(request, isolate=False)
            retry.warnings.insert(0, f"full isolation unavailable ({result.sandbox_error}); ran without it")
            return retry
        return result

    def close(self) -> None:
        """Nothing to release: every run's processes, cgroup and work dir are gone with the run."""

    def _run(self, request: RunRequest, *, isolate: bool) -> RunResult:
        s = self.settings
        started = time.monotonic()
        missing = environment.missing_walls(s, isolate=isolate)
        refusal = environment.strict_refusal(s, missing)
        if refusal:
            return RunResult(b"", "", "", sandbox_error=refusal, isolation_missing=missing)
        cgroup = environment.new_cgroup(request, use=self.is_root)
        if cgroup is None:
            missing.append(Missing.cgroup)
        warnings = environment.warnings_for(missing)
        workdir = environment.new_workdir()
        channel_r, channel_w = os.pipe()
        status_r, status_w = os.pipe()
        cfg = environment.launcher_config(
            s, request, isolate=isolate, cgroup=cgroup, workdir=workdir, channel_fd=channel_w, status_fd=status_w
        )
        try:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-m", "grader.sandbox.launcher", json.dumps(cfg)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(channel_w, status_w),
                env=environment.sandbox_env(s, workdir),
                cwd=str(PROJECT_ROOT),
                start_new_session=True,
            )
        except OSError as exc:
            for fd in (channel_r, channel_w, status_r, status_w):
                os.close(fd)
            environment.cleanup(cgroup, workdir)
            return RunResult(
                b"",
                "",
                "",
                sandbox_error=f"could not start sandbox: {exc}",
                warnings=warnings,
                isolation_missing=missing,
            )
        os.close(channel_w)
        os.close(status_w)
        launcher = PopenLauncher(proc)
        try:
            streams = Streams(
                stdin=proc.stdin, stdout=proc.stdout, stderr=proc.stderr, channel=channel_r, status=status_r
            )
            result = supervise(
                request,
                streams,
                wait=launcher.wait,
                kill=launcher.kill,
                cgroup=cgroup,
                launcher_pid=proc.pid,
                isolated=isolate,
                warnings=warnings,
                started=started,
            )
            result.isolation_missing = missing
            return result
        finally:  # whatever happened (even an interrupt of the grader), nothing outlives the run
            if launcher.alive():
                launcher.kill()
            environment.cleanup(cgroup, workdir)
