"""Candidate invitations: a timed take-home on one task or a pack, hosted, graded and reported.

Life of an invitation (states are InvitationState, stored as text):

    sent ──(the candidate's page first reads its state: the clock starts)──▶ opened
    opened ──(finish, or the deadline passes: the server submits the saved drafts)──▶ submitted
    submitted ──(every submission has its report)──▶ graded
    sent ──(not opened before expires_at)──▶ expired
    sent | opened ──(the organisation cancels)──▶ cancelled

graded and expired are *complete*: the organisation's hiring tool (its PATCH url) and its webhook
endpoints are told, once per target, by the Sweeper (grader/service/notify.py sends). Every change
of state is one conditional UPDATE, so two processes (or the sweeper and a request) never make the
same change twice. Deadlines are the server's: a submission after the deadline is refused
whatever the page shows.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from grader.catalog import TaskCatalog
from grader.models import Submission
from grader.packs import load_packs
from grader.service.store import IdempotencyConflict, InvitationRow, Store, SubmissionRow, utcnow
from grader.settings import Settings
from grader.submissions import SubmissionRejected, parse_submission
from grader.taskspec import Task, TaskInvalid, TaskNotFound

log = logging.getLogger(__name__)


class InvitationState(StrEnum):
    sent = "sent"
    opened = "opened"
    submitted = "submitted"
    graded = "graded"
    expired = "expired"
    cancelled = "cancelled"


COMPLETE = (InvitationState.graded, InvitationState.expired)
TERMINAL = (*COMPLETE, InvitationState.cancelled)


class Closed(Exception):
    """The link can no longer take code (HTTP 410): why, in words for the candidate."""


class AlreadySubmitted(Exception):
    """That task of the invitation was submitted before (HTTP 409)."""


class BadInvitation(ValueError):
    """A request to create an invitation that cannot be honoured (HTTP 422 / 404)."""

    def __init__(self, message: str, *, not_found: bool = False) -> None:
        super().__init__(message)
        self.not_found = not_found


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


RESERVED_KEY_PREFIX = "invitation:"  # Idempotency-Keys the API refuses: they name a candidate's slot


def idempotency_key(invitation_id: str, task_id: str) -> str:
    """The key of the one submission an invitation may have per task (the store's unique index
    makes a second one impossible, even from two processes at once). API clients cannot use keys
    of this form, so nothing but the candidate's page fills the slot."""
    return f"{RESERVED_KEY_PREFIX}{invitation_id}:{task_id}"


def public_base(settings: Settings, request_base: str) -> str:
    """GRADER_PUBLIC_URL, else the address the request came to; without a trailing slash."""
    return (settings.public_url or request_base).rstrip("/")


# --- signed report links (Greenhouse's partner_profile_url) ----------------------------------------
def link_signature(key: str, invitation_id: str, expires: int) -> str:
    return hmac.new(key.encode(), f"invitation-report:{invitation_id}:{expires}".encode(), hashlib.sha256).hexdigest()


def report_link(base: str, key: str, invitation_id: str, *, valid_for: timedelta, now: datetime | None = None) -> str:
    """A link to the invitation's HTML report that opens without an API key until it expires."""
    expires = int(((now or utcnow()) + valid_for).timestamp())
    sig = link_signature(key, invitation_id, expires)
    return f"{base}/reports/invitations/{invitation_id}?expires={expires}&sig={sig}"


def link_valid(key: str, invitation_id: str, expires: int, sig: str, *, now: datetime | None = None) -> bool:
    if expires < int((now or utcnow()).timestamp()):
        return False
    return hmac.compare_digest(link_signature(key, invitation_id, expires), sig)


# --- what an invitation is for ----------------------------------------------------------------------
@dataclass(frozen=True)
class Test:
    """Something an invitation can be for: a pack, or one task (ids stable: "pack:<id>", "task:<id>")."""

    id: str
    name: str
    task_ids: list[str]
    minutes: int
    pack_id: str | None = None


