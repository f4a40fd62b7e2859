"""Rubric scoring and report rendering are pure."""

from __future__ import annotations

import json

from grader import reports
from grader.judge import Verdict
from grader.models import Check, Rubric, Status
from grader.scoring import score
from tests.support.records import make_report, rubric


def test_score_is_all_or_nothing_per_check():
    results, total = score(rubric(), {"a": Verdict(True), "b": Verdict(False, "trial 1/3: off")})
    assert total == 2
    assert results[0].passed and results[0].feedback == "passed"
    assert not results[1].passed and results[1].points == 0 and results[1].hidden
    assert "off" in results[1].detail
    _, total = score(rubric(), {})
    assert total == 0


def test_json_has_the_versioned_fields():
    data = json.loads(reports.to_json(make_report()))
    for key in (
        "schema_version",
        "task_id",
        "task_version",
        "status",
        "score",
        "max_score",
        "checks",
        "stdout",
        "stderr",
        "duration_s",
        "environment",
        "submission_sha256",
        "graded_at",
    ):
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


def test_feedback_names_the_real_cause():
    hinted = Check(
        id="h",
        title="H",
        points=1,
        probe="p",
        feedback="general fix",
        hints={"type": "fix the dtype", "shape": "fix the shape"},
    )
    hidden = hinted.model_copy(update={"id": "k", "hidden": True})
    r = Rubric(task="t", checks=[hinted, hidden])
    boom = {
        "type": "AttributeError",
        "message": "'NoneType' object has no attribute 'train' (size 37)\nmore",
        "traceback": "",
    }
    results, _ = score(
        r, {"h": Verdict(False, "raised", "raised", boom), "k": Verdict(False, "raised", "raised", boom)}
    )
    # The exception first, never the check's fix-it hint; a hidden check names only the type.
    assert results[0].feedback.startswith("Your code raised AttributeError: 'NoneType' object has no attribute 'train'")
    assert "general fix" not in results[0].feedback and "more" not in results[0].feedback
    assert (
        results[1].feedback == "Your code raised AttributeError here; fix that first."
        and "37" not in results[1].feedback
    )
    results, _ = score(
        r, {"h": Verdict(False, "dtype float64 != expected float32", "type"), "k": Verdict(False, "shape", "shape")}
    )
    assert results[0].feedback == "fix the dtype" and results[1].feedback == "fix the shape"
    assert results[0].cause == "type"
    results, _ = score(
        r,
        {
            "h": Verdict(False, "values differ", "values"),
            "k": Verdict(False, "the submission does not compile", "not_run"),
        },
    )
    assert results[0].feedback == "general fix"  # no values hint: the general feedback
    assert results[1].feedback == "Not run: the submission does not compile." and results[1].detail == ""
