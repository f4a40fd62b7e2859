"""The Celery app of the grading cluster, built from Settings: Redis broker and result backend,
queues `gpu` and `cpu`, interactive jobs before batch ones (Redis priorities), late acks.
Publishers (the API, `grader batch`) and workers build the same app; only workers register jobs."""

from __future__ import annotations

from celery import Celery
from kombu import Queue

from grader.service import jobs
from grader.service.queues import PRIORITY_STEPS, QUEUES, SEP
from grader.settings import Settings


def make_celery(settings: Settings) -> Celery:
    """A Celery app for this configuration, without jobs (what publishers need)."""
    app = Celery(
        "dlgrader", broker=settings.broker_url or None, backend=settings.broker_url or None, set_as_current=False
    )
    vt = settings.visibility_timeout_s
    transport = {
        "visibility_timeout": vt,  # a killed worker's job is redelivered after this
        "unacked_restore_interval": max(1, min(60, vt // 10)),
        "unacked_restore_throttle": 1,
        "queue_order_strategy": "priority",
        "priority_steps": PRIORITY_STEPS,
        "sep": SEP,
        "socket_connect_timeout": 5,
        "socket_timeout": 30,
    }
    app.conf.update(
        task_queues=[Queue(q) for q in QUEUES],
        task_default_queue="cpu",
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # with acks_late: a worker holds one job, and picks the next by priority
        worker_prefetch_multiplier=1,
        broker_transport_options=transport,
        result_backend_transport_options={"visibility_timeout": vt},
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=3,
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1},
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=24 * 3600,
        worker_hijack_root_logger=False,
    )
    return app


def make_worker_app(settings: Settings) -> Celery:
    """The app a `grader worker` runs: make_celery's, with the grading and webhook jobs registered."""
    app = make_celery(settings)
    # A worker outlives a broker outage of any length: it reconnects until Redis is back (the default,
    # 3 tries over ~12 s, made every worker exit with "Unrecoverable error" when Redis restarted slowly).
    app.conf.broker_connection_max_retries = None
    jobs.register(app, settings)
    return app
