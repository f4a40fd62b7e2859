"""GET /v1/tasks and /v1/tasks/{id}: statements and starters, never references, probes or expected values."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from grader.models import Framework, NeedsGpu
from grader.service import regrade
from grader.service.api.deps import OwnerDep, QueueDep, StoreDep, TasksDep
from grader.service.api.errors import error_responses
from grader.service.dispatch import QueueUnavailable
from grader.taskspec import Task, TaskInvalid, TaskNotFound

router = APIRouter(tags=["tasks"])


class TaskSummary(BaseModel):
    id: str
    title: str
    framework: Framework
    difficulty: Literal["easy", "medium", "hard"]
    minutes: int
    needs_gpu: NeedsGpu
    tags: list[str]
    max_score: float


class TaskOut(TaskSummary):
    """A task as a candidate sees it: the statement and the starter code."""

    version: str
    statement: str
    starter: str


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


@router.get("/tasks", response_model=list[TaskSummary])
def list_tasks(catalog: TasksDep, _: OwnerDep) -> list[dict]:
    """Every task: id, title, framework, difficulty, minutes, max score."""
    return [summary(t) for t in catalog.loadable()]


@router.get("/tasks/{task_id}", response_model=TaskOut, responses=error_responses({404: "no such task"}))
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


class BulkRegradeOut(BaseModel):
    task_id: str
    count: int
    submissions: list[str]


@router.post(
    "/tasks/{task_id}/regrade",
    status_code=202,
    response_model=BulkRegradeOut,
    responses=error_responses({404: "no such task", 422: "the task can no longer be loaded"}),
)
def regrade_task(task_id: str, catalog: TasksDep, store: StoreDep, queue: QueueDep, org: OwnerDep) -> JSONResponse:
    """Grade every completed submission of the organisation for this task again (a new report
    version each; earlier versions are kept). Submissions still queued or running are left as they are."""
    if task_id not in catalog.ids():
        raise HTTPException(404, f"unknown task {task_id!r}")
    try:
        ids = regrade.regrade_task(store, queue, catalog, org_id=org, task_id=task_id)
    except regrade.NotRegradable as exc:
        raise HTTPException(422, str(exc)) from None
    except QueueUnavailable as exc:
        raise HTTPException(503, f"regrades of {task_id} stored but not all sent ({exc}); retry") from None
    return JSONResponse({"task_id": task_id, "count": len(ids), "submissions": ids}, status_code=202)
