"""Pure scoring: verdicts per check into points and check results."""

from __future__ import annotations

from grader.judge import Verdict
from grader.models import CheckResult, Rubric


def score(rubric: Rubric, verdicts: dict[str, Verdict]) -> tuple[list[CheckResult], float]:
    """Points for each check (all or nothing per check) and the total."""
    results = []
    for check in rubric.checks:
        v = verdicts.get(check.id, Verdict(False, "not graded"))
        feedback = "passed" if v.passed else (check.feedback or "failed")
        results.append(
            CheckResult(
                id=check.id,
                title=check.title,
                points=check.points if v.passed else 0.0,
                max_points=check.points,
                passed=v.passed,
                feedback=feedback,
                detail="" if v.passed else v.detail,
                hidden=check.hidden,
            )
        )
    return results, sum(r.points for r in results)
