"""The `grader` command as a user runs it: exit codes, one-line errors, report formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import grader

ROOT = Path(__file__).resolve().parents[2]
LINEAR = ROOT / "tasks" / "torch-linear-model"


@pytest.fixture(scope="module")
def data_env(tmp_path_factory):
    return {"GRADER_DATA_DIR": str(tmp_path_factory.mktemp("cli-data"))}


def test_tasks_json_lists_tasks_with_metadata():
    out = grader("tasks", "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    ids = {r["id"] for r in rows}
    assert "torch-linear-model" in ids
    for r in rows:
        assert {"id", "title", "framework", "difficulty", "minutes", "needs_gpu", "tags", "seeds"} <= set(r)


def test_show_prints_statement_and_starter_never_the_reference():
    out = grader("show", "torch-linear-model")
    assert out.returncode == 0
    assert "MyModel" in out.stdout and "TODO" in out.stdout
    assert (LINEAR / "reference.py").read_text().strip() not in out.stdout


@pytest.mark.parametrize(
    "args, needle",
    [
        (["grade", "--task", "no-such-task", str(LINEAR / "starter.py")], "unknown task"),
        (["grade", "--task", "torch-linear-model", "/nonexistent/file.py"], "no such file"),
        (["show", "no-such-task"], "unknown task"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, needle):
    out = grader(*args)
    assert out.returncode == 2
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], out.stderr


def test_non_utf8_and_oversized_files_are_refused(tmp_path):
    bad = tmp_path / "latin1.py"
    bad.write_bytes(b"x = '\xe9'\n")
    out = grader("grade", "--task", "torch-linear-model", str(bad))
    assert out.returncode == 2 and "not UTF-8" in out.stderr
    big = tmp_path / "big.py"
    big.write_text("#" * (257 * 1024))
    out = grader("grade", "--task", "torch-linear-model", str(big))
    assert out.returncode == 2 and "256 KiB" in out.stderr
    unreadable = tmp_path / "dir.py"
    unreadable.mkdir()
    out = grader("grade", "--task", "torch-linear-model", str(unreadable))
    assert out.returncode == 2


@pytest.mark.slow
def test_grade_json_and_markdown(tmp_path, data_env):
    out = grader("grade", "--task", "torch-linear-model", str(LINEAR / "reference.py"), "--json", env_extra=data_env)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["status"] == "graded" and report["score"] == report["max_score"]
    syntax = tmp_path / "broken.py"
    syntax.write_text("import torch\n\nclass MyModel(torch.nn.Module)\n    pass\n")
    out = grader("grade", "--task", "torch-linear-model", str(syntax), "--markdown", env_extra=data_env)
    assert out.returncode == 0  # a report was produced: exit 0 whatever the score
    assert "syntax error on line 3" in out.stdout and "class MyModel(torch.nn.Module)" in out.stdout
    assert f"0 / {report['max_score']:g}" in out.stdout
    assert "Not run: the submission does not compile" in out.stdout  # no check's fix-it hint for a syntax error
