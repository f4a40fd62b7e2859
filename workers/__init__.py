"""Celery app and jobs of the grading cluster (`grader worker` runs them)."""
