"""The Celery app, configured from grader.settings.Settings: Redis broker and result backend,
queues `gpu` and `cpu`, interactive jobs before batch ones (Redis priorities), late acks."""

from __future__ import annotations

from celery import Celery
from kombu import Queue

from grader.queue import PRIORITY_STEPS, QUEUES, SEP
from grader.settings import Settings


def make_celery(settings: Settings) -> Celery:
    """A Celery app for this configuration (workers and publishers build the same one)."""
    app = Celery("dlgrader", broker=settings.broker_url or None, backend=settings.broker_url or None,
                 include=["workers.jobs"], set_as_current=False)
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
        worker_prefetch_multiplier=1,  # with acks_late: a worker holds one job, and picks the next by priority
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


settings = Settings()
app = make_celery(settings)
