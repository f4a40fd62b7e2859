"""`grader similarity DIR --task T` as a user runs it: the table, --json, the order of pairs, and
bad input as one line on stderr with exit 2."""

from __future__ import annotations

import json

import pytest

from grader.settings import Settings
from grader.similarity.disguise import disguise
from grader.taskspec import load_task
from tests.support.cli import grader
from tests.support.grading import VARIANTS

TASK = "torch-train-step"
WIDE = {"COLUMNS": "200"}


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    """Three independent correct solutions and a disguised copy of one of them."""
    folder = tmp_path_factory.mktemp("cohort")
    starter = load_task(TASK, tasks_dir=Settings().tasks_dir, rubrics_dir=Settings().rubrics_dir).spec.starter
    for name in ("correct_manual_clip", "correct_model_zero_grad", "correct_float_detach"):
        (folder / f"{name}.py").write_text((VARIANTS / TASK / f"{name}.py").read_text())
    original = (VARIANTS / TASK / "correct_manual_clip.py").read_text()
    (folder / "zz_copy.py").write_text(disguise(original, "combined", starter=starter, seed=1))
    (folder / "notes.txt").write_text("not a submission")
    return folder


def test_json_lists_pairs_highest_first_with_the_copy_flagged(cohort):
    r = grader("similarity", str(cohort), "--task", TASK, "--json")
    assert r.returncode == 0, r.stderr
    pairs = json.loads(r.stdout)
    assert pairs, r.stdout
    assert {p["a"] for p in pairs} | {p["b"] for p in pairs} <= {
        "correct_manual_clip.py",
        "correct_model_zero_grad.py",
        "correct_float_detach.py",
        "zz_copy.py",
    }
    scores = [p["score"] for p in pairs]
    assert scores == sorted(scores, reverse=True)
    top = pairs[0]
    assert {top["a"], top["b"]} == {"correct_manual_clip.py", "zz_copy.py"} and top["flagged"]
    assert top["shared_tokens"] >= 15 and top["regions"]
    assert [p for p in pairs if p["flagged"]] == [top]  # the independent solutions are not flagged
    assert len({(p["a"], p["b"]) for p in pairs}) == len(pairs) and all(p["a"] < p["b"] for p in pairs)


def test_table_by_default(cohort):
    r = grader("similarity", str(cohort), "--task", TASK, env_extra=WIDE)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    flagged = [line for line in lines if "FLAGGED" in line]
    assert len(flagged) == 1 and "correct_manual_clip.py" in flagged[0] and "zz_copy.py" in flagged[0]
    assert "1 flagged" in lines[-1]


def test_a_stricter_threshold_flags_nothing_and_limit_cuts(cohort):
    r = grader("similarity", str(cohort), "--task", TASK, "--json", "--min-tokens", "100000", "--limit", "2")
    pairs = json.loads(r.stdout)
    assert len(pairs) == 2 and not any(p["flagged"] for p in pairs)


@pytest.mark.parametrize(
    "make, args, needle",
    [
        ("cohort", ["--task", "no-such-task"], "unknown task 'no-such-task'"),
        ("cohort", [], "--task is required"),
        (None, ["--task", TASK], "no such folder"),
        ("empty", ["--task", TASK], "no .py files"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, make, args, needle):
    folder = tmp_path / "in"
    if make:
        folder.mkdir()
        if make == "cohort":
            (folder / "a.py").write_text("x = 1\n")
        else:
            (folder / "a.txt").write_text("x = 1\n")
    r = grader("similarity", str(folder), *args)
    assert r.returncode == 2
    err = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(err) == 1 and needle in err[0], r.stderr
    assert r.stdout == ""
