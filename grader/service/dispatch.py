"""Where stored submissions go to be graded: routing (gpu/cpu, interactive before batch) and the two
dispatchers — threads in the API process, or the Celery cluster. The grading step both run is in
grader/service/worker.py."""

from __future__ import annotations

import itertools
import logging
import queue as stdlib_queue
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

from grader.models import NeedsGpu, TaskSpec
from grader.service import webhooks
from grader.service.celery_app import make_celery
from grader.service.queues import GRADE_JOB, PRIORITY, PRIORITY_STEPS, QUEUES, SEP
from grader.service.store import CALLBACK, Store, SubmissionRow
from grader.service.worker import Grader, Outcome, run_submission
from grader.settings import Settings

log = logging.getLogger(__name__)


class QueueUnavailable(RuntimeError):
    """The broker cannot be reached (the message says which and why)."""


def queue_for(spec: TaskSpec, *, gpu_workers: bool) -> str:
    """`gpu` for tasks that require one, or may use one when GPU workers exist; else `cpu`."""
    if spec.needs_gpu is NeedsGpu.required or (spec.needs_gpu is NeedsGpu.optional and gpu_workers):
        return "gpu"
    return "cpu"


class EmbeddedQueue:
    """`grader serve` without a broker: threads in the API process grade through one Engine;
    webhooks retry on timers. On start it re-queues what a previous run left unfinished."""

    def __init__(self, *, store: Store, settings: Settings, engine_factory: Callable[[], Grader]) -> None:
        self.store, self.settings = store, settings
        self._engine_factory = engine_factory
        self.engine: Grader | None = None
        self._q: stdlib_queue.PriorityQueue = stdlib_queue.PriorityQueue()
        self._seq = itertools.count()
        self._threads: list[threading.Thread] = []
        self._timers: set[threading.Timer] = set()
        self._stop = threading.Event()
        self._busy: set[str] = set()  # submissions a thread is grading now
        self._busy_lock = threading.Lock()

    def start(self) -> None:
        self.engine = self._engine_factory()
        for row in self.store.pending():  # nothing is lost across restarts
            self._put(row.id, row.priority)
        now = datetime.now(UTC)
        # nor a webhook still owed
        for sid, target, attempt, due in self.store.undelivered(stale_after_s=webhooks.claim_ttl_s(self.settings)):
            self._later(max(0.0, (due - now).total_seconds()), partial(self._deliver, sid, attempt, target))
        for i in range(max(1, self.settings.embedded_workers)):
            t = threading.Thread(target=self._loop, name=f"grader-embedded-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def enqueue(self, submission_id: str, *, spec: TaskSpec, priority: str) -> None:
        self._put(submission_id, priority)

    def _put(self, submission_id: str, priority: str) -> None:
        self._q.put((PRIORITY.get(priority, 9), next(self._seq), submission_id))

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                _, _, sid = self._q.get(timeout=0.5)
            except stdlib_queue.Empty:
                continue
            assert self.engine is not None  # set by start(), before the threads
            with self._busy_lock:  # a replayed POST queues a queued submission again: grade it once
                busy = sid in self._busy
                self._busy.add(sid)
            if busy:  # another thread grades it: look again later (it will be graded by then)
                self._later(self.settings.job_retry_delay_s, partial(self._put, sid, "interactive"))
                continue
            try:
                outcome, row = run_submission(
                    sid, store=self.store, engine=self.engine, max_retries=self.settings.job_max_retries
                )
            except Exception:  # noqa: BLE001 - e.g. the database is down: try again later
                log.exception("embedded job %s failed; retrying", sid)
                self._later(self.settings.job_retry_delay_s, partial(self._put, sid, "interactive"))
                continue
            finally:
                with self._busy_lock:
                    self._busy.discard(sid)
            if outcome is Outcome.retry and row is not None:
                self._later(self.settings.job_retry_delay_s, partial(self._put, sid, row.priority))
            elif outcome is Outcome.done and row is not None:
                self._notify(row)

    def _notify(self, row: SubmissionRow) -> None:
        """The first attempt to every target of a just-graded submission (its callback, its owner's endpoints)."""
        try:
            targets = self.store.targets(row)
        except Exception:  # noqa: BLE001 - a notification never fails the work; a restart sends what is owed
            log.exception("could not list the webhook targets of %s", row.id)
            return
        for target in targets:
            self._later(0, partial(self._deliver, row.id, 1, target))

    def _deliver(self, submission_id: str, attempt: int, endpoint_id: str = CALLBACK) -> None:
        delay = webhooks.deliver(
            submission_id, attempt, store=self.store, settings=self.settings, endpoint_id=endpoint_id
        )
        if delay is not None:
            self._later(delay, partial(self._deliver, submission_id, attempt + 1, endpoint_id))

    def _later(self, delay_s: float, fn: Callable[[], None]) -> None:
        if self._stop.is_set():
            return

        def run() -> None:
            self._timers.discard(timer)
            fn()

        timer = threading.Timer(delay_s, run)
        timer.daemon = True
        self._timers.add(timer)
        timer.start()

    def ping(self) -> None:
        """Always reachable: the queue is in this process."""

    def depth(self) -> dict[str, int]:
        return {"embedded": self._q.qsize()}

    def stop(self) -> None:
        self._stop.set()
        for timer in list(self._timers):
            timer.cancel()
        for thread in self._threads:
            thread.join(timeout=5)
        if self.engine is not None:
            self.engine.close()


class CeleryQueue:
    """Broker mode: jobs go to Redis; separate `grader worker` processes grade them."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = make_celery(settings)

    def start(self) -> None:
        pass

    def enqueue(self, submission_id: str, *, spec: TaskSpec, priority: str) -> None:
        """Publish a grading job (raises QueueUnavailable if the broker is down)."""
        import redis
        from kombu.exceptions import OperationalError

        try:
            self.app.send_task(
                GRADE_JOB,
                args=[submission_id],
                queue=queue_for(spec, gpu_workers=self.settings.gpu_workers),
                priority=PRIORITY[priority],
                ignore_result=True,  # the database holds the report; don't subscribe to the result backend
            )
        except (OperationalError, OSError, redis.RedisError) as exc:
            raise QueueUnavailable(f"broker unreachable: {exc}") from exc

    def _redis(self):
        import redis

        return redis.Redis.from_url(self.settings.broker_url, socket_connect_timeout=3, socket_timeout=5)

    def ping(self) -> None:
        import redis

        try:
            with self._redis() as r:
                r.ping()
        except redis.RedisError as exc:
            raise QueueUnavailable(f"broker unreachable: {exc}") from exc

    def depth(self) -> dict[str, int]:
        """Messages waiting in Redis per queue (all priority levels)."""
        with self._redis() as r:
            pipe = r.pipeline()
            for q in QUEUES:
                for pri in PRIORITY_STEPS:
                    pipe.llen(q if pri == 0 else f"{q}{SEP}{pri}")
            counts = pipe.execute()
        n = len(PRIORITY_STEPS)
        return {q: sum(counts[i * n : (i + 1) * n]) for i, q in enumerate(QUEUES)}

    def stop(self) -> None:
        self.app.close()


def make_queue(settings: Settings, *, store: Store, engine_factory: Callable[[], Grader]):
    """CeleryQueue when GRADER_BROKER_URL is set, else the embedded one."""
    if settings.broker_url:
        return CeleryQueue(settings)
    return EmbeddedQueue(store=store, settings=settings, engine_factory=engine_factory)
