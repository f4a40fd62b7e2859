"""Grade many submissions on the Celery cluster (for the batch CLI): store, enqueue, collect."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator

from grader.models import Report, Submission
from grader.service.dispatch import CeleryQueue, QueueUnavailable
from grader.service.store import Store
from grader.settings import Settings
from grader.taskspec import load_task


class ClusterUnavailable(RuntimeError):
    """The cluster cannot take work: no broker configured, or the broker is unreachable."""


def grade_via_cluster(
    settings: Settings,
    submissions: Iterable[Submission],
    *,
    priority: str = "batch",
    poll_s: float = 0.25,
    timeout_s: float | None = None,
    store: Store | None = None,
) -> Iterator[tuple[Submission, Report]]:
    """Store each submission (no owner), enqueue it at `priority`, and yield (submission, report)
    as each finishes, in any order. Raises ClusterUnavailable if the broker cannot be reached,
    TaskNotFound for an unknown task, TimeoutError when timeout_s passes first."""
    if not settings.broker_url:
        raise ClusterUnavailable("GRADER_BROKER_URL is not set: there is no cluster to grade on")
    queue = CeleryQueue(settings)
    try:
        queue.ping()
    except QueueUnavailable as exc:
        raise ClusterUnavailable(
            f"cannot reach the broker at {_redacted(settings.broker_url)}: {exc.__cause__ or exc}"
        ) from exc
    own_store = store is None
    store = store or Store.from_settings(settings)
    try:
        store.create_schema()
        pending: dict[str, Submission] = {}
        specs = {}
        for sub in submissions:
            if sub.task_id not in specs:
                specs[sub.task_id] = load_task(
                    sub.task_id, tasks_dir=settings.tasks_dir, rubrics_dir=settings.rubrics_dir
                ).spec
            row, _ = store.add_submission(sub, owner_id=None, priority=priority)
            try:
                queue.enqueue(row.id, spec=specs[sub.task_id], priority=priority)
            except QueueUnavailable as exc:
                raise ClusterUnavailable(str(exc)) from exc
            pending[row.id] = sub
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while pending:
            for row in store.completed_among(list(pending)):
                yield pending.pop(row.id), row.report_model()
            if pending:
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(f"{len(pending)} submission(s) not graded within {timeout_s:g} s")
                time.sleep(poll_s)
    finally:
        queue.stop()
        if own_store:
            store.close()


def _redacted(url: str) -> str:
    """The URL without a password."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return scheme + sep + rest