def tests(catalog: TaskCatalog) -> list[Test]:
    """Every pack, then every loadable task, as a hiring tool lists them."""
    out = [
        Test(id=f"pack:{p.id}", name=p.title, task_ids=list(p.tasks), minutes=p.minutes, pack_id=p.id)
        for p in load_packs(catalog.tasks_dir)
    ]
    out += [
        Test(id=f"task:{t.id}", name=t.spec.title, task_ids=[t.id], minutes=t.spec.minutes) for t in catalog.loadable()
    ]
    return out


def resolve_tasks(catalog: TaskCatalog, *, task_ids: list[str] | None, pack_id: str | None) -> Test:
    """The tasks of a request naming either task ids or a pack (BadInvitation otherwise)."""
    if (task_ids is None) == (pack_id is None):
        raise BadInvitation("give either 'tasks' (a list of task ids) or 'pack' (a pack id)")
    if pack_id is not None:
        pack = next((p for p in load_packs(catalog.tasks_dir) if p.id == pack_id), None)
        if pack is None:
            raise BadInvitation(f"unknown pack {pack_id!r}")
        task_ids, minutes = list(pack.tasks), pack.minutes
    else:
        assert task_ids is not None
        if not task_ids:
            raise BadInvitation("'tasks' must name at least one task")
        if len(set(task_ids)) != len(task_ids):
            raise BadInvitation("'tasks' names a task twice")
        minutes = 0
    for tid in task_ids:
        try:
            task = catalog.get(tid)
        except (TaskNotFound, TaskInvalid):
            raise BadInvitation(f"unknown task {tid!r} (see GET /v1/tasks)") from None
        if pack_id is None:
            minutes += task.spec.minutes
    return Test(id="", name="", task_ids=task_ids, minutes=minutes, pack_id=pack_id)


# --- the service's side -----------------------------------------------------------------------------
Enqueue = Callable[[SubmissionRow, Task], None]


