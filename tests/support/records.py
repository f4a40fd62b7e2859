"""Records tests build by hand: a submission, a stored report, a rendered report's inputs."""

from __future__ import annotations

from datetime import UTC, datetime

from grader.judge import Verdict
from grader.models import Check, Environment, Report, Rubric, Status, Submission
from grader.scoring import score


def sub(code: str = "x = 1\n", task: str = "numpy-standardize") -> Submission:
    return Submission(task_id=task, code=code, candidate_id="cand-1")


def stored_report(status: Status = Status.graded, score: float | None = 3.0) -> Report:
    """A report as the store keeps one (no checks)."""
    return Report(
        task_id="numpy-standardize",
        task_version="1",
        status=status,
        score=score,
        max_score=12.0,
        checks=[],
        duration_s=0.5,
        environment=Environment(python="3.11"),
        submission_sha256="0" * 64,
        graded_at=datetime.now(UTC),
    )


def rubric() -> Rubric:
    checks = [
        Check(id="a", title="A", points=2, probe="p", feedback="fix A"),
        Check(id="b", title="B | pipe", points=3, probe="p", hidden=True),
    ]
    return Rubric(task="t", checks=checks)


def make_report(**kw) -> Report:
    """A scored report of rubric() (a passed, b hidden and failed), any field overridden."""
    results, total = score(rubric(), {"a": Verdict(True), "b": Verdict(False, "x")})
    base = dict(
        task_id="t",
        task_version="1",
        status=Status.graded,
        score=total,
        max_score=5,
        checks=results,
        stdout="hello <b>",
        stderr="",
        duration_s=1.5,
        environment=Environment(python="3.11", torch="2.13.0"),
        submission_sha256="ab" * 32,
        graded_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return Report(**{**base, **kw})
