"""/v1/invitations: invite a candidate to a timed take-home, follow it, cancel it; and the signed
report page a hiring tool links to (/reports/invitations/{id}, no key: the link is the key)."""

from __future__ import annotations

import html
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from grader import reports
from grader.models import Report
from grader.service import mailer
from grader.service.api.deps import InvitationsDep, OwnerDep, SettingsDep, StoreDep
from grader.service.api.errors import error_responses
from grader.service.api.fields import Body, EmailText, HttpUrlText, is_uuid
from grader.service.invitations import (
    BadInvitation,
    Invitations,
    describe,
    link_valid,
    public_base,
    resolve_tasks,
)
from grader.service.store import InvitationRow
from grader.settings import Settings

router = APIRouter(tags=["invitations"])
public = APIRouter(include_in_schema=False)
NOT_FOUND = {404: "no such invitation (or another organisation's)"}
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


class CandidateIn(Body):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    email: EmailText

    @field_validator("name")
    @classmethod
    def _one_line(cls, v: str) -> str:
        if any(c in v for c in "\r\n\x00"):
            raise ValueError("must be one line")
        return v.strip()


class InvitationIn(Body):
    """Either tasks or pack; the time limit defaults to the tasks' (or the pack's) minutes."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "tasks": ["numpy-standardize"],
                    "candidate": {"name": "Ada Lovelace", "email": "ada@example.com"},
                    "time_limit_minutes": 30,
                    "expires_in_hours": 72,
                }
            ]
        },
    )
    tasks: list[Annotated[str, Field(min_length=1, max_length=200)]] | None = Field(default=None, max_length=20)
    pack: str | None = Field(default=None, min_length=1, max_length=200)
    candidate: CandidateIn
    time_limit_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    expires_in_hours: float = Field(default=72.0, gt=0, le=24 * 90)
    callback_url: HttpUrlText | None = Field(default=None, description="receives invitation.completed")


InvitationStatus = Literal["sent", "opened", "submitted", "graded", "expired", "cancelled"]


class TaskResult(BaseModel):
    task_id: str
    submission_id: str | None
    status: str = Field(description="the report's status, queued/running, or 'not submitted'")
    score: float | None
    max_score: float


class InvitationOut(BaseModel):
    id: str
    url: str | None = Field(description="the candidate's link: only in the answer that created it")
    status: InvitationStatus
    candidate: dict[str, str]
    tasks: list[str]
    pack: str | None
    time_limit_minutes: int
    created_at: str
    expires_at: str
    opened_at: str | None
    deadline: str | None
    submitted_at: str | None
    completed_at: str | None
    callback_url: str | None
    email: str | None = Field(description="sent, not configured (GRADER_SMTP_HOST empty), or failed: why")
    results: list[TaskResult]
    score: float | None = Field(description="once graded (or expired)")
    max_score: float
    percent: float | None
    checks_passed: int
    checks: int


def email_invitation(settings: Settings, row: InvitationRow, *, url: str, org_name: str, titles: list[str]) -> str:
    """Email the link to the candidate; what happened, in words (stored on the invitation)."""
    if not mailer.smtp_configured(settings):
        return "not configured"
    try:
        message = mailer.invitation_message(
            sender=settings.smtp_from,
            to_name=row.candidate_name,
            to_email=row.candidate_email,
            org_name=org_name,
            url=url,
            task_titles=titles,
            time_limit_minutes=row.time_limit_minutes,
            expires_at=row.expires_at,
        )
        mailer.send(settings, message)
    except mailer.MailError as exc:
        return f"failed: {exc}"
    return "sent"


def invite(
    invitations: Invitations,
    *,
    org_id: str,
    base: str,
    task_ids: list[str] | None,
    pack_id: str | None,
    candidate_name: str,
    candidate_email: str,
    time_limit_minutes: int | None,
    expires_in_hours: float,
    **extra: Any,
) -> tuple[InvitationRow, str]:
    """Create an invitation, email it, and return it with its link (BadInvitation for bad tasks)."""
    test = resolve_tasks(invitations.catalog, task_ids=task_ids, pack_id=pack_id)
    row, token = invitations.create(
        org_id,
        task_ids=test.task_ids,
        pack_id=test.pack_id,
        candidate_name=candidate_name,
        candidate_email=candidate_email,
        time_limit_minutes=time_limit_minutes or test.minutes,
        expires_in_hours=expires_in_hours,
        **extra,
    )
    url = f"{base}/take/{token}"
    org = invitations.store.org(org_id)
    titles = [invitations.catalog.get(t).spec.title for t in test.task_ids]
    status = email_invitation(invitations.settings, row, url=url, org_name=org.name if org else "", titles=titles)
    invitations.store.set_invitation(row.id, email_status=status)
    row.email_status = status
    return row, url


@router.post(
    "/invitations",
    status_code=201,
    response_model=InvitationOut,
    responses=error_responses({422: "unknown tasks or pack, both or neither given, a bad email or URL"}),
)
async def create_invitation(
    body: InvitationIn, request: Request, org: OwnerDep, settings: SettingsDep, invitations: InvitationsDep
) -> dict:
    """Invite a candidate: the link is emailed (when GRADER_SMTP_HOST is set) and returned here once."""
    try:
        row, url = await run_in_threadpool(
            lambda: invite(
                invitations,
                org_id=org,
                base=public_base(settings, str(request.base_url)),
                task_ids=body.tasks,
                pack_id=body.pack,
                candidate_name=body.candidate.name,
                candidate_email=body.candidate.email,
                time_limit_minutes=body.time_limit_minutes,
                expires_in_hours=body.expires_in_hours,
                callback_url=body.callback_url,
            )
        )
    except BadInvitation as exc:
        raise HTTPException(422, str(exc)) from None
    return describe(row, invitations.results(row), url=url)


@router.get("/invitations", response_model=list[InvitationOut])
async def list_invitations(
    org: OwnerDep,
    invitations: InvitationsDep,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10**9),
) -> list[dict]:
    """The organisation's invitations, newest first."""

    def rows() -> list[dict]:
        out = []
        for row in invitations.store.invitations(org, limit=limit, offset=offset):
            row = invitations.refresh(row)
            out.append(describe(row, invitations.results(row)))
        return out

    return await run_in_threadpool(rows)


