"""GET /v1/tasks and /v1/tasks/{id}: statements and starters, never references, probes or expected values."""

from __future__ import annotations

import threading

from fastapi import APIRouter, Depends, HTTPException, Request

from grader.service.api.auth import owner
from grader.settings import Settings
from grader.taskspec import Task, TaskInvalid, TaskNotFound, load_task, task_ids

router = APIRouter(tags=["tasks"])


class TaskCatalog:
    """Tasks loaded on first use (the API never runs them)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._cache: dict[str, Task] = {}
        self._lock = threading.Lock()

    def get(self, task_id: str) -> Task:
        """The task (raises TaskNotFound / TaskInvalid)."""
        with self._lock:
            if task_id not in self._cache:
                self._cache[task_id] = load_task(
                    task_id, tasks_dir=self.settings.tasks_dir, rubrics_dir=self.settings.rubrics_dir
                )
            return self._cache[task_id]

    def ids(self) -> list[str]:
        return task_ids(self.settings.tasks_dir)


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
def list_tasks(request: Request, _: str = Depends(owner)) -> list[dict]:
    """Every task: id, title, framework, difficulty, minutes, max score."""
    catalog: TaskCatalog = request.app.state.tasks
    out = []
    for tid in catalog.ids():
        try:
            out.append(summary(catalog.get(tid)))
        except TaskInvalid:
            continue
    return out


@router.get("/tasks/{task_id}")
def get_task(task_id: str, request: Request, _: str = Depends(owner)) -> dict:
    """One task's statement and starter code."""
    try:
        task = request.app.state.tasks.get(task_id)
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
