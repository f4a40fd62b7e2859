"""Celery jobs: grade a stored submission by id, deliver its webhook. Both are idempotent."""

from __future__ import annotations

import logging
import threading

from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy.exc import SQLAlchemyError

from grader import webhooks
from grader.queue import DONE, RETRY, run_submission
from workers.celery_app import app, settings

log = logging.getLogger(__name__)
_lock = threading.Lock()
_resources: dict[str, object] = {}


def store():
    """This worker process's Store (created on first use)."""
    from grader.store import Store

    with _lock:
        if "store" not in _resources:
            s = Store.from_settings(settings)
            s.create_schema()
            _resources["store"] = s
        return _resources["store"]


def engine():
    """This worker process's Engine (thread-safe; one per process)."""
    from grader import salt
    from grader.engine import Engine

    db = store()  # outside the lock: store() takes it too
    with _lock:
        if "engine" not in _resources:
            _resources["engine"] = Engine(salt.resolve(settings, store=db))  # the database's salt, shared by every worker
        return _resources["engine"]


def _queue_of(request) -> str:
    return (request.delivery_info or {}).get("routing_key") or "cpu"


@app.task(bind=True, name="workers.jobs.grade_submission", max_retries=None)
def grade_submission(self, submission_id: str) -> str:
    """Grade one submission unless it is already graded; retry only the grader's own faults."""
    try:
        outcome, row = run_submission(submission_id, store=store(), engine=engine(), max_retries=settings.job_max_retries)
    except (SQLAlchemyError, BrokerError, ConnectionError) as exc:
        if self.request.retries >= settings.job_max_retries:
            raise
        raise self.retry(exc=exc, countdown=settings.job_retry_delay_s)
    if outcome == RETRY:
        raise self.retry(countdown=settings.job_retry_delay_s)
    if outcome == DONE and row.callback_url:
        try:
            deliver_webhook.apply_async(args=[submission_id, 1], queue=_queue_of(self.request))
        except Exception:  # noqa: BLE001 - a notification never fails or re-runs the grading
            log.exception("could not schedule the webhook of %s", submission_id)
    return outcome


@app.task(bind=True, name="workers.jobs.deliver_webhook", max_retries=None, ignore_result=True)
def deliver_webhook(self, submission_id: str, attempt: int) -> None:
    """One webhook attempt; the next one is a new job after an exponential, jittered countdown."""
    delay = webhooks.deliver(submission_id, attempt, store=store(), settings=settings)
    if delay is not None:
        deliver_webhook.apply_async(args=[submission_id, attempt + 1], countdown=delay, queue=_queue_of(self.request))
