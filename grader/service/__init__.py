"""The grading service: the database, dispatch to embedded threads or Celery workers, the worker's
grading step, webhooks, metrics and the REST API. Built on the core (grader.engine and below);
nothing in the core imports it."""
