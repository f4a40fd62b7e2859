"""Greenhouse's Assessment Partner API: the one module that knows Greenhouse.

Greenhouse calls these with HTTP Basic, the organisation's API key as the username and an empty
password: list_tests, send_test (we host, email, grade), test_status, response_error. When an
invitation it sent completes, grader/service/notify.py sends its PATCH to the url it gave, with the
same credential. Another hiring tool (Ashby, Workable) would be another module of this shape over
grader/service/invitations.py (docs/integrations.md).

Greenhouse's conventions: snake_case, `null` for an empty value (never a missing field), and
"complete" as the partner_status once results are in.
"""

from __future__ import annotations

import base64
import binascii
import logging
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError

from grader.service.api.deps import InvitationsDep, SettingsDep, StoreDep
from grader.service.api.errors import error_responses
from grader.service.api.fields import Body, EmailText, HttpUrlText, is_uuid
from grader.service.api.invitations import invite
from grader.service.invitations import COMPLETE, BadInvitation, Invitations, public_base, report_link, tests
from grader.service.store import InvitationRow

log = logging.getLogger(__name__)
ERRORS = error_responses(
    {
        401: "no Basic credential, or not an API key (the key is the username, the password empty)",
        422: "a body or parameter Greenhouse's contract does not allow",
        429: "over GRADER_RATE_LIMIT: retry after Retry-After seconds",
        503: "the database is unreachable: retry later",
        507: "the data dir's disk is full: nothing was stored",
    }
)
router = APIRouter(prefix="/partners/greenhouse", tags=["greenhouse"], responses=ERRORS)
ATS = "greenhouse"
DEFAULT_EXPIRY_H = 7 * 24.0  # a link Greenhouse sends stays valid a week unless opened


