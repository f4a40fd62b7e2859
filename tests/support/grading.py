"""Helpers the tests share (imported, never fixtures): one grading function per backend, the
variant corpus and its `# expect:` lines."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

from grader.engine import Engine
from grader.models import Report, Submission
from grader.references import ReferenceCache

VARIANTS = Path(__file__).resolve().parents[1] / "tasks" / "variants"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


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