@dataclass
class Invitations:
    """Every change to an invitation; store, catalog and the queue's enqueue are passed in."""

    store: Store
    catalog: TaskCatalog
    settings: Settings
    enqueue: Enqueue

    def create(
        self,
        org_id: str,
        *,
        task_ids: list[str],
        pack_id: str | None,
        candidate_name: str,
        candidate_email: str,
        time_limit_minutes: int,
        expires_in_hours: float,
        callback_url: str | None = None,
        candidate: dict[str, Any] | None = None,
        ats: str | None = None,
        ats_url: str | None = None,
        ats_auth: str | None = None,
        sent_by: str | None = None,
    ) -> tuple[InvitationRow, str]:
        """A new invitation in state sent, and its token (shown once: only its hash is stored)."""
        token = new_token()
        now = utcnow()
        row = InvitationRow(
            id=str(uuid.uuid4()),
            org_id=org_id,
            token_hash=token_hash(token),
            task_ids=list(task_ids),
            pack_id=pack_id,
            candidate_name=candidate_name,
            candidate_email=candidate_email,
            candidate=candidate,
            time_limit_minutes=time_limit_minutes,
            status=InvitationState.sent,
            created_at=now,
            expires_at=now + timedelta(hours=expires_in_hours),
            callback_url=callback_url,
            ats=ats,
            ats_url=ats_url,
            ats_auth=ats_auth,
            sent_by=sent_by,
        )
        self.store.add_invitation(row)
        return row, token

    # --- the candidate's side ---------------------------------------------------------------------
    def by_token(self, token: str) -> InvitationRow | None:
        return self.store.invitation_by_token(token_hash(token))

    def usable(self, row: InvitationRow) -> InvitationRow:
        """The invitation, refreshed, if it takes code now; Closed (with why) otherwise. The
        candidate's first look starts the clock; later looks change nothing."""
        row = self.refresh(row)
        if row.status == InvitationState.sent:
            now = utcnow()
            self.store.transition(
                row.id,
                (InvitationState.sent,),
                InvitationState.opened,
                opened_at=now,
                deadline=now + timedelta(minutes=row.time_limit_minutes),
            )
            row = self.store.invitation(row.id) or row
        if row.status != InvitationState.opened:
            raise Closed(closed_reason(row))
        return row

    def save_draft(self, row: InvitationRow, task_id: str, code: str) -> None:
        row = self.usable(row)
        self._task_of(row, task_id)
        self.store.save_draft(row.id, task_id, code)

    def submit(self, row: InvitationRow, task_id: str, code: str) -> SubmissionRow:
        """Grade the candidate's code for one task (once per task); the draft is saved too."""
        row = self.usable(row)
        task = self._task_of(row, task_id)
        self.store.save_draft(row.id, task_id, code)
        return self._submit(row, task, code, explicit=True)

    def finish(self, row: InvitationRow) -> InvitationRow:
        """The candidate is done: unsubmitted drafts are submitted, then the invitation is submitted."""
        row = self.usable(row)
        return self._close(row)

    def _task_of(self, row: InvitationRow, task_id: str) -> Task:
        if task_id not in row.task_ids:
            raise BadInvitation(f"task {task_id!r} is not part of this invitation", not_found=True)
        return self.catalog.get(task_id)

    def _submit(self, row: InvitationRow, task: Task, code: str, *, explicit: bool) -> SubmissionRow:
        try:
            sub = parse_submission(
                code.encode("utf-8", "surrogatepass"),
                task_id=task.id,
                max_kib=self.settings.max_submission_kib,
                candidate_id=row.candidate_email[:200] or None,
                name="code",
            )
        except SubmissionRejected as exc:
            if explicit:
                raise BadInvitation(str(exc)) from None
            # A draft that cannot be graded (too large, not UTF-8) is kept as the file that was there:
            # its report says why it could not be run.
            sub = Submission(task_id=task.id, code=code, candidate_id=row.candidate_email[:200] or None)
        key = idempotency_key(row.id, task.id)
        try:
            sub_row, created = self.store.add_submission(
                sub,
                owner_id=row.org_id,
                callback_url=None,
                metadata={"invitation_id": row.id},
                idempotency_key=key,
                priority="interactive",
            )
        except IdempotencyConflict:  # submitted before with other code
            raise AlreadySubmitted(f"task {task.id!r} was already submitted") from None
        if not created and explicit:  # submitted before with this very code
            raise AlreadySubmitted(f"task {task.id!r} was already submitted")
        if created:
            self.enqueue(sub_row, task)
        return sub_row

    def _close(self, row: InvitationRow) -> InvitationRow:
        """Submit every draft not submitted yet, then mark the invitation submitted (once)."""
        drafts = self.store.drafts(row.id)
        for tid in row.task_ids:
            if tid in drafts and self.store.by_idempotency(row.org_id, idempotency_key(row.id, tid)) is None:
                try:
                    self._submit(row, self.catalog.get(tid), drafts[tid], explicit=False)
                except AlreadySubmitted:
                    pass  # submitted meanwhile by a request or another sweeper
                except (TaskNotFound, TaskInvalid):
                    log.warning("invitation %s: task %s is gone; left unsubmitted", row.id, tid)
        self.store.transition(row.id, (InvitationState.opened,), InvitationState.submitted, submitted_at=utcnow())
        return self.store.invitation(row.id) or row

    # --- time passing ---------------------------------------------------------------------------------
    def refresh(self, row: InvitationRow) -> InvitationRow:
        """Apply what time and grading have done since the row was read: expiry of an unopened
        link, the deadline (drafts submitted), every report in (graded)."""
        now = utcnow()
        if row.status == InvitationState.sent and now >= row.expires_at:
            self.store.transition(row.id, (InvitationState.sent,), InvitationState.expired, completed_at=now)
        elif row.status == InvitationState.opened and row.deadline is not None and now >= row.deadline:
            row = self._close(row)
        if row.status == InvitationState.submitted:
            subs = self.submissions(row)
            if all(s is None or s.status == "completed" for s in subs.values()):
                self.store.transition(row.id, (InvitationState.submitted,), InvitationState.graded, completed_at=now)
        return self.store.invitation(row.id) or row

    def submissions(self, row: InvitationRow) -> dict[str, SubmissionRow | None]:
        """Each task's submission (None: not submitted)."""
        return {tid: self.store.by_idempotency(row.org_id, idempotency_key(row.id, tid)) for tid in row.task_ids}

    def cancel(self, row: InvitationRow) -> bool:
        return self.store.transition(
            row.id, (InvitationState.sent, InvitationState.opened), InvitationState.cancelled, completed_at=utcnow()
        )

    # --- what it scored -----------------------------------------------------------------------------
    def results(self, row: InvitationRow) -> dict[str, Any]:
        """Per task: submission id, status, score; totals and percent over every task of the
        invitation (a task not submitted scores 0 of its maximum)."""
        subs = self.submissions(row)
        tasks, score, max_score, passed, checks = [], 0.0, 0.0, 0, 0
        for tid in row.task_ids:
            try:
                task_max = self.catalog.get(tid).rubric.max_score
            except (TaskNotFound, TaskInvalid):
                task_max = 0.0
            sub = subs.get(tid)
            report = sub.report if sub is not None and sub.report is not None else None
            entry: dict[str, Any] = {
                "task_id": tid,
                "submission_id": sub.id if sub is not None else None,
                "status": (sub.result_status or sub.status) if sub is not None else "not submitted",
                "score": None,
                "max_score": task_max,
            }
            if report is not None:
                entry["score"] = float(report.get("score") or 0.0)
                score += entry["score"]
                checks += len(report.get("checks", []))
                passed += sum(1 for c in report.get("checks", []) if c.get("passed"))
            max_score += task_max
            tasks.append(entry)
        graded = row.status in COMPLETE
        return {
            "tasks": tasks,
            "score": round(score, 4) if graded else None,
            "max_score": max_score,
            "percent": (round(100.0 * score / max_score, 1) if max_score else 0.0) if graded else None,
            "checks_passed": passed,
            "checks": checks,
        }


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt is not None else None


