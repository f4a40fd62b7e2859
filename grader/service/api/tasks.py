"""GET /v1/tasks and /v1/tasks/{id}: statements and starters, never references, probes or expected values."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from grader.service.api.deps import OwnerDep, TasksDep
from grader.taskspec import Task, TaskInvalid, TaskNotFound

router = APIRouter(tags=["tasks"])


def summary(task: Task) -> dict:
    s = task.spec
    return {
        "id": s.id,
        "title": s.title,
        "framework": s.framework.value,
        "difficulty": s.difficulty,
        "minutes": s.minutes,
        "needs_gpu": s.needs_gpu.value,
        "tags": s.tags,
        "max_score": task.rubric.max_score,
    }


@router.get("/tasks")
def list_tasks(catalog: TasksDep, _: OwnerDep) -> list[dict]:
    """Every task: id, title, framework, difficulty, minutes, max score."""
    return [summary(t) for t in catalog.loadable()]


@router.get("/tasks/{task_id}")
def get_task(task_id: str, catalog: TasksDep, _: OwnerDep) -> dict:
    """One task's statement and starter code."""
    try:
        task = catalog.get(task_id)
    except TaskNotFound:
        raise HTTPException(404, f"unknown task {task_id!r}") from None
    except TaskInvalid as exc:
        raise HTTPException(500, str(exc)) from None
    return {
        **summary(task),
        "version": task.spec.version,
        "statement": task.spec.statement,
        "starter": task.spec.starter,
    }
