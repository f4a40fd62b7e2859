"""`grader new-task`: the skeleton passes selfcheck and its variants score as their headers say,
for every framework; bad ids, unknown frameworks and existing tasks are refused."""

from __future__ import annotations

import json

import pytest

from grader.templates import FRAMEWORKS
from tests.support.cli import grader
from tests.support.grading import parse_expectation


@pytest.fixture
def env(tmp_path):
    for name in ("tasks", "rubrics", "data"):
        (tmp_path / name).mkdir()
    return {
        "GRADER_TASKS_DIR": str(tmp_path / "tasks"),
        "GRADER_RUBRICS_DIR": str(tmp_path / "rubrics"),
        "GRADER_DATA_DIR": str(tmp_path / "data"),
    }


@pytest.mark.slow
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_skeleton_passes_selfcheck_and_its_variants_grade_as_expected(framework, env, tmp_path):
    task_id = f"new-{framework}-task"
    out = grader("new-task", task_id, "--framework", framework, env_extra=env)
    assert out.returncode == 0, out.stderr
    folder = tmp_path / "tasks" / task_id
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["task.toml", "statement.md", "starter.py", "reference.py", "probes.py"]
    )
    assert (tmp_path / "rubrics" / f"{task_id}.toml").is_file()

    check = grader("selfcheck", task_id, env_extra=env)
    assert check.returncode == 0, check.stdout + check.stderr

    variants = sorted((tmp_path / "tests" / "tasks" / "variants" / task_id).glob("*.py"))
    wants = {p.name: parse_expectation(p.read_text()) for p in variants}
    assert sorted(w["full"] for w in wants.values()) == [False, True]  # one correct, one buggy
    for path in variants:
        want = wants[path.name]
        res = grader("grade", str(path), "--task", task_id, "--json", env_extra=env)
        assert res.returncode == 0, res.stderr
        report = json.loads(res.stdout)
        assert report["status"] == want["status"], report.get("message")
        failed = {c["id"] for c in report["checks"] if not c["passed"]}
        if want["full"]:
            assert report["score"] == report["max_score"], failed
        else:
            assert failed == want["fail"]


@pytest.mark.parametrize(
    "args, needle",
    [
        (["Bad_Id", "--framework", "torch"], "bad task id 'Bad_Id'"),
        (["../escape", "--framework", "numpy"], "bad task id"),
        (["ok-id", "--framework", "jax"], "unknown framework 'jax'"),
    ],
)
def test_refusals_are_one_line_errors(args, needle, env, tmp_path):
    out = grader("new-task", *args, env_extra=env)
    assert out.returncode == 2
    assert needle in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert not any((tmp_path / "tasks").iterdir())


def test_an_existing_task_is_refused_and_left_alone(env, tmp_path):
    assert grader("new-task", "twice", "--framework", "numpy", env_extra=env).returncode == 0
    reference = tmp_path / "tasks" / "twice" / "reference.py"
    reference.write_text("edited\n")
    out = grader("new-task", "twice", "--framework", "torch", env_extra=env)
    assert out.returncode == 2
    assert "already exists" in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert reference.read_text() == "edited\n"


def test_an_existing_task_of_the_library_is_refused():
    out = grader("new-task", "torch-linear-model", "--framework", "torch", env_extra={})
    assert out.returncode == 2 and "already exists" in out.stderr
