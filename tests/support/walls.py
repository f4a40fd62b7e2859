"""Probes of the sandbox's walls (sockets, seccomp, traces between submissions), shared by every backend's tests."""

from __future__ import annotations

import json

from grader.sandbox.seccomp import DENIED


def _printed(report, tag: str):
    lines = [line for line in report.stdout.splitlines() if line.startswith(tag + " ")]
    assert lines, (report.status, report.message, report.stdout[-1000:], report.stderr[-2000:])
    return json.loads(lines[-1][len(tag) + 1 :])


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
    assert {
        "keyctl",
        "add_key",
        "request_key",
        "ptrace",
        "mount",
        "unshare",
        "setns",
        "bpf",
        "perf_event_open",
        "userfaultfd",
    } <= set(seen)
    assert report.score == report.max_score


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
