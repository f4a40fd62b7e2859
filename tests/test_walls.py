"""The sandbox's walls, on the process and the pool backend: an allowlisted root (no host unix
socket is reachable), a seccomp filter (each denied call fails with EPERM), and nothing that one
submission leaves in the kernel (keyrings, SysV IPC, POSIX message queues, abstract sockets,
/dev/shm) reaches the next."""

from __future__ import annotations

import json
import os
import socket
import uuid
from pathlib import Path

import pytest

from conftest import IS_ROOT
from grader.sandbox.seccomp import DENIED
from grader.settings import PROJECT_ROOT
from test_hostile import CORRECT, TASK

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not IS_ROOT, reason="namespaces and pivot_root need root")]
BACKENDS = ["process", "pool"]


def _grader(request, backend):
    return request.getfixturevalue("grade_code" if backend == "process" else "grade_code_pooled")


def _printed(report, tag: str):
    lines = [line for line in report.stdout.splitlines() if line.startswith(tag + " ")]
    assert lines, (report.status, report.message, report.stdout[-1000:], report.stderr[-2000:])
    return json.loads(lines[-1][len(tag) + 1:])


@pytest.fixture
def listeners(settings, tmp_path):
    """Pathname unix sockets the test listens on: under /run, /var/run, /tmp, the data dir and
    beside the venv, plus the machine's real PostgreSQL and Redis sockets when present."""
    token = uuid.uuid4().hex[:8]
    places = [Path("/run"), Path("/var/run"), Path("/tmp"), settings.data_dir, PROJECT_ROOT]
    socks, paths = [], []
    for i, place in enumerate(places):  # /var/run may be /run: one name per place
        place.mkdir(parents=True, exist_ok=True)
        path = place / f"dlgrader-wall-{token}-{i}.sock"
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(str(path))
        os.chmod(path, 0o777)
        s.listen(8)
        socks.append(s)
        paths.append(str(path))
    real = ["/run/postgresql/.s.PGSQL.5432", "/var/run/postgresql/.s.PGSQL.5432", "/run/redis/redis-server.sock", "/var/run/redis/redis-server.sock", "/run/mysqld/mysqld.sock"]
    paths += [p for p in real if os.path.exists(p)]
    yield paths
    for s, p in zip(socks, paths):
        s.close()
        os.unlink(p)


def socket_probe(paths: list[str]) -> str:
    """A submission prefix that tries to connect to each pathname socket and prints which it reached."""
    return f"""
import json, socket
reached = []
for path in {paths!r}:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect(path)
        reached.append(path)
    except OSError:
        pass
print("REACHED " + json.dumps(reached))
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_no_host_unix_socket_is_reachable(request, backend, listeners):
    own = [p for p in listeners if "dlgrader-wall" in p]
    report = _grader(request, backend)(TASK, socket_probe(listeners) + CORRECT)
    assert report.status.value == "graded" and report.score == report.max_score, report.message
    assert _printed(report, "REACHED") == []
    assert len(own) == 5  # the test's own listeners really were there to be found


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_root_holds_only_the_allowlist(request, backend, settings):
    code = f"""
import json, os
print("ROOT " + json.dumps({{"top": sorted(os.listdir("/")), "project": sorted(os.listdir({str(PROJECT_ROOT)!r})),
      "etc": sorted(os.listdir("/etc")), "dev": sorted(os.listdir("/dev")), "data": os.path.exists({str(settings.data_dir)!r})}}))
""" + CORRECT
    seen = _printed(_grader(request, backend)(TASK, code), "ROOT")
    assert set(seen["top"]) <= {"bin", "dev", "etc", "lib", "lib32", "lib64", "proc", "root", "sbin", "sys", "tmp", "usr", *{p.split("/")[1] for p in (str(PROJECT_ROOT), os.path.realpath(os.sys.prefix), os.path.realpath(os.sys.base_prefix))}}
    assert not {"run", "var", "home", "mnt", "opt"} & set(seen["top"]) - {str(PROJECT_ROOT).split("/")[1]}
    assert set(seen["project"]) <= {"grader", ".venv"}, seen["project"]
    assert set(seen["etc"]) <= {"passwd", "group", "hosts", "ld.so.cache", "ld.so.conf", "localtime"}
    assert set(seen["dev"]) <= {"null", "zero", "full", "random", "urandom", "shm", "fd", "stdin", "stdout", "stderr"}
    assert seen["data"] is False


def _syscall_numbers() -> dict[str, int]:
    import pyseccomp as sc

    out = {}
    for name in DENIED + ("unshare", "setns"):
        try:
            nr = sc.resolve_syscall(sc.Arch.NATIVE, name)
        except Exception:  # noqa: BLE001 - not on this architecture
            continue
        if nr >= 0:
            out[name] = nr
    return out


def seccomp_probe() -> str:
    """A submission prefix that calls every denied syscall and prints what each returned."""
    numbers = _syscall_numbers()
    return f"""
