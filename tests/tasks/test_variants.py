"""Every task's corpus of correct and planted-bug variants grades as its header says, through the
Engine on the warm pool (the default) and on the fresh process backend, with the same points."""

from __future__ import annotations

import pytest

from tests.support.grading import parse_expectation, variant_files

FILES = variant_files()


def _expect(report, want: dict) -> None:
    failed = {c.id for c in report.checks if not c.passed}
    detail = {c.id: c.detail for c in report.checks if not c.passed}
    assert report.status.value == want["status"], (report.message, report.stderr[-2000:])
    if want["full"]:
        assert report.score == report.max_score, detail
    else:
        assert failed == want["fail"], detail
        assert report.score < report.max_score


@pytest.mark.slow
@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
def test_variant(path, grade_code, grade_code_pooled):
    code = path.read_text()
    want = parse_expectation(code)
    pooled = grade_code_pooled(path.parent.name, code)
    _expect(pooled, want)
    fresh = grade_code(path.parent.name, code)
    _expect(fresh, want)
    assert [(c.id, c.points) for c in pooled.checks] == [(c.id, c.points) for c in fresh.checks]
    assert pooled.status == fresh.status


def test_every_task_has_a_corpus():
    from grader.settings import Settings
    from grader.taskspec import task_ids

    tasks = task_ids(Settings().tasks_dir)
    for task in tasks:
        mine = [p for p in FILES if p.parent.name == task]
        correct = [p for p in mine if parse_expectation(p.read_text())["full"]]
        buggy = [p for p in mine if not parse_expectation(p.read_text())["full"]]
        assert len(correct) >= 3, f"{task}: {len(correct)} correct variants"
        assert len(buggy) >= 4, f"{task}: {len(buggy)} buggy variants"
