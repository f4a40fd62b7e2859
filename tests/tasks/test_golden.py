"""Golden tasks, through the Engine on the pool and on the process backend: every reference runs
twice with the same usable observations and gets full marks, every starter less, repeatably."""

from __future__ import annotations

import pytest

from grader.settings import Settings
from grader.taskspec import load_task, task_ids

S = Settings()
TASKS = task_ids(S.tasks_dir)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["pool", "process"])
@pytest.mark.parametrize("task_id", TASKS)
def test_reference_full_starter_below_and_repeatable(task_id, backend, grade_code, grade_code_pooled):
    grade = grade_code_pooled if backend == "pool" else grade_code
    task = load_task(task_id, tasks_dir=S.tasks_dir, rubrics_dir=S.rubrics_dir)
    assert grade.engine.check_reference(task) == []
    ref = grade(task_id, task.spec.reference)
    assert ref.status.value == "graded", ref.message
    assert ref.score == ref.max_score, {c.id: c.detail for c in ref.checks if not c.passed}
    starter = grade(task_id, task.spec.starter)
    assert starter.status.value != "sandbox_error", starter.message
    assert starter.score < starter.max_score
    again = grade(task_id, task.spec.starter)
    assert [(c.id, c.points) for c in again.checks] == [(c.id, c.points) for c in starter.checks]
    assert again.status == starter.status and again.score == starter.score
