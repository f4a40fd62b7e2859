"""The task catalog: tasks loaded once and shared by threads. The engine grades from it and the
API lists from it (the API never runs a task)."""

from __future__ import annotations

import threading
from pathlib import Path

from grader.settings import Settings
from grader.taskspec import Task, TaskInvalid, load_task, task_ids


class TaskCatalog:
    """Tasks of one tasks/rubrics folder pair, each loaded on first use (thread-safe)."""

    def __init__(self, *, tasks_dir: Path, rubrics_dir: Path) -> None:
        self.tasks_dir, self.rubrics_dir = tasks_dir, rubrics_dir
        self._cache: dict[str, Task] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> TaskCatalog:
        return cls(tasks_dir=settings.tasks_dir, rubrics_dir=settings.rubrics_dir)

    def get(self, task_id: str) -> Task:
        """The task (raises TaskNotFound / TaskInvalid)."""
        with self._lock:
            if task_id not in self._cache:
                self._cache[task_id] = load_task(task_id, tasks_dir=self.tasks_dir, rubrics_dir=self.rubrics_dir)
            return self._cache[task_id]

    def ids(self) -> list[str]:
        """Every task id in the folder, loadable or not."""
        return task_ids(self.tasks_dir)

    def loadable(self) -> list[Task]:
        """Every task that loads (an invalid one is left out; `grader tasks` reports it)."""
        out = []
        for tid in self.ids():
            try:
                out.append(self.get(tid))
            except TaskInvalid:
                continue
        return out
