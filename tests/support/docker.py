"""Fixtures for the docker-backend tests (a plugin: tests/conftest.py loads it): a real engine, the sandbox image,
docker settings.

The engine: $DOCKER_HOST when an engine answers there (CI starts one with
`scripts/docker-engine.sh start` and exports DOCKER_HOST); otherwise the private engine of
scripts/docker-engine.sh at its default socket; otherwise this module starts that private engine
itself and stops it when the last pytest process using it ends (xdist workers share it: a file lock
and one user file per process under the engine's directory). Where no engine can be started the
tests are skipped with the reason. The image is built (or reused by its content tag) once, under
the same lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from grader.references import ReferenceCache
from grader.sandbox.docker import LABEL, DockerSandbox, _alive
from tests.support.grading import grader_for

ROOT = Path(__file__).resolve().parents[2]
ENGINE_SCRIPT = ROOT / "scripts" / "docker-engine.sh"
BUILD_SCRIPT = ROOT / "scripts" / "build-sandbox-image.sh"


def engine_dir() -> Path:
    """The private engine's directory (same default as scripts/docker-engine.sh)."""
    default = Path(os.environ.get("TMPDIR", tempfile.gettempdir())) / f"dlgrader-docker-{os.getuid()}"
    return Path(os.environ.get("DLGRADER_DOCKER_DIR", default))


def private_host() -> str:
    return f"unix://{engine_dir() / 'docker.sock'}"


def answers(host: str) -> bool:
    """Whether an engine at host replies to a ping."""
    import docker

    try:
        client = docker.DockerClient(base_url=host, timeout=10)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # noqa: BLE001 - any failure means "no engine here"
        return False


@contextlib.contextmanager
def engine_lock():
    """A lock shared by every pytest process on this machine (xdist workers included)."""
    d = engine_dir()
    d.mkdir(parents=True, exist_ok=True)
    with open(d / "pytest.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield d
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _engine_script(command: str) -> subprocess.CompletedProcess:
    """scripts/docker-engine.sh COMMAND for the private engine (DOCKER_HOST cleared)."""
    env = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"}
    return subprocess.run(["bash", str(ENGINE_SCRIPT), command], capture_output=True, text=True, env=env, timeout=900)


@pytest.fixture(scope="session")
def docker_host():
    """The address of a running engine, started here if need be (and then stopped here)."""
    env_host = os.environ.get("DOCKER_HOST", "")
    with engine_lock() as d:
        users = d / "pytest-users"
        users.mkdir(exist_ok=True)
        if env_host and answers(env_host):
            host = env_host
        elif answers(private_host()):
            host = private_host()
        else:
            run = _engine_script("start")
            if run.returncode != 0 or not answers(private_host()):
                pytest.skip(f"no Docker engine answers and none could be started: {run.stderr.strip()[-400:]}")
            host = private_host()
            (d / "pytest-started").touch()
        (users / str(os.getpid())).touch()
    yield host
    with engine_lock() as d:
        (users / str(os.getpid())).unlink(missing_ok=True)
        alive = [p for p in users.iterdir() if p.name.isdigit() and _alive(int(p.name))]
        if not alive and (d / "pytest-started").exists():
            _engine_script("stop")  # stops only the daemon in its own pid file
            (d / "pytest-started").unlink(missing_ok=True)


@pytest.fixture(scope="session")
def docker_client(docker_host):
    import docker

    client = docker.DockerClient(base_url=docker_host, timeout=120)
    yield client
    client.close()


@pytest.fixture(scope="session")
def sandbox_image(docker_host) -> str:
    """The sandbox image's content tag, built by scripts/build-sandbox-image.sh or reused."""
    with engine_lock():
        env = {**os.environ, "DOCKER_HOST": docker_host}
        run = subprocess.run(["bash", str(BUILD_SCRIPT)], capture_output=True, text=True, env=env, timeout=1800)
    if run.returncode != 0:
        pytest.fail(f"building the sandbox image failed:\n{run.stderr[-2000:]}")
    return run.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def docker_settings(settings, docker_host, sandbox_image):
    """The test settings with the docker backend selected."""
    return settings.model_copy(update={"sandbox": "docker", "docker_host": docker_host, "docker_image": sandbox_image})


# Containers of this pytest process carry this label, so that xdist workers (and anything else
# using the same engine) do not see each other's containers as leftovers.
OWNER = {"dlgrader.test-owner": f"{os.uname().nodename}-{os.getpid()}"}


@pytest.fixture(scope="session")
def docker_sandbox(docker_settings):
    sandbox = DockerSandbox(settings=docker_settings, labels=OWNER)
    yield sandbox
    sandbox.close()


def sandbox_containers(client) -> list:
    """Every sandbox container of this pytest process the engine knows, running or not."""
    ((key, value),) = OWNER.items()
    return client.containers.list(all=True, filters={"label": [LABEL, f"{key}={value}"]})


@pytest.fixture
def no_container_left(docker_client):
    """Fails the test if any sandbox container outlives it."""
    yield
    left = sandbox_containers(docker_client)
    for c in left:
        c.remove(force=True)
    assert not left, f"sandbox containers left behind: {[c.short_id for c in left]}"


@pytest.fixture(scope="session")
def docker_grade_code(docker_settings, docker_sandbox, tmp_path_factory):
    """grade_code(task_id, code, **limits) -> Report through the docker backend, with a reference
    cache of this session's own (the docker side computes its own reference observations)."""
    return grader_for(
        docker_sandbox, docker_settings, cache=ReferenceCache(tmp_path_factory.mktemp("docker-references"))
    )
