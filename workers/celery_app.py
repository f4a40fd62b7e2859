"""The worker's Celery app, for `celery -A workers.celery_app worker` and compose's health check.
`grader worker` builds the same app itself (grader.service.celery_app)."""

from grader.service.celery_app import make_worker_app
from grader.settings import Settings

app = make_worker_app(Settings())
