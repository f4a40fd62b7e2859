"""Queue and job names of the grading cluster, shared by publishers (dispatch), the Celery app and
its jobs: `gpu` and `cpu` queues, interactive jobs before batch ones (Redis priorities)."""

from __future__ import annotations

QUEUES = ("gpu", "cpu")
# Redis priorities: 0 is served first (kombu orders its per-priority lists ascending).
PRIORITY = {"interactive": 0, "batch": 9}
PRIORITY_STEPS = [0, 3, 6, 9]
SEP = ":"
# Job names as published. They keep the names they had when the jobs lived in workers/jobs.py, so
# jobs queued by an older deployment are still consumed after an upgrade.
GRADE_JOB = "workers.jobs.grade_submission"
WEBHOOK_JOB = "workers.jobs.deliver_webhook"
