"""Signed webhook events (Stripe's scheme) and their delivery with retries.

Pure parts: sign / verify / event / backoff_s. deliver() does one HTTP attempt and records it;
who schedules the next attempt (a Celery countdown or a timer thread) is the caller's business.
A failing webhook is logged in the delivery table and never raised.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from grader.settings import Settings

log = logging.getLogger(__name__)
EVENT_TYPE = "submission.graded"
SIGNATURE_HEADER = "Grader-Signature"
EVENT_ID_HEADER = "Grader-Event-Id"


class SignatureError(ValueError):
    """A webhook signature is missing, malformed, stale or wrong."""


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The Grader-Signature header value: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, body: bytes, header: str, *, tolerance_s: float = 300, now: float | None = None) -> int:
    """Check a Grader-Signature header against the raw body; returns its timestamp or raises SignatureError."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            raise SignatureError("malformed signature header")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        raise SignatureError("signature header has no timestamp") from None
    if abs((time.time() if now is None else now) - timestamp) > tolerance_s:
        raise SignatureError("signature timestamp outside the tolerance")
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    if not any(hmac.compare_digest(expected, v) for v in parts.get("v1", [])):
        raise SignatureError("no matching v1 signature")
    return timestamp


def event_id(submission_id: str) -> str:
    """Stable across retries, so receivers can de-duplicate."""
    return "evt_" + hashlib.sha256(f"{submission_id}:{EVENT_TYPE}".encode()).hexdigest()[:24]


def event(
    submission_id: str,
    *,
    task_id: str,
    candidate_id: str | None,
    metadata: dict | None,
    graded_at: datetime,
    report: dict,
) -> dict[str, Any]:
    """The submission.graded event body."""
    return {
        "id": event_id(submission_id),
        "type": EVENT_TYPE,
        "created": int(graded_at.timestamp()),
        "data": {
            "submission": {"id": submission_id, "task_id": task_id, "candidate_id": candidate_id, "metadata": metadata},
            "report": report,
        },
    }


def backoff_s(attempt: int, *, base_s: float, max_s: float, rng: random.Random | None = None) -> float:
    """Wait before attempt+1: exponential (base * 2**(attempt-1), capped) with "equal jitter"."""
    full = min(max_s, base_s * 2 ** (attempt - 1))
    return full / 2 + (rng or random).uniform(0, full / 2)


def deliver(
    submission_id: str, attempt: int, *, store, settings: Settings, client: httpx.Client | None = None
) -> float | None:
    """One delivery attempt of a completed submission's event, logged in the store. Returns the delay
    before the next attempt, or None when done (delivered, nothing to send, or out of attempts)."""
    row = store.get(submission_id, any_owner=True)
    if row is None or not row.callback_url or row.report is None:
        return None
    body = json.dumps(
        event(
            submission_id,
            task_id=row.task_id,
            candidate_id=row.candidate_id,
            metadata=row.meta,
            graded_at=row.graded_at,
            report=row.report,
        ),
        separators=(",", ":"),
    ).encode()
    ts = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "dlgrader-webhooks/1",
        SIGNATURE_HEADER: sign(settings.webhook_secret.get_secret_value(), body, ts),
        EVENT_ID_HEADER: event_id(submission_id),
    }
    started = datetime.now(UTC)
    status_code: int | None = None
    error: str | None = None
    try:
        if client is None:
            with httpx.Client(timeout=settings.webhook_timeout_s, follow_redirects=False) as c:
                resp = c.post(row.callback_url, content=body, headers=headers)
        else:
            resp = client.post(row.callback_url, content=body, headers=headers)
        status_code = resp.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    except Exception as exc:  # noqa: BLE001 - a notification never fails the work
        error = f"{type(exc).__name__}: {exc}"[:500]
    finished = datetime.now(UTC)
    delay = None
    if error is not None and attempt < settings.webhook_max_attempts:
        delay = backoff_s(attempt, base_s=settings.webhook_backoff_base_s, max_s=settings.webhook_backoff_max_s)
    try:
        store.add_delivery(
            submission_id=submission_id,
            event_id=event_id(submission_id),
            attempt=attempt,
            url=row.callback_url,
            status_code=status_code,
            error=error,
            started_at=started,
            finished_at=finished,
            next_retry_at=finished + timedelta(seconds=delay) if delay is not None else None,
        )
    except Exception:  # noqa: BLE001
        log.exception("could not log webhook delivery %s #%d", submission_id, attempt)
    if error is not None:
        log.warning("webhook %s attempt %d failed: %s", submission_id, attempt, error)
    return delay
