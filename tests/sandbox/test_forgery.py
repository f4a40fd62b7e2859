"""A protocol forger: a submission that writes a complete, well-formed observation stream on
the harness's channel itself and exits, built from everything a submission can know without
solving the task: the statement's structure (kinds, shapes, dtypes, types, flags), the public
repository, even the salt. It must earn nothing from any check whose expected value is not
public; the checks it can pass are declared `public = true` in their rubric and listed, per task,
in docs/security.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.settings import Settings
from grader.taskspec import load_task, task_ids
from tests.support.forgery import forged_report

S = Settings()
TASKS = task_ids(S.tasks_dir)
SECURITY = Path(__file__).resolve().parents[2] / "docs" / "security.md"


@pytest.mark.slow
@pytest.mark.parametrize("task_id", TASKS)
def test_a_forged_stream_earns_only_public_value_checks(task_id, grade_code_pooled):
    task = load_task(task_id, tasks_dir=S.tasks_dir, rubrics_dir=S.rubrics_dir)
    report = forged_report(grade_code_pooled, task_id)
    public = {c.id for c in task.rubric.checks if c.public}
    earned = {c.id for c in report.checks if c.passed}
    assert earned <= public, f"forgeable but not declared public: {sorted(earned - public)}"
    # A check that is declared public must really be one a forger can pass (the list stays honest).
    assert public <= earned, f"declared public but not forgeable: {sorted(public - earned)}"


def test_security_md_lists_every_tasks_forgeable_points():
    text = SECURITY.read_text()
    for task_id in TASKS:
        task = load_task(task_id, tasks_dir=S.tasks_dir, rubrics_dir=S.rubrics_dir)
        public = [c for c in task.rubric.checks if c.public]
        points = sum(c.points for c in public)
        row = re.search(rf"^\| `{re.escape(task_id)}` \| (.*?) \| ([0-9.]+) / ([0-9.]+) \|$", text, re.M)
        assert row, f"docs/security.md has no row for {task_id}"
        listed = {x.strip(" `") for x in row.group(1).split(",") if x.strip(" `—")}
        assert listed == {c.id for c in public}, task_id
        assert float(row.group(2)) == points and float(row.group(3)) == task.rubric.max_score, task_id
