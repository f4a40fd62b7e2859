"""Turning validation errors into one clear message."""

from __future__ import annotations


def validation_message(errors) -> str:
    """'task_id: field required; code: ...' from pydantic/FastAPI error dicts."""
    parts = []
    for e in errors:
        loc = ".".join(str(x) for x in e.get("loc", ()) if x != "body") or "body"
        msg = e.get("msg", "invalid")
        if e.get("type") == "missing":
            msg = "field required"
        parts.append(f"{loc}: {msg}")
    return "; ".join(parts) or "invalid request"
