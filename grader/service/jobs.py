"""The Celery jobs: grade a stored submission by id, deliver its webhook. Both are idempotent.
`register` binds them to an app and a configuration; the worker's resources (one Store, one
Engine) are created on first use and shared by the worker's threads."""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import TYPE_CHECKING, Any

from celery import Celery
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from grader.service import webhooks
from grader.service.queues import GRADE_JOB, WEBHOOK_JOB
from grader.service.worker import Outcome, run_submission
from grader.settings import Settings

if TYPE_CHECKING:
    from grader.engine import Engine
    from grader.service.store import Store

log = logging.getLogger(__name__)
GRADING_LOCK = "dlgrader:grading:"  # + submission id: the Redis key held while a job grades it


class Resources:
    """This worker process's Store and Engine, created on first use (thread-safe)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._engine: Engine | None = None
        self._redis: Any = None

    def store(self) -> Store:
        from grader.service.store import Store

        with self._lock:
            if self._store is None:
                s = Store.from_settings(self.settings)
                s.create_schema()
                self._store = s
            return self._store

    def engine(self) -> Engine:
        from grader import salt
        from grader.engine import Engine

        db = self.store()  # outside the lock: store() takes it too
        with self._lock:
            if self._engine is None:
                # the database's salt, shared by every worker
                self._engine = Engine(salt.resolve(self.settings, store=db))
            return self._engine

    def grading_lock(self, submission_id: str):
        """A Redis lock held while one job grades submission_id; it expires after the visibility
        timeout, as a dead worker's job is redelivered then."""
        import redis

        with self._lock:
            if self._redis is None:
                self._redis = redis.Redis.from_url(
                    self.settings.broker_url, socket_connect_timeout=5, socket_timeout=10
                )
        return self._redis.lock(GRADING_LOCK + submission_id, timeout=max(1, self.settings.visibility_timeout_s))


def is_outage(exc: BaseException) -> bool:
    """The database or the broker cannot be reached (or its disk is full), as opposed to a bug."""
    return isinstance(exc, (OperationalError, InterfaceError, PoolTimeout, BrokerError, ConnectionError, RedisError))


def outage_delay_s(settings: Settings, retries: int) -> float:
    """Countdown of the next try of a job that met an outage: doubling from job_retry_delay_s, up to
    5 minutes (and half the visibility timeout). Without a limit on tries: a grading job that gave
    up left its submission queued for ever, since in broker mode nothing else queues it again."""
    cap = max(settings.job_retry_delay_s, min(300.0, settings.visibility_timeout_s / 2))
    return min(cap, settings.job_retry_delay_s * 2 ** min(retries, 16))


def _queue_of(request) -> str:
    return (request.delivery_info or {}).get("routing_key") or "cpu"


def register(app: Celery, settings: Settings) -> Resources:
    """Register both jobs on `app`; returns the resources they use."""
    res = Resources(settings)

    @app.task(bind=True, name=GRADE_JOB, max_retries=None)
    def grade_submission(self, submission_id: str) -> str:
        """Grade one submission unless it is already graded; retry only the grader's own faults."""
        # Two copies of a job may exist (a replayed POST publishes again what a lost first request
        # had published): both copies grading at once graded it twice. The copy that does not get
        # the lock comes back later, and finds the submission graded.
        lock = res.grading_lock(submission_id)
        try:
            if not lock.acquire(blocking=False):
                raise self.retry(countdown=settings.job_retry_delay_s)
            try:
                outcome, row = run_submission(
                    submission_id, store=res.store(), engine=res.engine(), max_retries=settings.job_max_retries
                )
            finally:
                with contextlib.suppress(RedisError):  # expired, or Redis is down: the TTL frees it
                    lock.release()
        except (SQLAlchemyError, BrokerError, ConnectionError, RedisError) as exc:
            if is_outage(exc):  # retried until the database/broker is back: see outage_delay_s
                raise self.retry(exc=exc, countdown=outage_delay_s(settings, self.request.retries)) from exc
            if self.request.retries >= settings.job_max_retries:
                raise
            raise self.retry(exc=exc, countdown=settings.job_retry_delay_s) from exc
        if outcome is Outcome.retry:
            raise self.retry(countdown=settings.job_retry_delay_s)
        if outcome is Outcome.done and row is not None:
            try:  # one job per target: the callback_url, each of the owner's endpoints
                for target in res.store().targets(row):
                    deliver_webhook.apply_async(args=[submission_id, 1, target], queue=_queue_of(self.request))
            except Exception:  # noqa: BLE001 - a notification never fails or re-runs the grading
                log.exception("could not schedule the webhooks of %s", submission_id)
        return outcome.value

    @app.task(bind=True, name=WEBHOOK_JOB, max_retries=None, ignore_result=True)
    def deliver_webhook(self, submission_id: str, attempt: int, endpoint_id: str = "") -> None:
        """One webhook attempt to one target ("": the callback_url, as jobs of older versions say);
        the next one is a new job after an exponential, jittered countdown. A redelivered job does
        not send twice (the attempt is claimed in the delivery table)."""
        try:
            delay = webhooks.deliver(
                submission_id, attempt, store=res.store(), settings=settings, endpoint_id=endpoint_id
            )
        except SQLAlchemyError as exc:  # the database is down: the attempt was not made; make it later
            if not is_outage(exc):
                raise
            raise self.retry(exc=exc, countdown=outage_delay_s(settings, self.request.retries)) from exc
        if delay is not None:
            deliver_webhook.apply_async(
                args=[submission_id, attempt + 1, endpoint_id], countdown=delay, queue=_queue_of(self.request)
            )

    return res
