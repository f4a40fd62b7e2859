"""POST /v1/submissions and reading a submission, its report and its webhook deliveries."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from grader import reports
from grader.models import Report
from grader.service import regrade, similar, webhooks
from grader.service.api.deps import OwnerDep, QueueDep, SettingsDep, StoreDep, TasksDep
from grader.service.api.errors import error_responses, validation_message
from grader.service.api.fields import HttpUrlText, is_uuid
from grader.service.dispatch import QueueUnavailable
from grader.service.invitations import RESERVED_KEY_PREFIX
from grader.service.store import IdempotencyConflict, State, SubmissionRow
from grader.submissions import SubmissionRejected, parse_submission
from grader.taskspec import TaskInvalid, TaskNotFound

router = APIRouter(tags=["submissions"])
METADATA_MAX_BYTES = 16 * 1024
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


class SubmissionIn(BaseModel):
    """A candidate's code for one task."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"task_id": "numpy-standardize", "code": "import numpy as np\n", "candidate_id": "c-42"}]
        },
    )
    task_id: str = Field(min_length=1, max_length=200)
    code: str
    candidate_id: str | None = Field(default=None, max_length=200)
    callback_url: HttpUrlText | None = Field(default=None, description="receives the signed submission.graded event")
    metadata: dict[str, Any] | None = None


Lifecycle = Literal["queued", "running", "completed"]  # store.State
Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]  # ISO 8601, UTC


class SubmissionCreated(BaseModel):
    id: str
    status: Lifecycle


class SubmissionOut(BaseModel):
    """A submission; result, score, max_score and report only once it is completed."""

    id: str
    task_id: str
    candidate_id: str | None
    status: Lifecycle
    metadata: dict[str, Any] | None
    created_at: Timestamp
    started_at: Timestamp | None
    graded_at: Timestamp | None
    result: str | None = Field(default=None, description="the report's status: graded, timeout, ...")
    score: float | None = None
    max_score: float | None = None
    report: Report | None = None


class DeliveryOut(BaseModel):
    """One webhook delivery attempt to one target."""

    event_id: str
    endpoint_id: str | None = Field(default=None, description="null: the submission's callback_url")
    attempt: int
    url: str
    status_code: int | None
    error: str | None = Field(description="null when delivered, else a category (webhooks.md)")
    started_at: Timestamp
    finished_at: Timestamp
    next_retry_at: Timestamp | None


NOT_FOUND = {404: "no such submission (or another key's)"}


def _fail(status: int, message: str) -> HTTPException:
    return HTTPException(status, message)


MAX_JSON_DEPTH = 32


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in a JSON text (strings skipped), without parsing it, so
    a body nested a million deep is refused before it can exhaust the parser's stack."""
    depth = deepest = 0
    in_string = escaped = False
    for c in text:
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}":
            depth -= 1
    return deepest


