"""Rubric scoring and report rendering are pure."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from grader import reports
from grader.judge import Verdict
from grader.models import Check, Environment, Report, Rubric, Status
from grader.rubric import score


def rubric() -> Rubric:
    checks = [Check(id="a", title="A", points=2, probe="p", feedback="fix A"), Check(id="b", title="B | pipe", points=3, probe="p", hidden=True)]
    return Rubric(task="t", checks=checks)


def test_score_is_all_or_nothing_per_check():
    results, total = score(rubric(), {"a": Verdict(True), "b": Verdict(False, "trial 1/3: off")})
    assert total == 2
    assert results[0].passed and results[0].feedback == "passed"
    assert not results[1].passed and results[1].points == 0 and results[1].hidden
    assert "off" in results[1].detail
    _, total = score(rubric(), {})
    assert total == 0


def make_report(**kw) -> Report:
    results, total = score(rubric(), {"a": Verdict(True), "b": Verdict(False, "x")})
    base = dict(
        task_id="t", task_version="1", status=Status.graded, score=total, max_score=5, checks=results,
        stdout="hello <b>", stderr="", duration_s=1.5,
        environment=Environment(python="3.11", torch="2.13.0"), submission_sha256="ab" * 32,
        graded_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
    )
    return Report(**{**base, **kw})


def test_json_has_the_versioned_fields():
    data = json.loads(reports.to_json(make_report()))
    for key in ("schema_version", "task_id", "task_version", "status", "score", "max_score", "checks", "stdout", "stderr",
                "duration_s", "environment", "submission_sha256", "graded_at"):
        assert key in data
    assert set(data["checks"][0]) >= {"id", "title", "points", "max_points", "passed", "feedback", "hidden"}


def test_markdown_escapes_table_cells_and_shows_score():
    md = reports.to_markdown(make_report())
    assert "2 / 5" in md and "B \\| pipe *(hidden)*" in md and "hello <b>" in md


def test_html_escapes_untrusted_output():
    page = reports.to_html(make_report(stdout="<script>alert(1)</script>"))
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_sandbox_error_has_no_score():
    md = reports.to_markdown(make_report(status=Status.sandbox_error, score=None, message="boom"))
    assert "n/a" in md and "not the candidate's fault" in md


def test_candidate_view_drops_hidden_details_only():
    results, total = score(rubric(), {"a": Verdict(False, "expected 3.0"), "b": Verdict(False, "expected 7.0")})
    view = reports.for_candidate(make_report(checks=results, score=total))
    assert view.checks[0].detail == "expected 3.0"  # visible check keeps its detail
    assert view.checks[1].detail == "" and "7.0" not in reports.to_markdown(view)
    assert "fix A (expected 3.0)" in reports.to_markdown(view)
