"""Interview packs: definitions are valid and name real tasks; a pack grades into one report."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from grader import reports
from grader.models import Environment, Report, Status
from grader.packs import Pack, combine, load_packs
from grader.settings import Settings
from grader.taskspec import task_ids
from tests.support.cli import grader

S = Settings()


def test_packs_name_existing_tasks_and_cover_both_frameworks():
    packs = load_packs(S.tasks_dir)
    assert len(packs) >= 3
    known = set(task_ids(S.tasks_dir))
    for p in packs:
        missing = set(p.tasks) - known
        assert not missing, f"pack {p.id} names unknown tasks {missing}"
    ids = {p.id for p in packs}
    assert {"pytorch-fundamentals", "tensorflow-fundamentals", "debugging"} <= ids


def _report(task_id: str, score: float, max_score: float) -> Report:
    return Report(
        task_id=task_id,
        task_version="1",
        status=Status.graded,
        score=score,
        max_score=max_score,
        checks=[],
        duration_s=1.0,
        environment=Environment(python="3.11"),
        submission_sha256="0" * 64,
        graded_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_combine_keeps_pack_order_and_counts_missing_tasks_at_full_weight():
    pack = Pack(id="p", title="P", minutes=30, tasks=["a", "b", "c"])
    combined = combine(pack, {"c": _report("c", 3, 4), "a": _report("a", 5, 10)}, {"a": 10, "b": 6, "c": 4})
    assert [e.task_id for e in combined.tasks] == ["a", "b", "c"]
    assert combined.score == 8 and combined.max_score == 20
    assert combined.tasks[1].submitted is False and combined.tasks[1].report is None
    md = reports.pack_to_markdown(combined)
    assert "8 / 20" in md and "| b | 0/6 | not submitted |" in md


def test_packs_cli_json():
    out = grader("packs", "--json")
    assert out.returncode == 0
    rows = json.loads(out.stdout)
    assert all({"id", "title", "minutes", "tasks"} <= set(r) for r in rows)


def test_grade_pack_rejects_unknown_pack_and_empty_folder(tmp_path):
    out = grader("grade-pack", "--pack", "nope", str(tmp_path))
    assert out.returncode == 2 and "unknown pack" in out.stderr
    out = grader("grade-pack", "--pack", "debugging", str(tmp_path))
    assert out.returncode == 2 and "none of" in out.stderr


@pytest.mark.slow
def test_grade_pack_end_to_end(tmp_path):
    pack = next(p for p in load_packs(S.tasks_dir) if p.id == "debugging")
    first, second = pack.tasks[0], pack.tasks[1]
    (tmp_path / f"{first}.py").write_text((S.tasks_dir / first / "reference.py").read_text())
    (tmp_path / f"{second}.py").write_text((S.tasks_dir / second / "starter.py").read_text())
    out = grader(
        "grade-pack",
        "--pack",
        "debugging",
        str(tmp_path),
        "--json",
        "--candidate",
        "c-42",
        env_extra={"GRADER_DATA_DIR": str(tmp_path / "data")},
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    entries = {e["task_id"]: e for e in data["tasks"]}
    assert entries[first]["score"] == entries[first]["max_score"] > 0
    assert entries[second]["score"] < entries[second]["max_score"]
    assert all(not entries[t]["submitted"] for t in pack.tasks[2:])
    assert data["candidate_id"] == "c-42"
    assert data["score"] == sum(e["score"] for e in data["tasks"])
