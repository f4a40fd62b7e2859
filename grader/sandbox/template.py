"""The warm pool's template: a process that imported and warmed the frameworks, then forks one
single-use sandbox per request and never runs a submission itself.

`python -I -m grader.sandbox.template CONTROL_FD IMPORTS_JSON`, started by grader/sandbox/pool.py
with the same scrubbed environment as every sandbox. On the control socket (SOCK_SEQPACKET) it
receives, per sandbox, the launcher's config as JSON plus five file descriptors passed with
SCM_RIGHTS (stdin, stdout, stderr, channel, status), forks, and answers {"pid": N}. The child
becomes the launcher (grader/sandbox/launcher.py: cgroups, namespaces, mounts, uid 65534, limits)
and runs the harness in-process, without paying for a fresh interpreter.

What the template holds: library code and the harness. The job (submission, probes) goes straight
from the grader to the child's stdin pipe; the template only passes the descriptors along, so it
never sees a submission, a reference or an expected value.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import sys

PR_SET_PDEATHSIG = 1
FDS_PER_SANDBOX = 5


def _die_with_parent() -> None:
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _child(sock: socket.socket, cfg: dict, fds: list[int]) -> None:
    """In the forked child: wire up the descriptors, then become the launcher."""
    try:
        sock.close()
        _die_with_parent()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        stdin_r, stdout_w, stderr_w, channel_w, status_w = fds
        for fd, target in ((stdin_r, 0), (stdout_w, 1), (stderr_w, 2)):
            os.dup2(fd, target)
            os.close(fd)
        cfg["channel_fd"], cfg["status_fd"] = channel_w, status_w
        from grader.sandbox import launcher

        launcher.run(cfg, inline=True)
    except BaseException as exc:  # noqa: BLE001 - reported on stderr; the grader sees no ready event
        os.write(2, f"dlgrader template child: {type(exc).__name__}: {exc}\n".encode())
    os._exit(70)


def main() -> None:
    sock = socket.socket(fileno=int(sys.argv[1]))
    imports = json.loads(sys.argv[2])
    _die_with_parent()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    try:
        from grader.harness import warm

        warm.prepare(imports, tensorflow_ops=False, cuda=False)
        import grader.harness.__main__  # noqa: F401 - loaded once here, inherited by every child
        import grader.sandbox.launcher  # noqa: F401
    except BaseException as exc:  # noqa: BLE001 - tell the pool why, then stop
        sock.send(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())
        os._exit(1)
    sock.send(json.dumps({"ready": True, "pid": os.getpid()}).encode())
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(sock, 1 << 20, FDS_PER_SANDBOX)
        except (ConnectionError, OSError):
            os._exit(0)
        if not msg:  # the pool closed its end
            os._exit(0)
        if len(fds) != FDS_PER_SANDBOX:
            for fd in fds:
                os.close(fd)
            sock.send(json.dumps({"error": f"expected {FDS_PER_SANDBOX} descriptors, got {len(fds)}"}).encode())
            continue
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        pid = os.fork()
        if pid == 0:
            _child(sock, json.loads(msg), fds)
        for fd in fds:
            os.close(fd)
        sock.send(json.dumps({"pid": pid}).encode())


if __name__ == "__main__":
    main()
