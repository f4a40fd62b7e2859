"""Sandbox requests built by hand, for tests that drive a backend directly."""

from __future__ import annotations

from grader.sandbox.base import RunRequest


def probe_request(code: str, **over) -> RunRequest:
    """A request whose 'submission' is code, with no probes: the candidate's output is the observation."""
    limits = dict(
        timeout_s=60,
        memory_mb=512,
        cpu_s=60,
        max_pids=64,
        file_size_mb=16,
        open_files=256,
        output_cap_bytes=65536,
        observation_cap_bytes=1 << 20,
    )
    limits.update(over)
    return RunRequest(job={"code": code, "probes": "", "imports": [], "plan": []}, **limits)