import ctypes, json
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
out = {{}}
for name, nr in {numbers!r}.items():
    if name in ("reboot", "kexec_load", "swapoff", "vhangup"):
        args = [0xdead, 0, 0, 0, 0]  # harmless even if allowed: bad magic / bad pointers
    else:
        args = [0, 0, 0, 0, 0]
    ctypes.set_errno(0)
    r = libc.syscall(nr, *args)
    out[name] = ctypes.get_errno() if r == -1 else "returned %d" % r
out["personality"] = "set %d" % libc.personality(0x0040000)  # ADDR_NO_RANDOMIZE: a change
out["personality_errno"] = ctypes.get_errno()
print("SECCOMP " + json.dumps(out))
"""


def assert_denied(report) -> None:
    import errno

    seen = _printed(report, "SECCOMP")
    wrong = {k: v for k, v in seen.items() if k not in ("personality", "personality_errno") and v != errno.EPERM}
    assert not wrong, wrong
    assert seen["personality_errno"] == errno.EPERM
    assert {"keyctl", "add_key", "request_key", "ptrace", "mount", "unshare", "setns", "bpf", "perf_event_open", "userfaultfd"} <= set(seen)
    assert report.score == report.max_score


@pytest.mark.parametrize("backend", BACKENDS)
def test_denied_syscalls_fail_with_eperm(request, backend):
    assert_denied(_grader(request, backend)(TASK, seccomp_probe() + CORRECT))


LEAVE_TRACES = """
import ctypes, json, os, socket
libc = ctypes.CDLL(None, use_errno=True)
done = {}
# SysV shared memory, message queue and semaphore with a fixed key
done["shm"] = libc.shmget(0x5EED, 4096, 0o1666)
done["msg"] = libc.msgget(0x5EED, 0o1666)
done["sem"] = libc.semget(0x5EED, 1, 0o1666)
# a POSIX message queue
rt = ctypes.CDLL("librt.so.1", use_errno=True)
done["mq"] = rt.mq_open(b"/dlgrader-trace", os.O_CREAT | os.O_RDWR, 0o666, None)
# a key in the user keyring (seccomp says EPERM)
done["key"] = libc.syscall(248, b"user", b"dlgrader-trace", b"secret", 6, -4)
# an abstract socket, held by a child that outlives the submission if it can
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(b"\\0dlgrader-trace")
s.listen(1)
if os.fork() == 0:
    os.setsid()
    import time
    time.sleep(30)
    os._exit(0)
open("/dev/shm/dlgrader-trace", "w").write("x")
print("LEFT " + json.dumps(done))
"""
FIND_TRACES = """
import ctypes, json, os, socket
libc = ctypes.CDLL(None, use_errno=True)
found = {}
found["shm"] = libc.shmget(0x5EED, 0, 0) != -1
found["msg"] = libc.msgget(0x5EED, 0) != -1
found["sem"] = libc.semget(0x5EED, 0, 0) != -1
rt = ctypes.CDLL("librt.so.1", use_errno=True)
found["mq"] = rt.mq_open(b"/dlgrader-trace", os.O_RDONLY) != -1
found["key"] = libc.syscall(250, 0, -4, 0, 0, 0) not in (-1,) and ctypes.get_errno() != 1  # keyctl(GET_KEYRING_ID)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(b"\\0dlgrader-trace")
    found["abstract"] = True
except OSError:
    found["abstract"] = False
found["dev_shm"] = os.path.exists("/dev/shm/dlgrader-trace")
found["sysvipc"] = [open(f"/proc/sysvipc/{k}").read().count("\\n") - 1 for k in ("shm", "msg", "sem")]
print("FOUND " + json.dumps(found))
"""


@pytest.mark.parametrize("first,then", [("process", "process"), ("pool", "pool"), ("process", "pool"), ("pool", "process")])
def test_nothing_survives_from_one_submission_to_the_next(request, first, then):
    left = _grader(request, first)(TASK, LEAVE_TRACES + CORRECT)
    made = _printed(left, "LEFT")
    assert made["shm"] >= 0 and made["msg"] >= 0  # they were really created, in the first sandbox
    found = _printed(_grader(request, then)(TASK, FIND_TRACES + CORRECT), "FOUND")
    assert found == {"shm": False, "msg": False, "sem": False, "mq": False, "key": False, "abstract": False, "dev_shm": False, "sysvipc": [0, 0, 0]}, found
