"""Hostile submissions on the docker backend: each is contained and gets the right status and
score, no container outlives its grading (the engine's container list is checked after each test),
and the next submission still grades right. Texts come from tests/sandbox/test_hostile.py where they can."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

import pytest

from tests.support.hostile import (
    CORRECT,
    EXITS_AT_IMPORT,
    FAKE_REPORT,
    FORGED_ON_EVERY_FD,
    PATCHED_COMPARISONS,
    TASK,
    WRONG,
    WRONG_SCORE,
)
from tests.support.requests import probe_request


@pytest.fixture
def next_grades_right(docker_grade_code):
    """After each hostile test, a correct submission still gets full marks."""
    yield
    report = docker_grade_code(TASK, CORRECT)
    assert report.status.value == "graded" and report.score == report.max_score, report.message


pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.usefixtures("no_container_left", "next_grades_right")]


def test_fake_report_on_stdout_gains_nothing(docker_grade_code):
    report = docker_grade_code(TASK, f"print({FAKE_REPORT!r})\n" + WRONG)
    assert report.score == WRONG_SCORE
    assert FAKE_REPORT in report.stdout


def test_forged_data_on_every_fd_gains_nothing(docker_grade_code):
    report = docker_grade_code(TASK, FORGED_ON_EVERY_FD)
    assert report.status.value == "runtime_error"
    assert report.score == 0
    assert "observation channel" in report.message


def test_the_containers_stdout_is_out_of_reach(docker_grade_code):
    """PID 1 (the entry point) is non-dumpable: its fds, the container's stdout among them, cannot
    be opened through /proc by the same uid, and it ignores signals from inside the container."""
    code = (
        """
import os, signal
for path in ("/proc/1/fd/1", "/proc/1/fd/3", "/proc/1/mem"):
    try:
        with open(path, "wb") as fh:
            fh.write(b"s" + (99).to_bytes(4, "big"))
        print("OPENED", path)
    except OSError as exc:
        print("DENIED", path, type(exc).__name__)
for target in (os.getppid(), 1, -1):
    try:
        os.kill(target, signal.SIGKILL)
    except OSError as exc:
        print("kill", target, "failed:", type(exc).__name__)
"""
        + WRONG
    )
    report = docker_grade_code(TASK, code)
    assert "OPENED" not in report.stdout, report.stdout
    assert report.stdout.count("DENIED") == 3, (report.message, report.stdout, report.stderr[-1000:])
    assert report.status.value == "graded"
    assert report.score == WRONG_SCORE


def test_patched_comparisons_gain_nothing(docker_grade_code):
    report = docker_grade_code(TASK, PATCHED_COMPARISONS)
    assert report.status.value == "graded"
    assert report.score == WRONG_SCORE


@pytest.mark.parametrize("exit_code", EXITS_AT_IMPORT)
def test_exit_at_import_is_a_runtime_error(docker_grade_code, exit_code):
    report = docker_grade_code(TASK, exit_code + "\n" + CORRECT)
    assert report.status.value == "runtime_error"
    assert report.score == 0


def test_infinite_loop_times_out_and_the_container_is_gone(docker_grade_code, docker_client):
    token = uuid.uuid4().hex
    code = (
        f"""
import os
if os.fork() == 0:
    os.setsid()
    os.execv("/bin/sh", ["/bin/sh", "-c", "sleep 1000; echo {token}"])
while True:
    pass
"""
        + CORRECT
    )
    report = docker_grade_code(TASK, code, timeout_s=6)
    assert report.status.value == "timeout"
    assert report.score == 0
    # (no_container_left checks the engine's list after the test, running or stopped)


def test_memory_bomb_is_memory_exceeded_from_oomkilled(docker_sandbox, docker_grade_code):
    bomb = """
blocks = []
while True:
    blocks.append(b"\\x01" * (64 * 2**20))
"""
    raw = docker_sandbox.run(probe_request(bomb, memory_mb=300))
    assert raw.memory_exceeded, raw  # the engine's OOMKilled, not a MemoryError in the harness
    assert raw.signal == 9 or raw.exit_code is None
    report = docker_grade_code(TASK, bomb + CORRECT, memory_mb=700, timeout_s=60)
    assert report.status.value == "memory_exceeded", report.message
    assert report.score == 0


def test_fork_storm_stops_at_the_pids_limit(docker_grade_code, docker_settings):
    code = (
        """
import os, sys
children = 0
while True:
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        os.execv("/bin/sh", ["/bin/sh", "-c", "sleep 1000"])
    children += 1
print("FORKED", children, flush=True)
while True:
    try:
        os.fork() or os._exit(0)
    except OSError:
        pass
"""
        + CORRECT
    )
    report = docker_grade_code(TASK, code, timeout_s=15)
    assert report.status.value == "timeout"
    assert report.score == 0
    forked = int(report.stdout.split("FORKED")[1].split()[0])
    assert 0 < forked < docker_settings.max_pids


def test_network_is_unreachable(docker_grade_code):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.5)
    port = server.getsockname()[1]
    code = (
        f"""
