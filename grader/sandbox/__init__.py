"""Sandboxes run untrusted code and hand back raw, size-capped output; they never judge."""

from grader.sandbox.base import RunRequest, RunResult, Sandbox

__all__ = ["RunRequest", "RunResult", "Sandbox"]
