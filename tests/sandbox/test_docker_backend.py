"""The docker backend against a real engine: its container is locked down as documented, and every
task's reference, starter and a correct and a buggy variant get the same status, score and failed
checks as under the process backend."""

from __future__ import annotations

import json
import os

import pytest

from grader.settings import Settings
from grader.taskspec import load_task, task_ids
from tests.support.docker import OWNER
from tests.support.grading import VARIANTS, parse_expectation
from tests.support.requests import probe_request

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("no_container_left")]

TASKS = task_ids(Settings().tasks_dir)


def submissions(task_id: str) -> list[tuple[str, str]]:
    """(label, code): the reference, the starter, the first correct and the first buggy variant."""
    task = load_task(task_id, tasks_dir=Settings().tasks_dir, rubrics_dir=Settings().rubrics_dir)
    out = [("reference", task.spec.reference), ("starter", task.spec.starter)]
    files = sorted((VARIANTS / task_id).glob("*.py"))
    correct = [p for p in files if parse_expectation(p.read_text())["full"]]
    buggy = [p for p in files if not parse_expectation(p.read_text())["full"]]
    out += [(p.stem, p.read_text()) for p in correct[:1] + buggy[:1]]
    return out


@pytest.mark.slow
@pytest.mark.parametrize("task_id", TASKS)
def test_same_grades_on_both_backends(task_id, grade_code, docker_grade_code):
    for label, code in submissions(task_id):
        on_process = grade_code(task_id, code)
        on_docker = docker_grade_code(task_id, code)
        got = (on_docker.status.value, on_docker.score, sorted(c.id for c in on_docker.checks if not c.passed))
        want = (on_process.status.value, on_process.score, sorted(c.id for c in on_process.checks if not c.passed))
        assert got == want, (label, on_docker.message, on_docker.stderr[-1500:])
        assert on_docker.warnings == [], (label, on_docker.warnings)
        if label == "reference":
            assert on_docker.score == on_docker.max_score


INSPECT = r"""
import json, os
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
mounts = [line.split()[1:4] for line in open("/proc/self/mounts")]
print(json.dumps({
    "uid": [os.getuid(), os.geteuid(), os.getgid(), os.getgroups()],
    "cap_eff": status["CapEff"].strip(), "cap_bnd": status["CapBnd"].strip(),
    "no_new_privs": status["NoNewPrivs"].strip(),
    "mounts": mounts, "cwd": os.getcwd(), "env": sorted(os.environ),
    "ifaces": sorted(os.listdir("/sys/class/net")),
}))
"""


def test_container_is_locked_down(docker_sandbox, docker_client, docker_settings):
    result = docker_sandbox.run(probe_request(INSPECT))
    assert result.exit_code == 0 and result.sandbox_error is None, result.stderr
    seen = json.loads(result.stdout)
    assert seen["uid"][:3] == [65534, 65534, 65534] and set(seen["uid"][3]) <= {65534}  # no other groups
    assert int(seen["cap_eff"], 16) == 0 and int(seen["cap_bnd"], 16) == 0
    assert seen["no_new_privs"] == "1"
    mounts = {m[0]: m for m in seen["mounts"]}
    assert mounts["/"][2].split(",")[0] == "ro"
    assert mounts["/work"][1] == "tmpfs" and mounts["/work"][2].startswith("rw")
    assert seen["cwd"] == "/work"
    assert seen["ifaces"] == ["lo"]  # network none: loopback only, no route anywhere
    assert not [k for k in seen["env"] if k.startswith(("GRADER_", "DOCKER_"))]


def test_engine_side_host_config(docker_sandbox):
    """What the engine is asked for: no network, no mounts from the grader, limits, no privileges."""
    cfg = docker_sandbox.container_config(probe_request("", memory_mb=700, max_pids=50))
    host = cfg["host_config"]
    assert cfg["network_disabled"] is True and host["NetworkMode"] == "none"
    assert host["ReadonlyRootfs"] is True
    assert host["Memory"] == host["MemorySwap"] == 700 * 2**20
    assert host["PidsLimit"] == 50
    assert host["CapDrop"] == ["ALL"] and "no-new-privileges" in host["SecurityOpt"]
    assert not host.get("Binds") and not host.get("Mounts") and not host.get("Privileged")
    assert cfg["user"] == "65534:65534"
    assert set(host["Tmpfs"]) == {"/work"} and host["IpcMode"] == "none"


def test_stdout_stderr_and_channel_are_kept_apart(docker_sandbox):
    code = "import os, sys\nprint('to stdout')\nprint('to stderr', file=sys.stderr)\n"
    result = docker_sandbox.run(probe_request(code))
    assert result.stdout == "to stdout\n"
    assert result.stderr == "to stderr\n"
    events = [json.loads(line)["event"] for line in result.channel.splitlines()]
    assert events == ["start", "ready", "done"]
    assert result.exit_code == 0 and not result.timed_out and not result.memory_exceeded


def test_missing_image_is_a_sandbox_error(docker_settings):
    from grader.sandbox.docker import DockerSandbox

    sandbox = DockerSandbox(
        settings=docker_settings.model_copy(update={"docker_image": "dlgrader-sandbox:no-such-tag"}), labels=OWNER
    )
    result = sandbox.run(probe_request("print(1)"))
    sandbox.close()
    assert result.sandbox_error and "no-such-tag" in result.sandbox_error


def test_unreachable_engine_is_a_sandbox_error(docker_settings, tmp_path):
    from grader.sandbox.docker import DockerSandbox

    sandbox = DockerSandbox(settings=docker_settings.model_copy(update={"docker_host": f"unix://{tmp_path}/none.sock"}))
    result = sandbox.run(probe_request("print(1)"))
    assert result.sandbox_error and "could not create" in result.sandbox_error


def test_containers_of_a_grader_that_died_are_reaped(docker_settings, docker_client, sandbox_image):
    """A grader killed mid-run never reaches its `finally`: the next one on the host removes what
    it left, and leaves alone the containers of graders still alive."""
    import socket
    import subprocess

    from grader.sandbox.docker import LABEL, OWNER_LABEL, DockerSandbox

    dead = subprocess.Popen(["true"])
    dead.wait()  # a pid that no longer runs
    host = socket.gethostname()
    orphan = docker_client.containers.create(
        sandbox_image,
        command=["true"],
        network_disabled=True,
        labels={LABEL: "1", OWNER_LABEL: f"{host}:{dead.pid}", **OWNER},
    )
    alive = docker_client.containers.create(
        sandbox_image,
        command=["true"],
        network_disabled=True,
        labels={LABEL: "1", OWNER_LABEL: f"{host}:{os.getpid()}", **OWNER},
    )
    try:
        removed = DockerSandbox(settings=docker_settings, labels=OWNER).reap_orphans()
        remaining = {c.id for c in docker_client.containers.list(all=True, filters={"label": LABEL})}
    finally:
        for c in (orphan, alive):
            try:
                c.remove(force=True)
            except Exception:  # noqa: BLE001 - already reaped
                pass
    assert orphan.id in removed and orphan.id not in remaining
    assert alive.id in remaining and alive.id not in removed
