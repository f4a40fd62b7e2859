"""Trusted launcher: namespaces, private mounts, limits, then the harness as an unprivileged uid.

Process tree (isolated mode):
  grader --Popen--> launcher (root, host namespaces; joins the cgroups, unshares)
                      └─ init (root, PID 1 of new pid+net+mount ns; hides paths, reaps, reports)
                           └─ harness (uid 65534, rlimits, no new privileges) + candidate code
When init exits, the kernel kills everything left in the pid namespace, setsid'd children too.

The warm pool (grader/sandbox/template.py) forks the launcher from a template process that already
imported the frameworks and calls run(cfg, inline=True): the harness then runs in the forked
process instead of exec'ing a fresh Python; every other step is the same code.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38

_libc = ctypes.CDLL(None, use_errno=True)


def _limits(cfg: dict) -> None:
    mb = 1024 * 1024
    resource.setrlimit(resource.RLIMIT_CPU, (cfg["cpu_s"], cfg["cpu_s"] + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (cfg["file_size_mb"] * mb,) * 2)
    resource.setrlimit(resource.RLIMIT_NOFILE, (cfg["open_files"],) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if cfg["nproc"]:
        resource.setrlimit(resource.RLIMIT_NPROC, (cfg["nproc"],) * 2)
    if cfg["address_space_mb"]:
        resource.setrlimit(resource.RLIMIT_AS, (cfg["address_space_mb"] * mb,) * 2)


def _exec_harness(cfg: dict) -> None:
    """Become the harness by exec'ing a fresh interpreter (the status pipe is close-on-exec)."""
    argv = [sys.executable, "-I", "-m", "grader.harness", str(cfg["channel_fd"]), *cfg.get("harness_args", [])]
    os.execve(sys.executable, argv, cfg["env"])


def _prepare_inline(cfg: dict):
    """Warm pool: make this forked process look like a fresh harness interpreter; the harness's
    main, to be called once the status pipe is closed."""
    os.environ.clear()
    os.environ.update(cfg["env"])
    sys.argv = ["harness", str(cfg["channel_fd"])]
    _as_fresh_interpreter()
    from grader.harness.__main__ import main as harness_main

    return harness_main


def _run_inline(harness_main, cfg: dict) -> None:
    try:
        harness_main(cfg["channel_fd"])
    except BaseException:  # noqa: BLE001 - as an exec'd interpreter would: traceback, exit 1
        import traceback

        traceback.print_exc()
        os._exit(1)
    os._exit(0)


def _as_fresh_interpreter() -> None:
    """Undo what a sandbox forked from a warm template inherited from the template's own run, so
    that it is indistinguishable from a fresh interpreter (tests/sandbox/test_pool.py compares the two):
    tempfile's cached directory (the template's home, absent here) and the global random
    generators (every fork would otherwise draw the same first numbers)."""
    import random
    import tempfile

    tempfile.tempdir = None
    random.seed()  # a fresh interpreter seeds from os.urandom
    np = sys.modules.get("numpy")
    if np is not None:
        np.random.seed()  # numpy's legacy global generator, seeded from the OS in a fresh process
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.seed()  # a fresh process seeds torch's default generator from the OS too
    from grader.harness import warm

    # Variables the frameworks' import put in the template's environment (a fresh interpreter's
    # import sets them too), and the warnings filters as they stood right after the imports.
    for key, value in warm.IMPORT_STATE.get("environ", {}).items():
        os.environ.setdefault(key, value)
    if "warnings" in warm.IMPORT_STATE:
        import warnings

        warnings.filters[:] = warm.IMPORT_STATE["warnings"]  # type: ignore[index]  # a list at run time
        warnings._filters_mutated()  # type: ignore[attr-defined]  # what warnings.simplefilter calls


def _seccomp(cfg: dict) -> None:
    """The last step before the harness: the syscall filter (grader/sandbox/seccomp.py)."""
    if cfg.get("seccomp"):
        from grader.sandbox import seccomp

        seccomp.install(bytes.fromhex(cfg["seccomp"]) if isinstance(cfg["seccomp"], str) else None)


