"""The process backend directly: fallbacks are reported, strict mode refuses, nothing is left over."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.engine import Engine
from grader.models import Submission
from grader.references import ReferenceCache
from grader.sandbox.process import ProcessSandbox
from grader.taskspec import load_task
from tests.support.grading import IS_ROOT

TASK = "torch-linear-model"


def _task(settings):
    return load_task(TASK, tasks_dir=settings.tasks_dir, rubrics_dir=settings.rubrics_dir)


@pytest.mark.slow
def test_without_root_isolation_grading_works_and_the_report_says_what_was_missing(settings, tmp_path):
    sandbox = ProcessSandbox(settings=settings)
    sandbox.is_root = False  # as an unprivileged user would run it
    task = _task(settings)
    report = Engine(settings, sandbox=sandbox, cache=ReferenceCache(tmp_path)).grade(
        Submission(task_id=TASK, code=task.spec.reference), task=task
    )
    assert report.status.value == "graded" and report.score == report.max_score
    joined = " ".join(report.warnings)
    assert "network" in joined and "unprivileged" in joined and "cgroup" in joined


def test_strict_isolation_refuses_to_grade_unisolated(settings, tmp_path):
    strict = settings.model_copy(update={"isolation": "strict"})
    sandbox = ProcessSandbox(settings=strict)
    sandbox.is_root = False
    task = _task(settings)
    report = Engine(strict, sandbox=sandbox, cache=ReferenceCache(tmp_path)).grade(
        Submission(task_id=TASK, code=task.spec.reference), task=task
    )
    assert report.status.value == "sandbox_error" and report.score is None
    assert "strict isolation" in report.message


@pytest.mark.slow
@pytest.mark.skipif(not IS_ROOT, reason="cgroups and namespaces need root")
def test_isolated_run_has_no_warnings_and_leaves_no_cgroup(grade_code, monkeypatch):
    from grader.sandbox.cgroups import Cgroup

    ours = []
    create = Cgroup.create.__func__

    def recording(cls, **kw):
        group = create(cls, **kw)
        ours.append(group)
        return group

    monkeypatch.setattr(Cgroup, "create", classmethod(recording))
    for _ in range(3):  # a leak would leave three groups behind
        report = grade_code(TASK, _task_ref())
        assert report.status.value == "graded" and report.warnings == []
    # Only the groups these gradings made count (other gradings may run on the machine meanwhile).
    assert len([g for g in ours if g is not None]) >= 3
    left = [p for g in ours if g is not None for p in g.procs_files if Path(p).parent.exists()]
    assert left == []


def _task_ref() -> str:
    return (Path(__file__).resolve().parents[2] / "tasks" / TASK / "reference.py").read_text()


def test_report_records_environment_and_hash(grade_code):
    code = _task_ref()
    report = grade_code(TASK, code)
    assert report.environment.torch and report.environment.python and report.environment.device == "cpu"
    assert len(report.submission_sha256) == 64
    assert report.duration_s > 0


@pytest.mark.slow
def test_reference_observations_are_computed_once_per_cache(settings, tmp_path):
    class Counting(ProcessSandbox):
        runs = 0

        def run(self, request):
            Counting.runs += 1
            return super().run(request)

    sandbox, cache = Counting(settings=settings), ReferenceCache(tmp_path)
    task = _task(settings)
    for _ in range(2):
        report = Engine(settings, sandbox=sandbox, cache=cache).grade(
            Submission(task_id=TASK, code=task.spec.starter), task=task
        )
        assert report.status.value == "graded"
    assert Counting.runs == 3  # one reference run, two candidate runs
    assert len(list(tmp_path.glob(f"{TASK}-*.json"))) == 1


@pytest.mark.slow
@pytest.mark.skipif(not IS_ROOT, reason="the cgroup memory cap needs root")
def test_a_harness_that_cannot_start_is_the_graders_fault_not_the_candidates(grade_code):
    # 40 MB cannot hold `import torch`: the submission never ran, so nothing is blamed on it.
    report = grade_code(TASK, _task_ref(), memory_mb=40)
    assert report.status.value == "sandbox_error" and report.score is None
    assert "before running the submission" in report.message


def test_reports_name_the_line_the_submission_failed_on(grade_code, settings):
    """A check whose probe raised names the line of the raise (not a line a forged message claims);
    a failed import and a syntax error name theirs on the report (the dashboard marks them)."""
    numpy_task = "numpy-standardize"
    reference = load_task(numpy_task, tasks_dir=settings.tasks_dir, rubrics_dir=settings.rubrics_dir).spec.reference
    lines = reference.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("def ")) + 2  # the body's first line
    lines.insert(at - 1, '    raise ValueError("no\\n  File \\"submission.py\\", line 999, in forged")')
    raised = grade_code(numpy_task, "\n".join(lines) + "\n")
    assert {c.line for c in raised.checks if c.cause == "raised"} == {at}
    assert grade_code(numpy_task, "import numpy as np\n\nraise RuntimeError('at import')\n").error_line == 3
    assert grade_code(numpy_task, "import numpy as np\ndef f(:\n").error_line == 2
