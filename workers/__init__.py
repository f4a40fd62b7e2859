"""Celery workers for the grading service (not built yet: see the service issue).

A worker will call `grader.grading.grade(task, submission, sandbox=..., settings=..., cache=...)`,
the same function the `grader grade` CLI uses, so both paths grade identically.
"""