import socket
targets = (("127.0.0.1", {port}), ("127.0.0.1", 6379), ("127.0.0.1", 5432), ("172.17.0.1", 2375), ("1.1.1.1", 443))
for host, port in targets:
    try:
        socket.create_connection((host, port), timeout=2)
        print("CONNECTED", host, port)
    except OSError as exc:
        print("BLOCKED", host, port, type(exc).__name__)
"""
        + CORRECT
    )
    report = docker_grade_code(TASK, code)
    assert "CONNECTED" not in report.stdout
    assert report.stdout.count("BLOCKED") == 5
    with pytest.raises(socket.timeout):
        server.accept()
    server.close()
    assert report.score == report.max_score


def test_writes_outside_the_work_dir_fail(docker_grade_code, docker_settings):
    token = uuid.uuid4().hex
    targets = [
        f"/tmp/pwned-{token}",
        f"/var/tmp/pwned-{token}",
        f"/dev/shm/pwned-{token}",
        f"/opt/dlgrader/grader/pwned-{token}",
        f"/etc/pwned-{token}",
        f"{docker_settings.tasks_dir}/pwned-{token}",
    ]
    code = (
        f"""
import os
for path in {targets!r}:
    try:
        with open(path, "w") as fh:
            fh.write("x")
        print("WROTE", path)
    except OSError as exc:
        print("DENIED", path, type(exc).__name__)
with open("scratch.txt", "w") as fh:
    fh.write("ok")
print("WORKDIR", os.getcwd())
"""
        + CORRECT
    )
    report = docker_grade_code(TASK, code)
    assert "WROTE" not in report.stdout, report.stdout
    assert report.stdout.count("DENIED") == len(targets)
    assert "WORKDIR /work" in report.stdout
    assert report.score == report.max_score
    for path in targets:
        assert not Path(path).exists(), path


def test_nothing_of_the_grader_is_in_the_container(docker_grade_code, monkeypatch):
    monkeypatch.setenv("GRADER_WEBHOOK_SECRET", "s3cret-value")
    monkeypatch.setenv("GRADER_BROKER_URL", "redis://127.0.0.1:6379/0")
    code = (
        """
import os, sys
found = []
for dirpath, dirnames, filenames in os.walk("/"):
    if dirpath.startswith(("/proc", "/sys", "/dev", "/opt/venv", "/usr/lib", "/usr/share", "/work")):
        dirnames[:] = []
        continue
    for name in filenames:
        path = os.path.join(dirpath, name)
        if name in ("reference.py", "probes.py", "task.toml") or name.endswith(".toml"):
            found.append(path)
            continue
        try:
            small = os.path.isfile(path) and os.path.getsize(path) < 1 << 20
            if small and "class MyModel" in open(path, errors="ignore").read():
                found.append(path)
        except OSError:
            pass
print("FOUND", found)
print("UID", os.getuid(), os.geteuid(), os.getgid())
print("SECRET" if "s3cret" in str(os.environ) else "CLEAN", sorted(k for k in os.environ if k.startswith("GRADER_")))
print("STDIN", repr(sys.stdin.read()))
"""
        + CORRECT
    )
    report = docker_grade_code(TASK, code)
    assert "FOUND []" in report.stdout, report.stdout
    assert "UID 65534 65534 65534" in report.stdout
    assert "CLEAN []" in report.stdout
    assert "STDIN ''" in report.stdout
    assert report.score == report.max_score


def test_huge_output_is_capped(docker_grade_code, docker_settings):
    code = (
        """
import sys
chunk = "x" * (1 << 20)
for _ in range(200):
    sys.stdout.write(chunk)
sys.stdout.flush()
"""
        + CORRECT
    )
    report = docker_grade_code(TASK, code)
    assert report.score == report.max_score
    assert len(report.stdout) < docker_settings.output_cap_kib * 1024 + 200
    assert f"[... {200 * 2**20 - docker_settings.output_cap_kib * 1024} more bytes not kept]" in report.stdout


def test_segfault_is_crashed(docker_grade_code):
    report = docker_grade_code(TASK, "import ctypes\nctypes.string_at(0)\n" + CORRECT)
    assert report.status.value == "crashed"
    assert "SIGSEGV" in report.message
    assert report.score == 0


def test_denied_syscalls_fail_with_eperm(docker_grade_code):
    from tests.support.walls import assert_denied, seccomp_probe

    assert_denied(docker_grade_code(TASK, seccomp_probe() + CORRECT))


def test_no_host_unix_socket_is_reachable(docker_grade_code, tmp_path):
    from tests.support.walls import _printed, socket_probe

    paths = [p for p in ("/run/postgresql/.s.PGSQL.5432", "/run/redis/redis-server.sock") if Path(p).exists()]
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    own = tmp_path / "wall.sock"
    listener.bind(str(own))
    listener.listen(1)
    try:
        report = docker_grade_code(TASK, socket_probe(paths + [str(own)]) + CORRECT)
    finally:
        listener.close()
    assert _printed(report, "REACHED") == []