def basic_key(request: Request) -> str | None:
    """The username of an `Authorization: Basic` header (the password must be empty), or None."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None
    try:
        user, sep, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if not sep or password or not user:
        return None
    return user


def organisation(request: Request, store: StoreDep) -> str:
    """The organisation whose key Greenhouse sent (401 otherwise)."""
    key = basic_key(request)
    org = store.key_owner(key) if key is not None else None
    if org is None:
        raise HTTPException(
            401,
            "send the organisation's API key as the Basic username with an empty password",
            headers={"WWW-Authenticate": 'Basic realm="dlgrader"'},
        )
    return org


OrgDep = Annotated[str, Depends(organisation)]


class Candidate(Body):
    model_config = ConfigDict(extra="ignore")  # Greenhouse may add properties
    first_name: str | None = Field(default=None, max_length=200)
    last_name: str | None = Field(default=None, max_length=200)
    preferred_name: str | None = Field(default=None, max_length=200)
    email: EmailText
    phone_number: str | None = Field(default=None, max_length=100)
    resume_url: str | None = Field(default=None, max_length=2000)
    greenhouse_profile_url: str | None = Field(default=None, max_length=2000)

    def name(self) -> str:
        full = " ".join(p for p in (self.first_name, self.last_name) if p)
        return " ".join((self.preferred_name or full or self.email).split())[:200]


class SendTest(Body):
    model_config = ConfigDict(extra="ignore")
    partner_test_id: str = Field(min_length=1, max_length=300)
    candidate: Candidate
    sent_by: str | None = Field(default=None, max_length=300)
    url: HttpUrlText


class TestOut(BaseModel):
    partner_test_id: str
    partner_test_name: str


class SentTest(BaseModel):
    partner_interview_id: str


class TestStatus(BaseModel):
    partner_status: str = Field(description='"complete" once graded or expired, else the invitation\'s state')
    partner_profile_url: str | None = Field(description="a signed, expiring link to the HTML report")
    partner_score: float | None = Field(description="percent of the maximum, once complete")
    metadata: dict[str, str | float] | None


@router.get("/list_tests", response_model=list[TestOut])
async def list_tests(org: OrgDep, invitations: InvitationsDep) -> list[dict[str, Any]]:
    """Every pack and task: partner_test_id ("pack:<id>" or "task:<id>", stable) and its name."""
    found = await run_in_threadpool(tests, invitations.catalog)
    return [{"partner_test_id": t.id, "partner_test_name": t.name} for t in found]


@router.post("/send_test", response_model=SentTest, responses=error_responses({404: "no such partner_test_id"}))
async def send_test(
    body: SendTest, request: Request, org: OrgDep, settings: SettingsDep, invitations: InvitationsDep
) -> dict[str, str]:
    """Invite the candidate (emailed) and answer the invitation's id; the same url again answers
    the same id and sends nothing."""
    existing = await run_in_threadpool(invitations.store.invitation_by_ats_url, org, body.url)
    if existing is not None:
        return {"partner_interview_id": existing.id}
    test = next((t for t in await run_in_threadpool(tests, invitations.catalog) if t.id == body.partner_test_id), None)
    if test is None:
        raise HTTPException(404, f"no test {body.partner_test_id[:100]!r} (see list_tests)")

    def create() -> InvitationRow:
        row, _url = invite(
            invitations,
            org_id=org,
            base=public_base(settings, str(request.base_url)),
            task_ids=None if test.pack_id else test.task_ids,
            pack_id=test.pack_id,
            candidate_name=body.candidate.name(),
            candidate_email=body.candidate.email,
            time_limit_minutes=None,
            expires_in_hours=DEFAULT_EXPIRY_H,
            candidate=body.candidate.model_dump(),
            ats=ATS,
            ats_url=body.url,
            ats_auth=request.headers.get("authorization"),
            sent_by=body.sent_by,
        )
        return row

    try:
        row = await run_in_threadpool(create)
    except BadInvitation as exc:
        raise HTTPException(404, str(exc)) from None
    except IntegrityError:
        # Two send_test calls with one url at once: the unique index lets one through.
        again = await run_in_threadpool(invitations.store.invitation_by_ats_url, org, body.url)
        if again is None:
            raise
        row = again
    return {"partner_interview_id": row.id}


def status(invitations: Invitations, row: InvitationRow, *, profile_url: str) -> dict[str, Any]:
    """test_status's answer: every documented field, null when empty; metadata flat strings and numbers."""
    res = invitations.results(row)
    complete = row.status in COMPLETE
    meta: dict[str, Any] = {
        "Status": row.status,
        "Checks passed": f"{res['checks_passed']} / {res['checks']}",
        "Started at": row.opened_at.isoformat() if row.opened_at else "not started",
        "Completed at": row.completed_at.isoformat() if row.completed_at else "not completed",
    }
    if complete:
        meta["Score"] = f"{res['score']:g} / {res['max_score']:g}"
    for t in res["tasks"]:
        meta[t["task_id"]] = t["score"] if t["score"] is not None else t["status"]
    return {
        "partner_status": "complete" if complete else row.status,
        "partner_profile_url": profile_url,
        "partner_score": res["percent"] if complete else None,
        "metadata": meta,
    }


@router.get("/test_status", response_model=TestStatus, responses=error_responses({404: "no such partner_interview_id"}))
async def test_status(
    request: Request,
    org: OrgDep,
    settings: SettingsDep,
    invitations: InvitationsDep,
    partner_interview_id: str = Query(..., min_length=1, max_length=200),
) -> dict[str, Any]:
    """The invitation's status; once graded or expired, "complete" with the score in percent."""
    found: InvitationRow | None = None
    if is_uuid(partner_interview_id):
        found = await run_in_threadpool(invitations.store.invitation, partner_interview_id, org_id=org)
    if found is None:
        raise HTTPException(404, f"no partner_interview_id {partner_interview_id[:100]!r}")
    row: InvitationRow = await run_in_threadpool(invitations.refresh, found)
    key = await run_in_threadpool(invitations.store.link_key)
    link = report_link(
        public_base(settings, str(request.base_url)),
        key,
        row.id,
        valid_for=timedelta(days=settings.report_link_days),
    )
    return await run_in_threadpool(lambda: status(invitations, row, profile_url=link))


@router.post("/response_error", response_model=dict[str, str])
async def response_error(request: Request, org: OrgDep) -> dict[str, Any]:
    """Greenhouse reports that one of our answers was unusable: logged for the operator."""
    raw = (await request.body())[:4096]
    log.warning("greenhouse response_error for organisation %s: %s", org, raw.decode("utf-8", "replace"))
    return {}
