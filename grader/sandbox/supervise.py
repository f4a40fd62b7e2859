"""Supervising one sandbox run, on every backend: read its streams (stdout, stderr, the observation
channel) to the end with caps, feed the job, wait for a pre-started harness's "warm" line, keep the
wall clock, kill whatever is left (the cgroup, the process groups), and collect the outcome.

The process and pool backends run supervise() on their pipes; the docker backend reads one framed
socket instead but uses the same caps, warm-up handshake and wall clock (wall_clock())."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from grader.harness.protocol import WARM_LINE
from grader.sandbox.base import RunRequest, RunResult
from grader.sandbox.cgroups import Cgroup

CHANNEL_CAP_WARNING = "observation channel exceeded its cap; later observations were dropped"
STATUS_CAP = 1 << 16


class CappedBuffer:
    """Keeps at most `cap` bytes; knows how many were produced in all."""

    def __init__(self, cap: int) -> None:
        self.cap, self.buf, self.total = cap, bytearray(), 0

    def add(self, data: bytes) -> None:
        self.total += len(data)
        room = self.cap - len(self.buf)
        if room > 0:
            self.buf += data[:room]

    @property
    def truncated(self) -> bool:
        return self.total > len(self.buf)

    def text(self) -> str:
        s = self.buf.decode("utf-8", errors="replace")
        return s + (f"\n[... {self.total - len(self.buf)} more bytes not kept]" if self.truncated else "")


class CappedReader(threading.Thread):
    """Drains a pipe to the end, keeping at most `cap` bytes (so the child never blocks)."""

    def __init__(self, stream, cap: int) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.data = CappedBuffer(cap)

    def run(self) -> None:
        read = self.stream.read1 if hasattr(self.stream, "read1") else self.stream.read
        try:
            while chunk := read(65536):
                self.data.add(chunk)
        except (OSError, ValueError):
            pass

    @property
    def buf(self) -> bytearray:
        return self.data.buf

    @property
    def truncated(self) -> bool:
        return self.data.truncated

    def text(self) -> str:
        return self.data.text()


@dataclass
class Streams:
    """The grader's ends of one sandbox's pipes: stdin (a writable file), the rest readable."""

    stdin: Any
    stdout: Any
    stderr: Any
    channel: int
    status: int


class PopenLauncher:
    """A launcher this process started: wait for it, check it, kill it."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc
        self.pid = proc.pid

    def wait(self, timeout: float) -> bool:
        """True once it has ended (waiting up to `timeout` s)."""
        try:
            self.proc.wait(timeout=timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def release(self) -> None:
        """Nothing to release (the Popen is waited for by kill())."""


class PidfdLauncher:
    """A launcher another process (the pool's template) forked: watched through a pidfd."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.pidfd = os.pidfd_open(pid)
        self._released = False

    def wait(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.pidfd], [], [], timeout)
        return bool(ready)

    def alive(self) -> bool:
        ready, _, _ = select.select([self.pidfd], [], [], 0)
        return not ready

    def kill(self) -> None:
        if self._released:
            return
        try:
            signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def release(self) -> None:
        """Close the pidfd (once); kill() is a no-op after."""
        if not self._released:
            self._released = True
            os.close(self.pidfd)


def wall_clock(
    request: RunRequest, channel: bytearray, *, wait: Callable[[float], bool], warm_up_s: float = 0.0
) -> tuple[bool, str | None]:
    """Wait for the run to end: (timed_out, warm_error).

    wait(timeout) -> True once the sandbox has ended. warm_up_s > 0: a pre-started harness that
    may still be importing its frameworks; the wall clock starts at its "warm" line at the head of
    `channel` (waited for up to warm_up_s; warm_error says why not)."""
    warm_error = await_warm(channel, ended=lambda: wait(0), limit_s=warm_up_s) if warm_up_s > 0 else None
    timed_out = warm_error is None and not wait(request.timeout_s)
    return timed_out, warm_error


def kill_tree(cgroup: Cgroup | None, process_groups: list[int | None]) -> None:
    """SIGKILL whatever of a sandbox is left: its whole cgroup, then its process groups."""
    if cgroup:
        cgroup.kill_all()
    for pgid in process_groups:
        if pgid is None:
            continue
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


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
    out = CappedReader(streams.stdout, request.output_cap_bytes)
    err = CappedReader(streams.stderr, request.output_cap_bytes)
    chan = CappedReader(os.fdopen(streams.channel, "rb", buffering=0), request.observation_cap_bytes)
    stat = CappedReader(os.fdopen(streams.status, "rb", buffering=0), STATUS_CAP)
    for reader in (out, err, chan, stat):
        reader.start()
    threading.Thread(target=feed_job, args=(streams.stdin, json.dumps(request.job).encode()), daemon=True).start()

    timed_out, warm_error = wall_clock(request, chan.buf, wait=wait, warm_up_s=warm_up_s)
    statuses = status_lines(stat.buf)
    # Kill whatever is left: the whole cgroup, the launcher's group and the harness's session.
    # (Isolated, the harness's pid is one of its own pid namespace: meaningless here, and the
    # namespace dies with its init anyway.)
    harness_pids = [] if isolated else [m["harness_pid"] for m in statuses if "harness_pid" in m]
    kill_tree(cgroup, [launcher_pid, *harness_pids])
    kill()
    for reader in (out, err, chan, stat):
        reader.join(timeout=5)
    statuses = status_lines(stat.buf)
    warm_bytes = drop_warm_line(chan.buf) if warm_up_s > 0 else 0
    result = RunResult(
        channel=bytes(chan.buf),
        stdout=out.text(),
        stderr=err.text(),
        timed_out=timed_out,
        warnings=warnings,
    )
    chan.data.total -= warm_bytes
    if chan.truncated:
        result.warnings.append(CHANNEL_CAP_WARNING)
    for msg in statuses:
        if "exit" in msg:
            result.exit_code = msg["exit"]
        elif "signal" in msg:
            result.signal = msg["signal"]
        elif "error" in msg and not timed_out:
            result.sandbox_error = msg["error"]
            result.isolation_failed = msg.get("isolation_failed") is True
    if warm_error:
        result.sandbox_error = warm_error
        result.isolation_failed = False
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


def feed_job(stdin, data: bytes) -> None:
    """Write the job to the harness's stdin pipe and close it (the harness reads to EOF)."""
    try:
        stdin.write(data)
        stdin.close()
    except (BrokenPipeError, OSError, ValueError):
        pass


def status_lines(buf: bytearray) -> list[dict]:
    """The launcher's status messages (one JSON object a line), unreadable lines skipped."""
    msgs = []
    for line in bytes(buf).splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if isinstance(msg, dict):
            msgs.append(msg)
    return msgs
