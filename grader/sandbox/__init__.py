"""Sandboxes run untrusted code and hand back raw, size-capped output; they never judge."""

from grader.sandbox.base import Missing, RunRequest, RunResult, Sandbox

__all__ = ["Missing", "RunRequest", "RunResult", "Sandbox"]