CHANNEL_FD = 3  # the harness's channel has the same number on every backend and mode


def _fixed_channel(cfg: dict) -> int:
    """Move the channel to CHANNEL_FD (inheritable) in the harness's process; the status fd's
    (possibly new) number."""
    status_fd, channel = cfg["status_fd"], cfg["channel_fd"]
    if status_fd == CHANNEL_FD:
        status_fd = os.dup(status_fd)
        os.close(CHANNEL_FD)
    if channel != CHANNEL_FD:
        os.dup2(channel, CHANNEL_FD)
        os.close(channel)
    cfg["channel_fd"], cfg["status_fd"] = CHANNEL_FD, status_fd
    return status_fd


def _init(cfg: dict, report, inline: bool = False) -> None:
    """Runs as PID 1 of the new namespaces (or a plain child when not isolated)."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    workdir = cfg["workdir"]
    if cfg["isolate"]:
        from grader.sandbox import rootfs

        rootfs.mount("none", "/", "", rootfs.MS_REC | rootfs.MS_PRIVATE)
        # An allowlisted root: nothing of the host but what the harness needs (rootfs.py).
        rootfs.build(cfg, workdir)
        rootfs.enter(workdir)
    status_fd = cfg["status_fd"]
    harness = os.fork()
    if harness == 0:
        status_fd = _fixed_channel(cfg)
        # Until the harness starts, a failure is the grader's own, and it says so on the status
        # pipe, which the candidate never holds: no exit code a submission picks can pass for it.
        try:
            os.setsid()
            _limits(cfg)
            if cfg["drop"]:
                os.setgroups([])
                os.setgid(cfg["gid"])
                os.setuid(cfg["uid"])
            _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
            os.chdir(workdir)
            if inline:
                harness_main = _prepare_inline(cfg)
                _seccomp(cfg)
                os.close(status_fd)
                _run_inline(harness_main, cfg)
            os.set_inheritable(status_fd, False)
            _seccomp(cfg)
            _exec_harness(cfg)
        except BaseException as exc:  # noqa: BLE001 - any failure here is the grader's own
            try:
                os.write(
                    status_fd,
                    (json.dumps({"error": f"harness failed to start: {type(exc).__name__}: {exc}"}) + "\n").encode(),
                )
            except OSError:
                os.write(2, f"dlgrader launcher: {type(exc).__name__}: {exc}\n".encode())
            os._exit(71)
    os.close(cfg["channel_fd"])
    report({"harness_pid": harness})
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            report({"error": "harness vanished"})
            return
        if pid == harness:
            break
    if os.WIFEXITED(status):
        code = os.WEXITSTATUS(status)
        report({"exit": code})
    else:
        report({"signal": os.WTERMSIG(status)})


def main() -> None:
    run(json.loads(sys.argv[1]))


def run(cfg: dict, inline: bool = False) -> None:
    """Join the cgroups, unshare, fork init (which forks the harness), wait, exit. Never returns."""
    status_fd = cfg["status_fd"]

    def report(msg: dict) -> None:
        os.write(status_fd, (json.dumps(msg) + "\n").encode())

    try:
        for procs in cfg["cgroup_procs"]:
            with open(procs, "w") as fh:
                fh.write(str(os.getpid()))
        if cfg["isolate"]:
            flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS
            from grader.sandbox.rootfs import check

            check(_libc.unshare(flags), "unshare")
    except OSError as exc:
        report({"error": f"isolation failed: {exc}", "isolation_failed": True})
        os._exit(70)
    child = os.fork()
    if child == 0:
        try:
            _init(cfg, report, inline)
        except BaseException as exc:  # noqa: BLE001 - reported as sandbox_error
            report({"error": f"{type(exc).__name__}: {exc}"})
        os._exit(0)
    os.close(cfg["channel_fd"])
    os.waitpid(child, 0)
    os._exit(0)


if __name__ == "__main__":
    main()
