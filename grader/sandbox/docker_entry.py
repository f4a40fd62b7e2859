"""Trusted entry point of a sandbox container (its PID 1): runs the harness and frames its streams.

Why a framing entry point: Docker gives a container stdin, stdout and stderr only, but the harness
needs a fourth stream, the observation channel, kept apart from the candidate's stdout and stderr
(anything the candidate prints must never be parsed as an observation). So this process creates
three pipes, starts `python -I -m grader.harness <channel fd>` with them as its channel, stdout and
stderr (stdin is the container's, carrying the job JSON), and writes everything it reads onto the
container's stdout as frames:

    1 byte stream id (b"c" channel, b"o" stdout, b"e" stderr, b"s" status) + 4-byte big-endian
    payload length + payload

Each stream is forwarded up to its cap and drained past it (a 200 MB print costs the engine
nothing); the last frame is a status line: the harness's exit code or signal and the byte totals.
The grader reads exit codes, OOM kills and timeouts from the engine too; the status frame only adds
what the engine cannot see (the harness, not this process, died of a signal).

Same uid as the candidate: the candidate (uid 65534 like this process) holds the write end of the
channel pipe, as it does under the process backend, so it can write protocol lines; the grader
treats anything off-protocol as tampering. It cannot reach the container's stdout: the child gets
only the three pipes, and this process makes itself non-dumpable, so the kernel refuses a same-uid,
capability-less process both /proc/1/fd/* and ptrace. As PID 1 of the container's pid namespace,
it only receives signals it has a handler for, and it installs none (SIGINT is reset to default).
When it exits, the kernel kills whatever is left in the container.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import select
import signal
import struct
import sys
import time

PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 4, 38
HARNESS_FAILED = 71
HEADER = struct.Struct(">cI")
MAX_FRAME = 1 << 16


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def frame(stream: bytes, payload: bytes) -> bytes:
    """One frame: stream id, length, payload."""
    return HEADER.pack(stream, len(payload)) + payload


class Forwarder:
    """Forwards one pipe as frames, up to `cap` bytes; counts (and drops) the rest."""

    def __init__(self, fd: int, stream: bytes, cap: int, out: int) -> None:
        self.fd, self.stream, self.cap, self.out = fd, stream, cap, out
        self.sent = 0
        self.total = 0
        self.open = True

    def pump(self) -> bool:
        """Read what is available; False once the pipe is at EOF or has nothing more right now."""
        try:
            chunk = os.read(self.fd, MAX_FRAME)
        except BlockingIOError:
            return False
        except OSError as exc:
            if exc.errno == errno.EINTR:
                return True
            chunk = b""
        if not chunk:
            self.open = False
            os.close(self.fd)
            return False
        self.total += len(chunk)
        room = self.cap - self.sent
        if room > 0:
            part = chunk[:room]
            self.sent += len(part)
            _write_all(self.out, frame(self.stream, part))
        return True


def _limits(cfg: dict) -> None:
    """The process backend's rlimits (CPU seconds, file size, open files, no core); processes and
    memory are the container's pids and memory limits."""
    from grader.sandbox.launcher import _limits as rlimits

    rlimits({**cfg, "nproc": 0, "address_space_mb": 0})


def _start_harness(cfg: dict, channel_w: int, out_w: int, err_w: int, close: list[int], fail_w: int) -> int:
    """Fork and exec the harness; a failure before the exec is written to `fail_w` (close-on-exec,
    so the candidate never holds it): no exit code a submission picks passes for the grader's."""
    pid = os.fork()
    if pid:
        return pid
    try:
        for fd in close:
            os.close(fd)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        os.close(out_w)
        os.close(err_w)
        os.set_inheritable(channel_w, True)  # pipes are created close-on-exec
        os.setsid()
        _limits(cfg)
        ctypes.CDLL(None).prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        if cfg.get("seccomp", True):
            from grader.sandbox import seccomp

            # stacked on Docker's default profile: at least the process backend's walls
            seccomp.install(bytes.fromhex(cfg["seccomp"]) if isinstance(cfg.get("seccomp"), str) else None)
        # A pre-started (pooled) container imports and warms the frameworks before its job arrives.
        preload = (
            ["--preload", ",".join(cfg["preload"])] + (["--cuda"] if cfg.get("cuda") else [])
            if cfg.get("preload")
            else []
        )
        os.execv(sys.executable, [sys.executable, "-I", "-m", "grader.harness", str(channel_w), *preload])
    except BaseException as exc:  # noqa: BLE001 - reported as the grader's own failure
        os.write(fail_w, f"{type(exc).__name__}: {exc}"[:500].encode())
    os._exit(HARNESS_FAILED)


def main() -> None:
    cfg = json.loads(sys.argv[1])
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # no handler: a same-uid candidate cannot signal PID 1
    ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    out = os.dup(1)  # the container's stdout: this process alone holds it
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.close(null)

    channel_r, channel_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    fail_r, fail_w = os.pipe()
    harness = _start_harness(cfg, channel_w, out_w, err_w, close=[out, channel_r, out_r, err_r, fail_r], fail_w=fail_w)
    for fd in (channel_w, out_w, err_w, fail_w):
        os.close(fd)
    streams = [
        Forwarder(channel_r, b"c", cfg["channel_cap"], out),
        Forwarder(out_r, b"o", cfg["output_cap"], out),
        Forwarder(err_r, b"e", cfg["output_cap"], out),
    ]
    for s in streams:
        os.set_blocking(s.fd, False)

    status = None
    while status is None:
        live = [s for s in streams if s.open]
        if live:
            ready = select.select([s.fd for s in live], [], [], 0.05)[0]
        else:  # every pipe closed (the harness may still run, e.g. after closing its fds)
            time.sleep(0.05)
            ready = []
        for s in live:
            if s.fd in ready:
                s.pump()
        while True:  # PID 1 reaps every orphan, and notes the harness's end
            try:
                pid, wait_status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if pid == harness:
                status = wait_status
    # The harness is gone: forward what its pipes still hold (not what orphans write later).
    for s in streams:
        while s.open and s.pump():
            pass
    failure = os.read(fail_r, 1000).decode(errors="replace")  # EOF at once when the exec worked
    if failure:
        msg: dict = {"error": f"harness failed to start: {failure}"}
    elif os.WIFEXITED(status):
        msg = {"exit": os.WEXITSTATUS(status)}
    else:
        msg = {"signal": os.WTERMSIG(status)}
    msg["totals"] = {s.stream.decode(): s.total for s in streams}
    _write_all(out, frame(b"s", json.dumps(msg).encode()))
    os._exit(0)


if __name__ == "__main__":
    main()
