"""Signed webhook events and their delivery with retries.

Every delivery carries two signatures of the same body: the Standard Webhooks headers
(webhook-id / webhook-timestamp / webhook-signature) and Stripe's scheme (Grader-Signature).
Targets: the submission's callback_url (signed with the owner's default secret) and each endpoint
its owner registered (signed with that endpoint's secret).

Pure parts: sign / verify / sign_standard / event / backoff_s / is_public_address. deliver() does
one HTTP attempt to one target and records it; who schedules the next attempt (a Celery countdown
or a timer thread) is the caller's business. A failing webhook is logged in the delivery table and
never raised. The host is resolved once per attempt, every address it has must be public (unless
GRADER_WEBHOOK_ALLOW_PRIVATE), and the request goes to the address that was checked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import random
import socket
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from grader.service.store import CALLBACK, SENDING, Store, SubmissionRow
from grader.settings import Settings

log = logging.getLogger(__name__)
EVENT_TYPE = "submission.graded"
SIGNATURE_HEADER = "Grader-Signature"
EVENT_ID_HEADER = "Grader-Event-Id"
SECRET_PREFIX = "whsec_"

# What the delivery log says of a failed attempt: categories, never raw exception text.
REFUSED = "refused: private address"
TIMEOUT = "timeout"
CONNECTION_FAILED = "connection failed"


class SignatureError(ValueError):
    """A webhook signature is missing, malformed, stale or wrong."""


class PrivateAddress(ValueError):
    """The callback host resolves to an address deliveries may not go to."""


# --- signatures -------------------------------------------------------------------------------------
def _hex_mac(secret: str, body: bytes, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str | list[str], body: bytes, timestamp: int) -> str:
    """The Grader-Signature header value: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>"> keyed with the
    secret string (Stripe's scheme); one v1 per secret when given several (rotation)."""
    secrets_ = [secret] if isinstance(secret, str) else secret
    return ",".join([f"t={timestamp}", *(f"v1={_hex_mac(s, body, timestamp)}" for s in secrets_)])


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
    expected = _hex_mac(secret, body, timestamp)
    if not any(hmac.compare_digest(expected, v) for v in parts.get("v1", [])):
        raise SignatureError("no matching v1 signature")
    return timestamp


def standard_key(secret: str) -> bytes:
    """The HMAC key of a secret in Standard Webhooks: the base64-decoded part after whsec_ (as the
    standardwebhooks library decodes it); a secret not of that form (a GRADER_WEBHOOK_SECRET)
    keys with its UTF-8 bytes."""
    if secret.startswith(SECRET_PREFIX):
        return base64.b64decode(secret[len(SECRET_PREFIX) :] + "==")
    return secret.encode()


def sign_standard(secret: str | list[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The webhook-signature header value: "v1,<base64 HMAC-SHA256 of '<id>.<timestamp>.<body>'>",
    space-separated, one per secret."""
    secrets_ = [secret] if isinstance(secret, str) else secret
    content = f"{msg_id}.{timestamp}.".encode() + body
    return " ".join(
        "v1," + base64.b64encode(hmac.new(standard_key(s), content, hashlib.sha256).digest()).decode() for s in secrets_
    )


# --- events -----------------------------------------------------------------------------------------
def event_id(submission_id: str) -> str:
    """Stable across retries and the same for every target, so receivers can de-duplicate."""
    return "evt_" + hashlib.sha256(f"{submission_id}:{EVENT_TYPE}".encode()).hexdigest()[:24]


def event(
    submission_id: str,
    *,
    task_id: str,
    candidate_id: str | None,
    metadata: dict | None,
    graded_at: datetime,
    report: dict,
    owner_id: str | None = None,
) -> dict[str, Any]:
    """The submission.graded event body; owner_id (the API key's id) is inside the signed body."""
    return {
        "id": event_id(submission_id),
        "type": EVENT_TYPE,
        "created": int(graded_at.timestamp()),
        "owner_id": owner_id,
        "data": {
            "submission": {"id": submission_id, "task_id": task_id, "candidate_id": candidate_id, "metadata": metadata},
            "report": report,
        },
    }


def event_body(row: SubmissionRow) -> bytes:
    """The exact bytes sent (the same on every attempt and to every target)."""
    assert row.report is not None and row.graded_at is not None  # a completed submission
    ev = event(
        row.id,
        task_id=row.task_id,
        candidate_id=row.candidate_id,
        metadata=row.meta,
        graded_at=row.graded_at,
        report=row.report,
        owner_id=row.owner_id,
    )
    return json.dumps(ev, separators=(",", ":")).encode()


def backoff_s(attempt: int, *, base_s: float, max_s: float, rng: random.Random | None = None) -> float:
    """Wait before attempt+1: exponential (base * 2**(attempt-1), capped) with "equal jitter"."""
    full = min(max_s, base_s * 2 ** (attempt - 1))
    return full / 2 + (rng or random).uniform(0, full / 2)


# --- where a delivery may go ------------------------------------------------------------------------
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """False for loopback, private (RFC 1918, ULA), link-local (cloud metadata included), multicast,
    unspecified, reserved, shared and documentation addresses, and IPv6 forms that embed one
    (IPv4-mapped, 6to4, Teredo, NAT64)."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(embedded)
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_unspecified
        or ip.is_reserved
        or not ip.is_global
    )


def resolve(host: str, port: int, *, allow_private: bool) -> list[str]:
    """The addresses to connect to for host, in the resolver's order: resolved once, every one
    checked (PrivateAddress if one is not public and allow_private is off); OSError if none."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos))
    if not addresses:
        raise OSError(f"{host} has no address")
    if not allow_private and not all(is_public_address(a) for a in addresses):
        raise PrivateAddress(host)
    return [str(a) for a in addresses]


def pinned_requests(url: str, *, allow_private: bool) -> list[tuple[httpx.URL, dict[str, str], dict[str, Any]]]:
    """For each checked address of url's host: (the URL with that IP as its host, the Host header,
    request extensions with the TLS server name). The connection goes to an address that was
    checked, with no second DNS lookup; the certificate is still verified for the host name."""
    target = httpx.URL(url)
    if target.scheme not in ("http", "https") or not target.host:
        raise ValueError("not an http(s) URL")
    host = target.raw_host.decode("ascii")
    ips = resolve(host, target.port or (443 if target.scheme == "https" else 80), allow_private=allow_private)
    extensions: dict[str, Any] = {"sni_hostname": host} if target.scheme == "https" else {}
    return [(target.copy_with(host=ip), {"Host": target.netloc.decode("ascii")}, extensions) for ip in ips]


def category(error: str | None) -> str | None:
    """A logged error as one of the categories (older rows held raw exception text)."""
    if error is None or error in (REFUSED, TIMEOUT, CONNECTION_FAILED, SENDING) or error.startswith("HTTP "):
        return error
    return TIMEOUT if "Timeout" in error else CONNECTION_FAILED


def claim_ttl_s(settings: Settings) -> float:
    """How long an attempt may be in flight before another process takes it over (a dead worker's):
    above the longest attempt (connect, write, read and pool timeouts, DNS)."""
    return 4 * settings.webhook_timeout_s + 60


# --- one attempt ------------------------------------------------------------------------------------
def _target(row: SubmissionRow, endpoint_id: str, *, store: Store, settings: Settings) -> tuple[str, list[str]] | None:
    """(url, signing secrets) of a target, or None when there is nothing to send there."""
    if endpoint_id == CALLBACK:
        if not row.callback_url:
            return None
        if row.owner_id is None:  # stored without an API key: the deployment's secret
            return row.callback_url, [settings.webhook_secret.get_secret_value()]
        return row.callback_url, store.default_endpoint(row.owner_id).signing_secrets()
    ep = store.endpoint(endpoint_id, owner_id=row.owner_id) if row.owner_id is not None else None
    if ep is None or ep.url is None:  # deleted since, or not this owner's
        return None
    return ep.url, ep.signing_secrets()


def _send(
    client: httpx.Client, method: str, url: str, body: bytes | None, headers: dict[str, str], settings: Settings
) -> httpx.Response:
    """Send to the first checked address that accepts the connection (nothing was sent to the others)."""
    attempts = pinned_requests(url, allow_private=settings.webhook_allow_private)
    for i, (pinned, host, extensions) in enumerate(attempts):
        try:
            return client.request(method, pinned, content=body, headers={**headers, **host}, extensions=extensions)
        except httpx.ConnectError:
            if i == len(attempts) - 1:
                raise
    raise AssertionError("unreachable: resolve() returns at least one address")


def signed_headers(secrets_: list[str], evt: str, body: bytes) -> dict[str, str]:
    """Both signatures of body (Standard Webhooks and Grader-Signature), with the event id."""
    ts = int(time.time())
    return {
        "Content-Type": "application/json",
        "User-Agent": "dlgrader-webhooks/1",
        "webhook-id": evt,
        "webhook-timestamp": str(ts),
        "webhook-signature": sign_standard(secrets_, evt, ts, body),
        SIGNATURE_HEADER: sign(secrets_, body, ts),
        EVENT_ID_HEADER: evt,
    }


def send_attempt(
    subject_id: str,
    endpoint_id: str,
    attempt: int,
    *,
    event_id: str,
    url: str,
    body: bytes | None,
    headers: dict[str, str],
    store: Store,
    settings: Settings,
    method: str = "POST",
    client: httpx.Client | None = None,
) -> tuple[bool, float | None] | None:
    """One attempt to one target, claimed in and logged to the delivery table (subject_id: the
    submission or invitation). None when not sent (delivered already, or another process holds
    this attempt); else (delivered, the delay before the next attempt or None when there is none:
    delivered, refused, or out of attempts)."""
    claim = store.claim_delivery(
        subject_id, endpoint_id, attempt, event_id=event_id, url=url, stale_after_s=claim_ttl_s(settings)
    )
    if claim is None:
        return None
    status_code: int | None = None
    error: str | None = None
    try:
        if client is None:
            # trust_env off: no proxy from the environment, so the checked address is the one dialled
            with httpx.Client(timeout=settings.webhook_timeout_s, follow_redirects=False, trust_env=False) as c:
                resp = _send(c, method, url, body, headers, settings)
        else:
            resp = _send(client, method, url, body, headers, settings)
        status_code = resp.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except PrivateAddress:
        error = REFUSED
    except httpx.TimeoutException:
        error = TIMEOUT
    except Exception as exc:  # noqa: BLE001 - DNS, refused, reset, TLS... a notification never fails the work
        log.info("webhook %s -> %s: %s: %s", subject_id, endpoint_id or "callback", type(exc).__name__, exc)
        error = CONNECTION_FAILED
    finished = datetime.now(UTC)
    delay = None
    if error is not None and error != REFUSED and attempt < settings.webhook_max_attempts:
        delay = backoff_s(attempt, base_s=settings.webhook_backoff_base_s, max_s=settings.webhook_backoff_max_s)
    try:
        store.finish_delivery(
            claim,
            status_code=status_code,
            error=error,
            finished_at=finished,
            next_retry_at=finished + timedelta(seconds=delay) if delay is not None else None,
        )
    except Exception:  # noqa: BLE001
        log.exception("could not log webhook delivery %s #%d", subject_id, attempt)
    if error is not None:
        log.warning("webhook %s -> %s attempt %d failed: %s", subject_id, endpoint_id or "callback", attempt, error)
    return error is None, delay


def deliver(
    submission_id: str,
    attempt: int,
    *,
    store: Store,
    settings: Settings,
    endpoint_id: str = CALLBACK,
    client: httpx.Client | None = None,
) -> float | None:
    """One delivery attempt of a completed submission's event to one target (CALLBACK: its
    callback_url; else one of its owner's endpoints), logged in the store. Returns the delay before
    the next attempt, or None when done (delivered, refused, nothing to send, already delivered or
    being delivered elsewhere, or out of attempts)."""
    row = store.get(submission_id, any_owner=True)
    if row is None or row.report is None:
        return None
    target = _target(row, endpoint_id, store=store, settings=settings)
    if target is None:
        return None
    url, secrets_ = target
    evt = event_id(submission_id)
    body = event_body(row)
    outcome = send_attempt(
        submission_id,
        endpoint_id,
        attempt,
        event_id=evt,
        url=url,
        body=body,
        headers=signed_headers(secrets_, evt, body),
        store=store,
        settings=settings,
        client=client,
    )
    return outcome[1] if outcome is not None else None
