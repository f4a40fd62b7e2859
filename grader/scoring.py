"""Pure scoring: verdicts per check into points and check results."""

from __future__ import annotations

from grader.judge import Verdict, error_text, failing_line
from grader.models import Check, CheckResult, Rubric


def feedback_for(check: Check, v: Verdict) -> str:
    """Feedback that names the real cause: the candidate's exception first (its type, and its
    first line unless the check is hidden, since a message can carry hidden values), a not-run
    status as such, then the check's hint for a type, shape or values failure, else its feedback."""
    if v.passed:
        return "passed"
    if v.cause == "raised" and v.error:
        text = error_text(v.error) if not check.hidden else str(v.error.get("type"))
        return f"Your code raised {text} here; fix that first."
    if v.cause == "not_run":
        return f"Not run: {v.detail}."
    hints: dict[str, str] = {str(k): h for k, h in check.hints.items()}
    return hints.get(v.cause) or check.feedback or "failed"


def score(rubric: Rubric, verdicts: dict[str, Verdict]) -> tuple[list[CheckResult], float]:
    """Points for each check (all or nothing per check) and the total."""
    results = []
    for check in rubric.checks:
        v = verdicts.get(check.id, Verdict(False, "not graded", "not_run"))
        feedback = feedback_for(check, v)
        results.append(
            CheckResult(
                id=check.id,
                title=check.title,
                points=check.points if v.passed else 0.0,
                max_points=check.points,
                passed=v.passed,
                feedback=feedback,
                detail="" if v.passed or v.cause == "not_run" else v.detail,
                cause="" if v.passed else v.cause,
                line=None if v.passed else failing_line(v.error),
                hidden=check.hidden,
            )
        )
    return results, sum(r.points for r in results)
