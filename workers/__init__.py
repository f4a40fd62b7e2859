"""Deployment entry points of the grading cluster: the Celery app `celery -A workers.celery_app` loads."""
