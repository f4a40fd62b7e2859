"""/take/{token}: the candidate's page and the JSON behind it. No API key: the link's token is the
credential (only its hash is stored). The server keeps the time: after the deadline it refuses code
(410) and submits the saved drafts itself. The candidate never sees references, hidden inputs or
the judge's details; with the organisation's candidate view on, a graded link shows the candidate
view of the reports."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from grader import reports
from grader.models import Report
from grader.service.api.closed_page import closed_page
from grader.service.api.deps import InvitationsDep, SettingsDep
from grader.service.api.errors import validation_message
from grader.service.api.fields import Body
from grader.service.invitations import (
    AlreadySubmitted,
    BadInvitation,
    Closed,
    Invitations,
    InvitationState,
    closed_reason,
)
from grader.service.store import InvitationRow, utcnow

router = APIRouter(include_in_schema=False)
PAGE = Path(__file__).parent / "static" / "take.html"
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
PAGE_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'"
)


class CodeIn(Body):
    model_config = ConfigDict(extra="forbid")
    code: str


class TaskCodeIn(CodeIn):
    task_id: str = Field(min_length=1, max_length=200)


def _row(invitations: Invitations, token: str) -> InvitationRow | None:
    if not TOKEN.match(token):
        return None
    return invitations.by_token(token)


async def _body(request: Request, model: type[BaseModel], max_kib: int) -> Any:
    raw = await request.body()
    if len(raw) > max_kib * 1024 * 6 + 4096:  # JSON escapes at most 6 bytes per byte of code
        raise HTTPException(413, f"code over {max_kib} KiB (GRADER_MAX_SUBMISSION_KIB)")
    try:
        body = model.model_validate_json(raw)
    except ValidationError as exc:
        raise HTTPException(422, validation_message(exc.errors())) from None
    code = getattr(body, "code", "")
    if len(code.encode("utf-8", "surrogatepass")) > max_kib * 1024:
        raise HTTPException(413, f"code over {max_kib} KiB (GRADER_MAX_SUBMISSION_KIB)")
    return body


async def _found(invitations: Invitations, token: str) -> InvitationRow:
    """The link's invitation (404 when there is none); whether it still takes code is for the
    Invitations method the route calls to say (Closed: a 410)."""
    row = await run_in_threadpool(_row, invitations, token)
    if row is None:
        raise HTTPException(404, "this link is not valid: check that you copied all of it")
    return row


def _state(invitations: Invitations, row: InvitationRow) -> dict[str, Any]:
    """What the page shows: the tasks as a candidate sees them, drafts, the time left."""
    drafts = invitations.store.drafts(row.id)
    subs = invitations.submissions(row)
    org = invitations.store.org(row.org_id)
    tasks = []
    for tid in row.task_ids:
        spec = invitations.catalog.get(tid).spec
        tasks.append(
            {
                "id": tid,
                "title": spec.title,
                "minutes": spec.minutes,
                "statement": spec.statement,
                "starter": spec.starter,
                "draft": drafts.get(tid),
                "submitted": subs.get(tid) is not None,
            }
        )
    assert row.deadline is not None
    return {
        "candidate": {"name": row.candidate_name},
        "organisation": org.name if org else "",
        "status": row.status,
        "deadline": row.deadline.isoformat(),
        "seconds_left": max(0, int((row.deadline - utcnow()).total_seconds())),
        "time_limit_minutes": row.time_limit_minutes,
        "finished": row.status != InvitationState.opened,
        "tasks": tasks,
    }


def _closed(invitations: Invitations, row: InvitationRow) -> HTMLResponse:
    """A used, expired or cancelled link: a page saying so (with the candidate view of the reports
    when the organisation shows them and they are in)."""
    page = closed_page("This test is closed", closed_reason(row))
    org = invitations.store.org(row.org_id)
    if org is not None and org.candidate_view and row.status == InvitationState.graded:
        sections = []
        for sub in invitations.submissions(row).values():
            if sub is not None and sub.report is not None:
                view = reports.for_candidate(Report.model_validate(sub.report))
                sections.append(f"<section class=report>{reports.html_section(view)}</section>")
        page = page.replace("</body>", "".join(sections) + "</body>", 1)
    return HTMLResponse(page, status_code=410, headers={"Cache-Control": "no-store"})


@router.get("/take/{token}")
async def take_page(token: str, invitations: InvitationsDep) -> Response:
    """The page itself. Fetching it changes nothing (a mail scanner following the link does not start
    the clock); the page's first call for its state does."""
    row = await run_in_threadpool(_row, invitations, token)
    if row is None:
        page = closed_page("Link not found", "This link is not valid: check that you copied all of it.")
        return HTMLResponse(page, status_code=404)
    fresh: InvitationRow = await run_in_threadpool(invitations.refresh, row)
    if fresh.status not in (InvitationState.sent, InvitationState.opened):
        return await run_in_threadpool(_closed, invitations, fresh)
    return HTMLResponse(
        PAGE.read_text(encoding="utf-8"),
        headers={"Cache-Control": "no-store", "Content-Security-Policy": PAGE_CSP, "Referrer-Policy": "no-referrer"},
    )


@router.get("/take/{token}/state")
async def take_state(token: str, invitations: InvitationsDep) -> JSONResponse:
    """The tasks, drafts and time left; the first call starts the clock."""
    try:
        row = await run_in_threadpool(invitations.usable, await _found(invitations, token))
    except Closed as exc:
        raise HTTPException(410, str(exc)) from None
    state = await run_in_threadpool(_state, invitations, row)
    return JSONResponse(state, headers={"Cache-Control": "no-store"})


@router.put("/take/{token}/drafts/{task_id}", status_code=204)
async def save_draft(token: str, task_id: str, request: Request, invitations: InvitationsDep, settings: SettingsDep):
    """Keep what the candidate typed (410 once the time is up)."""
    body = await _body(request, CodeIn, settings.max_submission_kib)
    row = await _found(invitations, token)
    try:
        await run_in_threadpool(invitations.save_draft, row, task_id, body.code)
    except Closed as exc:
        raise HTTPException(410, str(exc)) from None
    except BadInvitation as exc:
        raise HTTPException(404, str(exc)) from None
    return Response(status_code=204)


@router.post("/take/{token}/submissions", status_code=202)
async def submit_task(token: str, request: Request, invitations: InvitationsDep, settings: SettingsDep) -> JSONResponse:
    """Grade one task's code (once per task)."""
    body = await _body(request, TaskCodeIn, settings.max_submission_kib)
    row = await _found(invitations, token)
    try:
        sub = await run_in_threadpool(invitations.submit, row, body.task_id, body.code)
    except Closed as exc:
        raise HTTPException(410, str(exc)) from None
    except AlreadySubmitted as exc:
        raise HTTPException(409, str(exc)) from None
    except BadInvitation as exc:
        raise HTTPException(404 if exc.not_found else 422, str(exc)) from None
    return JSONResponse({"task_id": body.task_id, "submission_id": sub.id}, status_code=202)


@router.post("/take/{token}/finish")
async def finish(token: str, invitations: InvitationsDep) -> JSONResponse:
    """The candidate is done: the saved drafts of tasks not submitted are submitted."""
    row = await _found(invitations, token)
    try:
        row = await run_in_threadpool(invitations.finish, row)
    except Closed as exc:
        raise HTTPException(410, str(exc)) from None
    return JSONResponse({"status": row.status, "message": closed_reason(row)})
