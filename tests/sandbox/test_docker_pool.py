"""Pre-started, single-use containers (GRADER_DOCKER_POOL_SIZE): same grades, same containment,
each container used once, none left after close."""

from __future__ import annotations

import time

import pytest

from grader.references import ReferenceCache
from grader.sandbox.docker import LABEL, DockerSandbox
from tests.support.grading import grader_for
from tests.support.hostile import CORRECT, FORGED_ON_EVERY_FD, TASK, WRONG, WRONG_SCORE

pytestmark = [pytest.mark.docker, pytest.mark.slow]
POOL_OWNER = {"dlgrader.test-owner": "docker-pool-tests"}


def _pool_containers(client) -> list:
    ((key, value),) = POOL_OWNER.items()
    return client.containers.list(all=True, filters={"label": [LABEL, f"{key}={value}"]})


@pytest.fixture(scope="module")
def warm(docker_settings, tmp_path_factory):
    sandbox = DockerSandbox(settings=docker_settings, labels=POOL_OWNER, pool_size=2)
    yield (
        sandbox,
        grader_for(sandbox, docker_settings, cache=ReferenceCache(tmp_path_factory.mktemp("docker-pool-refs"))),
    )
    sandbox.close()


def _ready(sandbox: DockerSandbox, timeout_s: float = 120) -> list[str]:
    """Wait until the pool is full again (a test may need two runs in a row: reference, then
    submission), so that every run below can take a pre-started container."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        idle = sandbox.idle_containers()
        if len(idle) >= sandbox.pool_size:
            return idle
        time.sleep(0.1)
    raise AssertionError("the pool did not refill within the timeout")


def test_prestarted_containers_grade_like_the_process_backend_and_are_used_once(warm, grade_code, docker_client):
    sandbox, grade = warm
    assert grade(TASK, CORRECT).score == grade_code(TASK, CORRECT).score  # first run: starts the pool
    used = set()
    for code in (CORRECT, WRONG):
        idle = _ready(sandbox)
        before = sandbox.warm_runs
        report = grade(TASK, code)
        assert sandbox.warm_runs == before + 1, "the submission must run in the pre-started container"
        assert (report.status, report.score) == ((r := grade_code(TASK, code)).status, r.score)
        consumed = set(idle) - {c.id for c in _pool_containers(docker_client)}
        assert len(consumed) == 1, "the container that took the job, and only it, is gone after it"
        used |= consumed
    assert len(used) == 2  # two submissions, two containers


def test_hostile_submissions_are_contained_in_prestarted_containers(warm):
    sandbox, grade = warm
    grade(TASK, CORRECT)  # the first run starts the pool
    _ready(sandbox)
    before, runs_before = sandbox.warm_runs, sandbox.runs
    forged = grade(TASK, FORGED_ON_EVERY_FD)
    assert forged.status.value == "runtime_error" and forged.score == 0
    _ready(sandbox)
    bomb = grade(TASK, "x = bytearray(1500 * 2**20)\n" + CORRECT, memory_mb=700)
    assert bomb.status.value == "memory_exceeded" and bomb.score == 0, bomb.message
    _ready(sandbox)
    loop = grade(TASK, "while True:\n    pass\n" + CORRECT, timeout_s=5)
    assert loop.status.value == "timeout" and loop.score == 0
    _ready(sandbox)
    assert grade(TASK, WRONG).score == WRONG_SCORE
    # (with limits, the test helper also grades the reference first: more than 4 runs)
    assert sandbox.warm_runs - before == sandbox.runs - runs_before >= 4, (
        "every run must have used a pre-started container"
    )


def test_closing_removes_every_prestarted_container(docker_settings, docker_client, tmp_path):
    sandbox = DockerSandbox(settings=docker_settings, labels={"dlgrader.test-owner": "docker-pool-close"}, pool_size=2)
    grade = grader_for(sandbox, docker_settings, cache=ReferenceCache(tmp_path))
    assert grade(TASK, CORRECT).status.value == "graded"
    _ready(sandbox)
    sandbox.close()
    left = docker_client.containers.list(all=True, filters={"label": [LABEL, "dlgrader.test-owner=docker-pool-close"]})
    assert left == []
