"""The grading step every worker runs, embedded thread or Celery job: take a stored submission,
grade it once, save the report, and say what happened."""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Protocol

from grader.grading import grader_error
from grader.models import Report, Status, Submission
from grader.service import similar
from grader.service.store import Store, SubmissionRow
from grader.taskspec import Task, TaskInvalid, TaskNotFound

log = logging.getLogger(__name__)


class Grader(Protocol):
    """What the grading step needs of grader.engine.Engine (tests pass stand-ins)."""

    def task(self, task_id: str) -> Task: ...

    def grade(self, submission: Submission, *, task: Task | None = None) -> Report: ...

    def close(self) -> None: ...


class Outcome(StrEnum):
    """What one run_submission call did."""

    done = "completed"  # this call saved the report
    skipped = "skipped"  # already completed, or unknown
    retry = "retry"  # the grader's own fault, attempts remain


def run_submission(
    submission_id: str, *, store: Store, engine: Grader, max_retries: int
) -> tuple[Outcome, SubmissionRow | None]:
    """Grade a stored submission once: (Outcome.done, row) when this call saved its report,
    (Outcome.skipped, None) when it was already completed or is unknown, (Outcome.retry, row) on the grader's own fault
    (sandbox_error) while attempts remain. The candidate's failures are final results."""
    row = store.start(submission_id)
    if row is None:
        return Outcome.skipped, None
    final = row.attempts > max_retries
    task: Task | None = None
    try:
        task = engine.task(row.task_id)
        report = engine.grade(row.submission(), task=task)
    except (TaskNotFound, TaskInvalid) as exc:
        report = grader_error(row.submission(), f"task unavailable: {exc}")
        final = True
    except Exception as exc:  # noqa: BLE001 - the grader's fault; retried, then reported
        log.exception("grading %s failed", submission_id)
        report = grader_error(row.submission(), f"grader failure: {type(exc).__name__}: {exc}")
    if report.status is Status.sandbox_error and not final:
        store.requeue(submission_id)
        return Outcome.retry, row
    if not store.complete(submission_id, report):
        return Outcome.skipped, None
    if task is not None:
        similar.record(store, row, task)  # for GET /v1/submissions/{id}/similar
    return Outcome.done, row