def _text(value: Any, where: str) -> None:
    """Refuse strings a database cannot store: NUL characters (PostgreSQL text and JSON refuse
    them) and lone surrogates from JSON \\ud800 escapes (not UTF-8). Keys count as strings."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, str):
            if "\x00" in v:
                raise _fail(422, f"{where} contains a NUL character (\\u0000), which cannot be stored")
            try:
                v.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise _fail(422, f"{where} is not valid UTF-8 text (lone surrogate at character {exc.start})") from None


def parse_body(raw: bytes, *, max_kib: int) -> SubmissionIn:
    """Validate the raw request body, with one clear message per problem."""
    if len(raw) > max_kib * 1024 * 6 + 64 * 1024:  # the code may be JSON-escaped (up to 6 bytes a character)
        raise _fail(413, f"request body is {len(raw)} bytes, over the limit for {max_kib} KiB of code")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(422, f"request body is not valid UTF-8 (bad byte at offset {exc.start})") from None
    if json_depth(text) > MAX_JSON_DEPTH:
        raise _fail(422, f"request body nests arrays/objects deeper than {MAX_JSON_DEPTH} levels")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(422, f"request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise _fail(422, "request body must be a JSON object with task_id and code")
    try:
        body = SubmissionIn.model_validate(data)
    except ValidationError as exc:
        raise _fail(422, validation_message(exc.errors())) from None
    for field in ("task_id", "code", "candidate_id", "callback_url", "metadata"):
        _text(getattr(body, field), field)
    if body.metadata is not None and len(json.dumps(body.metadata)) > METADATA_MAX_BYTES:
        raise _fail(422, f"metadata is over {METADATA_MAX_BYTES // 1024} KiB")
    return body


OPENAPI_BODY = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": SubmissionIn.model_json_schema()}}}
}


@router.post(
    "/submissions",
    status_code=202,
    response_model=SubmissionCreated,
    openapi_extra=OPENAPI_BODY,
    responses=error_responses(
        {
            409: "the Idempotency-Key was used before with a different body",
            413: "code over GRADER_MAX_SUBMISSION_KIB",
            422: "an unknown task, a missing field, text that is not UTF-8 or holds a NUL, nesting too deep",
            503: "stored but not queued (the broker is unreachable): retry with the same Idempotency-Key",
        }
    ),
)
async def create_submission(
    request: Request,
    key_id: OwnerDep,
    settings: SettingsDep,
    store: StoreDep,
    queue: QueueDep,
    catalog: TasksDep,
    idempotency_key: str | None = Header(
        default=None, max_length=200, description="same key and body → same submission"
    ),
) -> JSONResponse:
    """Queue a submission for grading; 202 with its id."""
    if idempotency_key is not None and idempotency_key.startswith(RESERVED_KEY_PREFIX):
        raise _fail(422, f"Idempotency-Key values starting with {RESERVED_KEY_PREFIX!r} are reserved for invitations")
    body = parse_body(await request.body(), max_kib=settings.max_submission_kib)
    try:
        task = await run_in_threadpool(catalog.get, body.task_id)
    except TaskNotFound:
        raise _fail(422, f"unknown task {body.task_id!r} (see GET /v1/tasks)") from None
    except TaskInvalid as exc:
        raise _fail(500, str(exc)) from None
    try:
        sub = parse_submission(
            body.code.encode("utf-8"),
            task_id=task.id,
            max_kib=settings.max_submission_kib,
            candidate_id=body.candidate_id,
            name="code",
        )
    except SubmissionRejected as exc:
        raise _fail(413 if exc.too_large else 422, str(exc)) from None

    def store_it() -> tuple[SubmissionRow, bool]:
        return store.add_submission(
            sub,
            owner_id=key_id,
            callback_url=body.callback_url,
            metadata=body.metadata,
            idempotency_key=idempotency_key,
            priority="interactive",
        )

    try:
        row, created = await run_in_threadpool(store_it)
    except IdempotencyConflict as exc:
        raise _fail(409, str(exc)) from None
    if created or row.status == State.queued:  # a replay re-enqueues a job that may never have been published
        try:
            await run_in_threadpool(lambda: queue.enqueue(row.id, spec=task.spec, priority=row.priority))
        except QueueUnavailable as exc:
            raise _fail(
                503, f"submission {row.id} stored but not queued ({exc}); retry with the same Idempotency-Key"
            ) from None
    return JSONResponse({"id": row.id, "status": row.status}, status_code=202)


async def _own(store, submission_id: str, key_id: str) -> SubmissionRow:
    if not is_uuid(submission_id):
        raise _fail(404, f"no submission {submission_id[:100]!r}")
    row = await run_in_threadpool(store.get, submission_id, owner_id=key_id)
    if row is None:
        raise _fail(404, f"no submission {submission_id!r}")
    return row


def _iso(dt) -> str | None:
    return dt.isoformat() if dt is not None else None


@router.get(
    "/submissions/{submission_id}",
    response_model=SubmissionOut,
    response_model_exclude_unset=True,
    responses=error_responses(NOT_FOUND),
)
async def get_submission(submission_id: str, store: StoreDep, key_id: OwnerDep) -> dict:
    """Status (queued, running, completed) and, once completed, the JSON report."""
    row = await _own(store, submission_id, key_id)
    out = {
        "id": row.id,
        "task_id": row.task_id,
        "candidate_id": row.candidate_id,
        "status": row.status,
        "metadata": row.meta,
        "created_at": _iso(row.created_at),
        "started_at": _iso(row.started_at),
        "graded_at": _iso(row.graded_at),
    }
    if row.status == State.completed and row.report is not None:
        out["result"] = row.result_status
        out["score"] = row.report.get("score")
        out["max_score"] = row.report.get("max_score")
        out["report"] = row.report
    return out


@router.get(
    "/submissions/{submission_id}/report",
    response_model=Report,
    responses={
        200: {
            "description": "the report: JSON (format=json), Markdown or HTML",
            "content": {"text/markdown": {"schema": {"type": "string"}}, "text/html": {"schema": {"type": "string"}}},
        },
        **error_responses({**NOT_FOUND, 409: "not graded yet"}),
    },
)
async def get_report(
    submission_id: str,
    store: StoreDep,
    key_id: OwnerDep,
    format: Literal["json", "markdown", "html"] = Query("json"),
    view: Literal["interviewer", "candidate"] = Query(
        "interviewer", description="candidate: hidden checks without the judge's details"
    ),
) -> Response:
    """The report as JSON, Markdown or HTML (409 while not graded)."""
    row = await _own(store, submission_id, key_id)
    if row.status != State.completed:
        raise _fail(409, f"submission {submission_id} is {row.status}; the report is not ready yet")
    report = row.report_model()
    if view == "candidate":
        report = reports.for_candidate(report)
    if format == "markdown":
        return PlainTextResponse(reports.to_markdown(report), media_type="text/markdown; charset=utf-8")
    if format == "html":
        # Escaped already; the policy is a second wall: no script, no fetch, only its inline style.
        return HTMLResponse(reports.to_html(report), headers={"Content-Security-Policy": REPORT_CSP})
    return Response(reports.to_json(report), media_type="application/json")


@router.get(
    "/submissions/{submission_id}/deliveries", response_model=list[DeliveryOut], responses=error_responses(NOT_FOUND)
)
async def get_deliveries(submission_id: str, store: StoreDep, key_id: OwnerDep) -> list[dict]:
    """The webhook delivery log: one row per attempt and target (endpoint_id null: the callback_url);
    error is null when delivered, else a category (webhooks.md)."""
    await _own(store, submission_id, key_id)
    rows = await run_in_threadpool(store.deliveries, submission_id)
    return [
        {
            "event_id": d.event_id,
            "endpoint_id": d.endpoint_id or None,
            "attempt": d.attempt,
            "url": d.url,
            "status_code": d.status_code,
            "error": webhooks.category(d.error),
            "started_at": _iso(d.started_at),
            "finished_at": _iso(d.finished_at),
            "next_retry_at": _iso(d.next_retry_at),
        }
        for d in rows
    ]


class VersionOut(BaseModel):
    """One report a submission was given (a regrade adds one)."""

    version: int
    graded_at: Timestamp
    status: str
    score: float | None
    task_version: str
    rubric_sha256: str = Field(description="sha256 of the rubric and probes that scored it")


class RegradeOut(BaseModel):
    id: str
    status: Lifecycle
    versions: int = Field(description="reports so far; the regrade will add one")


def _version_out(v) -> dict:
    return {
        "version": v.version,
        "graded_at": _iso(v.graded_at),
        "status": v.status,
        "score": v.score,
        "task_version": v.task_version,
        "rubric_sha256": v.rubric_sha256,
    }


@router.post(
    "/submissions/{submission_id}/regrade",
    status_code=202,
    response_model=RegradeOut,
    responses=error_responses(
        {**NOT_FOUND, 409: "not graded yet (queued or running)", 422: "its task can no longer be loaded"}
    ),
)
async def regrade_submission(
    submission_id: str, store: StoreDep, queue: QueueDep, catalog: TasksDep, org: OwnerDep
) -> JSONResponse:
    """Grade a completed submission again into a new report version (earlier versions are kept)."""
    row = await _own(store, submission_id, org)
    try:
        again = await run_in_threadpool(regrade.regrade, store, queue, catalog, org_id=org, submission_id=submission_id)
    except regrade.NotRegradable as exc:
        raise _fail(422, str(exc)) from None
    except QueueUnavailable as exc:
        raise _fail(503, f"submission {submission_id} is queued for its regrade but not sent ({exc})") from None
    if again is None:
        raise _fail(409, f"submission {submission_id} is {row.status}: it can be regraded once it is completed")
    versions = await run_in_threadpool(store.report_versions, submission_id)
    return JSONResponse({"id": again.id, "status": again.status, "versions": len(versions)}, status_code=202)


@router.get(
    "/submissions/{submission_id}/versions", response_model=list[VersionOut], responses=error_responses(NOT_FOUND)
)
async def list_versions(submission_id: str, store: StoreDep, org: OwnerDep) -> list[dict]:
    """Every report of the submission, oldest first, with what produced each."""
    await _own(store, submission_id, org)
    return [_version_out(v) for v in await run_in_threadpool(store.report_versions, submission_id)]


@router.get(
    "/submissions/{submission_id}/versions/{version}",
    response_model=Report,
    responses=error_responses({404: "no such submission or version"}),
)
async def get_version(submission_id: str, version: int, store: StoreDep, org: OwnerDep) -> Response:
    """One report version as JSON."""
    await _own(store, submission_id, org)
    for v in await run_in_threadpool(store.report_versions, submission_id):
        if v.version == version:
            return Response(reports.to_json(Report.model_validate(v.report)), media_type="application/json")
    raise _fail(404, f"submission {submission_id} has no report version {version}")


class RegionOut(BaseModel):
    a_first: int = Field(description="first line of the region in this submission")
    a_last: int
    b_first: int = Field(description="first line of the region in the other submission")
    b_last: int
    tokens: int


class SimilarOut(BaseModel):
    """Another submission of the same task and organisation, and what the two share."""

    submission_id: str
    candidate_id: str | None
    score: float = Field(description="share of the smaller one's non-starter fingerprints found in the other")
    shared_tokens: int = Field(description="normalised tokens of non-starter code the two share")
    flagged: bool = Field(description="over the threshold of docs/similarity.md: worth a look by a person")
    regions: list[RegionOut]


@router.get(
    "/submissions/{submission_id}/similar", response_model=list[SimilarOut], responses=error_responses(NOT_FOUND)
)
async def get_similar(
    submission_id: str, store: StoreDep, catalog: TasksDep, org: OwnerDep, top: int = Query(5, ge=1, le=50)
) -> list[dict]:
    """The organisation's submissions of the same task most like this one, highest first (empty
    until it is graded). The starter code never counts; a flag is a prompt to look, not a verdict."""
    row = await _own(store, submission_id, org)
    return await run_in_threadpool(similar.similar_to, store, catalog, row, top)
