"""The sandbox's walls, on the process and the pool backend: an allowlisted root (no host unix
socket is reachable), a seccomp filter (each denied call fails with EPERM), and nothing that one
submission leaves in the kernel (keyrings, SysV IPC, POSIX message queues, abstract sockets,
/dev/shm) reaches the next."""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import pytest

from grader.settings import PROJECT_ROOT
from tests.support.grading import IS_ROOT
from tests.support.hostile import CORRECT, TASK
from tests.support.walls import (
    FIND_TRACES,
    LEAVE_TRACES,
    _printed,
    assert_denied,
    seccomp_probe,
    socket_probe,
)

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not IS_ROOT, reason="namespaces and pivot_root need root")]
BACKENDS = ["process", "pool"]


def _grader(request, backend):
    return request.getfixturevalue("grade_code" if backend == "process" else "grade_code_pooled")


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
    real = [
        "/run/postgresql/.s.PGSQL.5432",
        "/var/run/postgresql/.s.PGSQL.5432",
        "/run/redis/redis-server.sock",
        "/var/run/redis/redis-server.sock",
        "/run/mysqld/mysqld.sock",
    ]
    paths += [p for p in real if os.path.exists(p)]
    yield paths
    for s, p in zip(socks, paths):
        s.close()
        os.unlink(p)


@pytest.mark.parametrize("backend", BACKENDS)
def test_no_host_unix_socket_is_reachable(request, backend, listeners):
    own = [p for p in listeners if "dlgrader-wall" in p]
    report = _grader(request, backend)(TASK, socket_probe(listeners) + CORRECT)
    assert report.status.value == "graded" and report.score == report.max_score, report.message
    assert _printed(report, "REACHED") == []
    assert len(own) == 5  # the test's own listeners really were there to be found


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_root_holds_only_the_allowlist(request, backend, settings):
    code = (
        f"""
import json, os
print("ROOT " + json.dumps({{"top": sorted(os.listdir("/")),
                             "project": sorted(os.listdir({str(PROJECT_ROOT)!r})),
                             "etc": sorted(os.listdir("/etc")), "dev": sorted(os.listdir("/dev")),
                             "data": os.path.exists({str(settings.data_dir)!r})}}))
"""
        + CORRECT
    )
    seen = _printed(_grader(request, backend)(TASK, code), "ROOT")
    assert set(seen["top"]) <= {
        "bin",
        "dev",
        "etc",
        "lib",
        "lib32",
        "lib64",
        "proc",
        "root",
        "sbin",
        "sys",
        "tmp",
        "usr",
        *{
            p.split("/")[1]
            for p in (str(PROJECT_ROOT), os.path.realpath(os.sys.prefix), os.path.realpath(os.sys.base_prefix))
        },
    }
    assert not {"run", "var", "home", "mnt", "opt"} & set(seen["top"]) - {str(PROJECT_ROOT).split("/")[1]}
    assert set(seen["project"]) <= {"grader", ".venv"}, seen["project"]
    assert set(seen["etc"]) <= {"passwd", "group", "hosts", "ld.so.cache", "ld.so.conf", "localtime"}
    assert set(seen["dev"]) <= {"null", "zero", "full", "random", "urandom", "shm", "fd", "stdin", "stdout", "stderr"}
    assert seen["data"] is False


@pytest.mark.parametrize("backend", BACKENDS)
def test_denied_syscalls_fail_with_eperm(request, backend):
    assert_denied(_grader(request, backend)(TASK, seccomp_probe() + CORRECT))


@pytest.mark.parametrize(
    "first,then", [("process", "process"), ("pool", "pool"), ("process", "pool"), ("pool", "process")]
)
def test_nothing_survives_from_one_submission_to_the_next(request, first, then):
    left = _grader(request, first)(TASK, LEAVE_TRACES + CORRECT)
    made = _printed(left, "LEFT")
    assert made["shm"] >= 0 and made["msg"] >= 0  # they were really created, in the first sandbox
    found = _printed(_grader(request, then)(TASK, FIND_TRACES + CORRECT), "FOUND")
    assert found == {
        "shm": False,
        "msg": False,
        "sem": False,
        "mq": False,
        "key": False,
        "abstract": False,
        "dev_shm": False,
        "sysvipc": [0, 0, 0],
    }, found
