"""The grading engine: one object that owns a sandbox backend and the reference cache, and grades
submissions by task id. The CLI, `grader batch`, the API's embedded worker and Celery jobs all use it."""

from __future__ import annotations

import threading
from collections import defaultdict

from grader.grading import (
    ReferenceError_,
    device_label,
    gpu_for,
    grade,
    plan,
    reference_observations,
)
from grader.models import Report, Submission
from grader.references import ReferenceCache
from grader.sandbox import Sandbox
from grader.settings import Settings
from grader.taskspec import Task, load_task


def make_sandbox(settings: Settings) -> Sandbox:
    """The backend named by GRADER_SANDBOX."""
    if settings.sandbox == "pool":
        from grader.sandbox.pool import PooledSandbox

        return PooledSandbox(settings=settings)
    if settings.sandbox == "docker":
        from grader.sandbox.docker import DockerSandbox

        return DockerSandbox(settings=settings)
    from grader.sandbox.process import ProcessSandbox

    return ProcessSandbox(settings=settings)


class Engine:
    """Thread-safe: grade() may be called from several threads at once (batch, embedded worker)."""

    def __init__(self, settings: Settings, *, sandbox: Sandbox | None = None, cache: ReferenceCache | None = None) -> None:
        self.settings = settings
        self.sandbox = sandbox if sandbox is not None else make_sandbox(settings)
        if cache is None:
            cache = ReferenceCache(settings.data_dir / "references" if settings.reference_cache else None)
        self.cache = cache
        self._tasks: dict[str, Task] = {}
        self._lock = threading.Lock()
        self._reference_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)

    def task(self, task_id: str) -> Task:
        """The task, loaded once (raises TaskNotFound / TaskInvalid)."""
        with self._lock:
            if task_id not in self._tasks:
                self._tasks[task_id] = load_task(task_id, tasks_dir=self.settings.tasks_dir, rubrics_dir=self.settings.rubrics_dir)
            return self._tasks[task_id]

    def grade(self, submission: Submission, *, task: Task | None = None) -> Report:
        """Grade one submission; the reference runs at most once per task even under concurrency."""
        task = task or self.task(submission.task_id)
        with self._reference_locks[task.id]:
            try:
                items = plan(task, salt=self.settings.seed_salt)
                cuda = gpu_for(task, self.settings)
                reference_observations(task, items, sandbox=self.sandbox, settings=self.settings, cache=self.cache, device=device_label(cuda), cuda=cuda)
            except ReferenceError_:
                pass  # grade() reports it as sandbox_error
        return grade(task, submission, sandbox=self.sandbox, settings=self.settings, cache=self.cache)

    def close(self) -> None:
        close = getattr(self.sandbox, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
