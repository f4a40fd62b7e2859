"""Shared fixtures: settings with a private data dir, a grading function, variant discovery."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pytest

from grader.engine import Engine
from grader.models import Report, Submission
from grader.references import ReferenceCache
from grader.sandbox.pool import PooledSandbox
from grader.sandbox.process import ProcessSandbox
from grader.settings import Settings

VARIANTS = Path(__file__).parent / "variants"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    # One reference cache for the whole run (shared by xdist workers: writes are atomic).
    data = tmp_path_factory.getbasetemp().parent / "grader-data"
    # A fixed salt keeps the suite's hidden inputs the same from run to run; CI's selfcheck runs
    # on generated salts (fresh data dirs) as well.
    return Settings(data_dir=data, env="dev", seed_salt="dlgrader-test-salt")


def grader_for(sandbox, settings, cache: ReferenceCache | None = None):
    """grade(task_id, code, **limits) -> Report through one Engine on `sandbox` (the one grading
    path every entry point uses)."""
    engine = Engine(settings, sandbox=sandbox, cache=cache or ReferenceCache(settings.data_dir / "references"))

    def run(task_id: str, code: str, **limits) -> Report:
        """limits (timeout_s, memory_mb) override the task's own, for hostile-submission tests."""
        task = engine.task(task_id)
        if limits:
            # Reference observations are computed first under the task's own limits (cached).
            engine.grade(Submission(task_id=task_id, code=task.spec.reference), task=task)
            spec = task.spec.model_copy(update={"limits": task.spec.limits.model_copy(update=limits)})
            task = dataclasses.replace(task, spec=spec)
        return engine.grade(Submission(task_id=task_id, code=code), task=task)

    run.engine = engine
    return run


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


EXPECT = re.compile(r"^#\s*expect:\s*(.+)$", re.M)


def parse_expectation(code: str) -> dict:
    """`# expect: full` | `# expect: fail=a,b` | `# expect: status=compile_error` (may combine with ;)."""
    m = EXPECT.search(code)
    if not m:
        raise ValueError("variant has no '# expect:' line")
    out: dict = {"fail": set(), "status": "graded", "full": False}
    for part in m.group(1).split(";"):
        part = part.strip()
        if part == "full":
            out["full"] = True
        elif part.startswith("fail="):
            out["fail"] = {x.strip() for x in part[5:].split(",") if x.strip()}
        elif part.startswith("status="):
            out["status"] = part[7:].strip()
        else:
            raise ValueError(f"bad expectation {part!r}")
    return out


def variant_files() -> list[Path]:
    return sorted(VARIANTS.glob("*/*.py"))