def describe(row: InvitationRow, results: dict[str, Any], *, url: str | None = None) -> dict[str, Any]:
    """An invitation as its organisation sees it (the API, the invitation.completed event). The
    link is known only when it was just made (url): only its token's hash is stored."""
    return {
        "id": row.id,
        "url": url,
        "status": row.status,
        "candidate": {"name": row.candidate_name, "email": row.candidate_email},
        "tasks": list(row.task_ids),
        "pack": row.pack_id,
        "time_limit_minutes": row.time_limit_minutes,
        "created_at": _iso(row.created_at),
        "expires_at": _iso(row.expires_at),
        "opened_at": _iso(row.opened_at),
        "deadline": _iso(row.deadline),
        "submitted_at": _iso(row.submitted_at),
        "completed_at": _iso(row.completed_at),
        "callback_url": row.callback_url,
        "email": row.email_status,
        "results": results["tasks"],
        "score": results["score"],
        "max_score": results["max_score"],
        "percent": results["percent"],
        "checks_passed": results["checks_passed"],
        "checks": results["checks"],
    }


def closed_reason(row: InvitationRow) -> str:
    """Why the link takes no more code, for the candidate."""
    return {
        InvitationState.submitted: "You have finished this test; your answers were submitted.",
        InvitationState.graded: "You have finished this test; your answers were submitted.",
        InvitationState.expired: "This invitation has expired: it was not opened before its deadline.",
        InvitationState.cancelled: "This invitation was cancelled by the organisation that sent it.",
    }.get(InvitationState(row.status), "This test is closed.")


class Sweeper:
    """A thread in the API process: every GRADER_INVITATION_SWEEP_S it applies deadlines and
    expiries, marks finished gradings, and sends what completed invitations owe (notify.py)."""

    def __init__(self, invitations: Invitations, notify: Callable[[InvitationRow], None]) -> None:
        self.invitations = invitations
        self.notify = notify
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> None:
        inv = self.invitations
        for row in inv.store.invitations_due(utcnow()):
            try:
                inv.refresh(row)
            except Exception:  # noqa: BLE001 - one bad row must not stop the others
                log.exception("invitation %s: refresh failed", row.id)
        for row in inv.store.invitations_completed_since(utcnow() - timedelta(days=3)):
            try:
                self.notify(row)
            except Exception:  # noqa: BLE001
                log.exception("invitation %s: notification failed", row.id)

    def _loop(self) -> None:
        while not self._stop.wait(self.invitations.settings.invitation_sweep_s):
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - the database may be down: try again next time
                log.warning("invitation sweep failed", exc_info=True)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="grader-invitations", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