async def _own(invitations: Invitations, invitation_id: str, org: str) -> InvitationRow:
    row = (
        await run_in_threadpool(invitations.store.invitation, invitation_id, org_id=org)
        if is_uuid(invitation_id)
        else None
    )
    if row is None:
        raise HTTPException(404, f"no invitation {invitation_id[:100]!r}")
    return await run_in_threadpool(invitations.refresh, row)


@router.get("/invitations/{invitation_id}", response_model=InvitationOut, responses=error_responses(NOT_FOUND))
async def get_invitation(invitation_id: str, org: OwnerDep, invitations: InvitationsDep) -> dict:
    """Status, each task's submission and score, the total and its percent."""
    row = await _own(invitations, invitation_id, org)
    return describe(row, await run_in_threadpool(invitations.results, row))


@router.post(
    "/invitations/{invitation_id}/cancel",
    response_model=InvitationOut,
    responses=error_responses({**NOT_FOUND, 409: "already submitted, graded, expired or cancelled"}),
)
async def cancel_invitation(invitation_id: str, org: OwnerDep, invitations: InvitationsDep) -> dict:
    """Cancel a sent or opened invitation: its link stops working."""
    row = await _own(invitations, invitation_id, org)
    if not await run_in_threadpool(invitations.cancel, row):
        raise HTTPException(409, f"invitation {row.id} is {row.status}: it can no longer be cancelled")
    row = await _own(invitations, invitation_id, org)
    return describe(row, await run_in_threadpool(invitations.results, row))


# --- the signed report page ---------------------------------------------------------------------------
def report_page(invitations: Invitations, row: InvitationRow) -> str:
    """The interviewer's page of an invitation: totals, then each task's report."""
    e = html.escape
    res = invitations.results(row)
    subs = invitations.submissions(row)
    total = "pending" if res["score"] is None else f"{res['score']:g} / {res['max_score']:g} ({res['percent']:g}%)"
    parts = [
        "<!doctype html><html><head><meta charset=utf-8><title>Invitation report</title><style>",
        "body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;color:#1d2330}",
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccd;padding:.4em;text-align:left}",
        ".fail{background:#fff4f4}section{margin:2em 0;border-top:2px solid #e3e6ee}</style></head><body>",
        f"<h1>{e(row.candidate_name)}</h1><p>{e(row.candidate_email)} · status <b>{e(row.status)}</b> · ",
        f"total <b>{e(total)}</b> · checks passed {res['checks_passed']} / {res['checks']}</p>",
        "<table><tr><th>Task</th><th>Status</th><th>Score</th></tr>",
    ]
    for t in res["tasks"]:
        score = "—" if t["score"] is None else f"{t['score']:g} / {t['max_score']:g}"
        parts.append(f"<tr><td>{e(t['task_id'])}</td><td>{e(t['status'])}</td><td>{e(score)}</td></tr>")
    parts.append("</table>")
    for tid in row.task_ids:
        sub = subs.get(tid)
        if sub is not None and sub.report is not None:
            parts.append(f"<section>{reports.html_section(Report.model_validate(sub.report))}</section>")
    parts.append("</body></html>")
    return "".join(parts)


@public.get("/reports/invitations/{invitation_id}")
async def signed_report(
    invitation_id: str,
    store: StoreDep,
    invitations: InvitationsDep,
    expires: int = Query(0, ge=0, le=2**40),
    sig: str = Query("", max_length=128),
) -> HTMLResponse:
    """The invitation's report through a signed, expiring link (Greenhouse's partner_profile_url)."""
    key = await run_in_threadpool(store.link_key)
    if not is_uuid(invitation_id) or not link_valid(key, invitation_id, expires, sig):
        page = "<!doctype html><meta charset=utf-8><title>Link expired</title>"
        page += "<p id=closed-message>This report link is invalid or has expired; "
        page += "open the report again from your hiring tool.</p>"
        return HTMLResponse(page, status_code=403)
    row = await run_in_threadpool(store.invitation, invitation_id)
    if row is None:
        return HTMLResponse("<!doctype html><p>No such invitation.</p>", status_code=404)
    fresh: InvitationRow = await run_in_threadpool(invitations.refresh, row)
    body = await run_in_threadpool(report_page, invitations, fresh)
    return HTMLResponse(body, headers={"Content-Security-Policy": REPORT_CSP, "Cache-Control": "no-store"})
