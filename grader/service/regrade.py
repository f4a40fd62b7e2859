"""Regrading: a completed submission graded again (after a task or rubric fix) into a new report
version; earlier versions are kept (store.report_versions). Each report records the task version
and the hash of the rubric and probes that produced it, so every score can be traced."""

from __future__ import annotations

from typing import Any

from grader.catalog import TaskCatalog
from grader.service.store import Store, SubmissionRow
from grader.taskspec import TaskInvalid, TaskNotFound


class NotRegradable(ValueError):
    """The task is gone or invalid, so nothing of it can be graded again."""


def regrade(store: Store, queue: Any, catalog: TaskCatalog, *, org_id: str, submission_id: str) -> SubmissionRow | None:
    """Queue one of org_id's completed submissions for a regrade; None if it is not theirs or not
    completed (queued or running: its grading is under way). NotRegradable if its task is gone."""
    row = store.get(submission_id, owner_id=org_id)
    if row is None:
        return None
    try:
        task = catalog.get(row.task_id)
    except (TaskNotFound, TaskInvalid) as exc:
        raise NotRegradable(f"task {row.task_id!r} cannot be loaded: {exc}") from None
    if not store.reopen(submission_id, owner_id=org_id):
        return None
    queue.enqueue(submission_id, spec=task.spec, priority="interactive")
    return store.get(submission_id, owner_id=org_id)


def regrade_task(store: Store, queue: Any, catalog: TaskCatalog, *, org_id: str, task_id: str) -> list[str]:
    """Queue every completed submission of org_id for task_id for a regrade; the ids queued."""
    try:
        task = catalog.get(task_id)
    except (TaskNotFound, TaskInvalid) as exc:
        raise NotRegradable(f"task {task_id!r} cannot be loaded: {exc}") from None
    queued = []
    for sid in store.completed_of_task(org_id, task_id):
        if store.reopen(sid, owner_id=org_id):
            queue.enqueue(sid, spec=task.spec, priority="batch")
            queued.append(sid)
    return queued
