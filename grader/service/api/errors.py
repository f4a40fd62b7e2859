"""Turning validation errors into one clear message."""

from __future__ import annotations

import errno


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


DISK_FULL = "the data dir's disk is full: nothing was stored; free some space and retry (same Idempotency-Key)"


def disk_full(exc: BaseException) -> bool:
    """SQLite's "database or disk is full" (SQLITE_FULL), or an OSError ENOSPC, anywhere in the chain."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno == errno.ENOSPC:
            return True
        if "database or disk is full" in str(getattr(seen, "orig", None) or seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def database_error(exc: BaseException) -> tuple[int, str]:
    """(status, detail) for a database failure: 507 when the disk is full, else 503 with the
    driver's first line (no SQL, no parameters), e.g. 'database unavailable: connection refused'."""
    if disk_full(exc):
        return 507, DISK_FULL
    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return 503, f"database unavailable: {first[:200]}; retry later"
