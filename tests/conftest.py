"""Shared fixtures: settings with a private data dir, a grading function per backend. Helpers live
in tests/support (imported by the tests); the docker fixtures are a plugin module there."""

from __future__ import annotations

import pytest

from grader.sandbox.pool import PooledSandbox
from grader.sandbox.process import ProcessSandbox
from grader.settings import Settings
from tests.support.grading import grader_for

pytest_plugins = ["tests.support.docker", "tests.support.browser"]


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    # One reference cache for the whole run (shared by xdist workers: writes are atomic).
    data = tmp_path_factory.getbasetemp().parent / "grader-data"
    # A fixed salt keeps the suite's hidden inputs the same from run to run; CI's selfcheck runs
    # on generated salts (fresh data dirs) as well.
    return Settings(data_dir=data, env="dev", seed_salt="dlgrader-test-salt")


@pytest.fixture(scope="session")
def grade_code(settings):
    """grade_code(task_id, code) -> Report, through the real process sandbox."""
    return grader_for(ProcessSandbox(settings=settings), settings)


@pytest.fixture(scope="session")
def pool_sandbox(settings):
    """One warm pool per test process (templates are started on first use)."""
    sandbox = PooledSandbox(settings=settings)
    yield sandbox
    sandbox.close()


@pytest.fixture(scope="session")
def grade_code_pooled(settings, pool_sandbox):
    """Like grade_code, through the warm pool backend."""
    return grader_for(pool_sandbox, settings)
