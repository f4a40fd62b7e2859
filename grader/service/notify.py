"""What a completed invitation owes, and sending it: the hiring tool's PATCH to the url it gave
(with its own Basic credential), the signed invitation.completed event to the invitation's
callback_url and to each webhook endpoint of the organisation.

Each (invitation, target) is delivered once: attempts are claimed and logged in the delivery table
like submission webhooks (subject id = the invitation's id), retried with the same backoff, and
what is owed is read back from that table, so a restart loses nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta
from typing import Any

import httpx

from grader.service import webhooks
from grader.service.invitations import Invitations, describe
from grader.service.store import CALLBACK, SENDING, InvitationRow, Store, utcnow
from grader.settings import Settings

log = logging.getLogger(__name__)
ATS = "ats"  # Delivery.endpoint_id of the hiring tool's PATCH
EVENT_TYPE = "invitation.completed"


def event_id(invitation_id: str) -> str:
    return "evt_" + hashlib.sha256(f"{invitation_id}:{EVENT_TYPE}".encode()).hexdigest()[:24]


def event_body(row: InvitationRow, results: dict[str, Any]) -> bytes:
    """The invitation.completed event; the organisation's id is inside the signed body."""
    assert row.completed_at is not None
    ev = {
        "id": event_id(row.id),
        "type": EVENT_TYPE,
        "created": int(row.completed_at.timestamp()),
        "owner_id": row.org_id,
        "data": {"invitation": describe(row, results)},
    }
    return json.dumps(ev, separators=(",", ":")).encode()


def targets(store: Store, row: InvitationRow) -> list[str]:
    """ATS when a hiring tool sent it, CALLBACK when it has a callback_url, then each endpoint the
    organisation had when the invitation completed."""
    out = [ATS] if row.ats_url else []
    out += [CALLBACK] if row.callback_url else []
    done = row.completed_at or utcnow()
    out += [ep.id for ep in store.endpoints(row.org_id) if ep.created_at <= done]
    return out


def owed(
    store: Store, row: InvitationRow, *, now: datetime, stale_after_s: float
) -> tuple[list[tuple[str, int]], bool]:
    """(the (target, attempt) pairs due now: never tried, a failed attempt whose retry time has
    come, or an attempt a dead process left in flight; whether anything is still to come). Nothing
    is to come once every target was delivered or given up."""
    by_target: dict[str, list] = {}
    for d in store.deliveries(row.id):
        by_target.setdefault(d.endpoint_id, []).append(d)
    out, pending = [], False
    for target in targets(store, row):
        rows = by_target.get(target, [])
        if any(d.error is None for d in rows):
            continue
        if not rows:
            out.append((target, 1))
            pending = True
            continue
        last = max(rows, key=lambda d: d.attempt)
        if last.error == SENDING:
            pending = True
            if last.started_at + timedelta(seconds=stale_after_s) <= now:
                out.append((target, last.attempt))
        elif last.next_retry_at is not None:
            pending = True
            if last.next_retry_at <= now:
                out.append((target, last.attempt + 1))
    return out, pending


class Notifier:
    """Sends what completed invitations owe (called by the invitations Sweeper)."""

    def __init__(self, invitations: Invitations, *, client: httpx.Client | None = None) -> None:
        self.invitations = invitations
        self.client = client

    @property
    def store(self) -> Store:
        return self.invitations.store

    @property
    def settings(self) -> Settings:
        return self.invitations.settings

    def __call__(self, row: InvitationRow) -> None:
        due, pending = owed(self.store, row, now=utcnow(), stale_after_s=webhooks.claim_ttl_s(self.settings))
        if not pending:  # every target delivered or given up: the sweeper stops looking at it
            self.store.set_invitation(row.id, notified_at=utcnow())
        for target, attempt in due:
            self.send(row, target, attempt)

    def send(self, row: InvitationRow, target: str, attempt: int) -> None:
        evt = event_id(row.id)
        if target == ATS:
            assert row.ats_url is not None
            headers = {"User-Agent": "dlgrader-partner/1"}
            if row.ats_auth:
                headers["Authorization"] = row.ats_auth
            outcome = webhooks.send_attempt(
                row.id,
                ATS,
                attempt,
                event_id=evt,
                url=row.ats_url,
                body=None,
                headers=headers,
                store=self.store,
                settings=self.settings,
                method="PATCH",
                client=self.client,
            )
            if outcome is not None and (outcome[0] or outcome[1] is None):
                self.store.set_invitation(row.id, ats_auth=None)  # delivered or given up: the credential goes
            return
        if target == CALLBACK:
            url, secrets_ = row.callback_url, self.store.default_endpoint(row.org_id).signing_secrets()
        else:
            ep = self.store.endpoint(target, owner_id=row.org_id)
            if ep is None or ep.url is None:
                return  # deleted since
            url, secrets_ = ep.url, ep.signing_secrets()
        assert url is not None
        body = event_body(row, self.invitations.results(row))
        webhooks.send_attempt(
            row.id,
            target,
            attempt,
            event_id=evt,
            url=url,
            body=body,
            headers=webhooks.signed_headers(secrets_, evt, body),
            store=self.store,
            settings=self.settings,
            client=self.client,
        )
