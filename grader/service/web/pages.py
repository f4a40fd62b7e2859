"""The dashboard's pages: sign-in, the organisation's submissions (filters, CSV), one submission
(checks, code with the failing line, output, integrity, similar, versions, regrade, a share
link), the signed candidate view, and the submit form. Every page shows only the signed-in
user's organisation's data; another organisation's object is a 404."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import math
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from markupsafe import Markup

import grader.service.web.auth as auth
from grader import reports
from grader.models import Report
from grader.service.store import State, Store, SubmissionRow, utcnow
from grader.service.web.auth import CsrfUserDep, PageError, SignInRequired, UserDep, WebUser
from grader.service.web.render import (
    HEADERS,
    STATIC,
    STATIC_URL,
    STATUSES,
    csv_cell,
    env,
    failing_lines,
    highlighted,
    render,
)

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
SHARE_FOR = timedelta(days=7)
NOTICES = {
    "regrade": ("ok", "Queued for a regrade: a new report version will appear here."),
    "busy": ("warn", "Not regraded: this submission is still being graded."),
}


def state(row: SubmissionRow) -> str:
    """queued/running, then the report's status."""
    return (row.result_status or "graded") if row.status == State.completed else row.status


env.globals["state"] = state


def _services(request: Request) -> Any:
    return request.app.state.services


def _is_id(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def own_submission(request: Request, user: WebUser, submission_id: str) -> SubmissionRow:
    """The organisation's submission, or the 404 page (another organisation's looks the same)."""
    row = _services(request).store.get(submission_id, owner_id=user.org_id) if _is_id(submission_id) else None
    if row is None:
        raise PageError(404, "No such submission", "It does not exist, or it is not your organisation's.")
    return row


# --- sign in, sign out ------------------------------------------------------------------------------
@router.get("/login")
def login_form(request: Request, next: str = Query("/submissions", max_length=2000), signed_out: int = 0) -> Response:
    if auth.session_user(request) is not None:
        return RedirectResponse(auth.safe_next(next), status_code=303)
    return login_page(request, next=auth.safe_next(next), signed_out=bool(signed_out))


def login_page(request: Request, *, status: int = 200, **context: Any) -> Response:
    """The sign-in form, with its double-submit token in the form and in a cookie."""
    token = auth.login_token(request)
    page = render(
        request, "login.html", status=status, csrf=token, **{"email": "", "error": "", "signed_out": False, **context}
    )
    auth.set_login_token(request, page, token)
    return page


@router.post("/login")
def login(
    request: Request,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=4096)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/submissions",
) -> Response:
    if not auth.login_csrf_ok(request, csrf):
        raise PageError(403, "This form has expired", "Reload the sign-in page and try again.")
    from grader.service.web.accounts import authenticate

    user = authenticate(_services(request).store, email, password)
    if user is None:
        return login_page(request, status=401, next=auth.safe_next(next), email=email, error="Wrong email or password.")
    response = RedirectResponse(auth.safe_next(next), status_code=303)
    auth.start_session(request, response, user)
    return response


@router.post("/logout")
def logout(request: Request, user: CsrfUserDep) -> Response:
    response = RedirectResponse("/login?signed_out=1", status_code=303)
    auth.end_session(request, response, user)
    return response


# --- the submissions ------------------------------------------------------------------------------------
@dataclass
class Filters:
    """The list's query, as typed (strings, so the form shows them back) and parsed."""

    task: str = ""
    candidate: str = ""
    status: str = ""
    score_min: str = ""
    score_max: str = ""
    since: str = ""
    until: str = ""
    sort: str = "date"
    order: str = "desc"

    def query(self, **extra: Any) -> str:
        items = {k: v for k, v in vars(self).items() if v not in ("", None)}
        items.update({k: v for k, v in extra.items() if v is not None})
        if items.get("sort") == "date":
            items.pop("sort")
        if items.get("order") == "desc":
            items.pop("order")
        return ("?" + urlencode(items)) if items else ""

    def parsed(self) -> tuple[dict[str, Any], list[str]]:
        """Store.org_submissions keyword arguments, and a notice per value that was ignored."""
        notices: list[str] = []
        out: dict[str, Any] = {
            "task_id": self.task or None,
            "candidate": self.candidate.strip() or None,
            "sort": self.sort if self.sort in ("date", "score", "task") else "date",
            "descending": self.order != "asc",
        }
        if self.status and self.status not in STATUSES:
            notices.append(f"Unknown status {self.status!r}: ignored.")
        else:
            out["status"] = self.status or None
        for name, key in (("score_min", "score_min"), ("score_max", "score_max")):
            raw = getattr(self, name).strip()
            if raw:
                try:
                    value = float(raw)
                    if not math.isfinite(value):
                        raise ValueError(raw)
                    out[key] = value
                except ValueError:
                    notices.append(f"{raw!r} is not a score: ignored.")
        for name, key, shift in (("since", "since", 0), ("until", "until", 1)):
            raw = getattr(self, name).strip()
            if raw:
                try:
                    day = date.fromisoformat(raw)
                    out[key] = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=shift)
                except ValueError:
                    notices.append(f"{raw!r} is not a date (YYYY-MM-DD): ignored.")
        return out, notices

    @property
    def active(self) -> bool:
        return any((self.task, self.candidate, self.status, self.score_min, self.score_max, self.since, self.until))


def filters(
    task: str = Query("", max_length=200),
    candidate: str = Query("", max_length=200),
    status: str = Query("", max_length=32),
    score_min: str = Query("", max_length=32),
    score_max: str = Query("", max_length=32),
    since: str = Query("", max_length=32),
    until: str = Query("", max_length=32),
    sort: str = Query("date", max_length=16),
    order: str = Query("desc", max_length=8),
) -> Filters:
    return Filters(task, candidate, status, score_min, score_max, since, until, sort, order)


FiltersDep = Annotated[Filters, Depends(filters)]


@router.get("/submissions")
def submissions_page(request: Request, user: UserDep, f: FiltersDep, page: int = Query(1, ge=1, le=10**6)) -> Response:
    store: Store = _services(request).store
    kwargs, notices = f.parsed()
    rows, total = store.org_submissions(user.org_id, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, **kwargs)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    return render(
        request,
        "submissions.html",
        user=user,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        page_url=lambda n: "/submissions" + f.query(page=n if n > 1 else None),
        f=f,
        filtered=f.active,
        notices=notices,
        task_ids=sorted(set(store.org_task_ids(user.org_id)) | ({f.task} if f.task else set())),
        statuses=STATUSES,
        query_string=f.query(),
    )


CSV_COLUMNS = (
    "id",
    "created_at",
    "task_id",
    "candidate_id",
    "status",
    "score",
    "max_score",
    "checks_passed",
    "checks",
    "graded_at",
    "grading_s",
)


def csv_row(row: SubmissionRow) -> list[str]:
    report = row.report or {}
    checks = report.get("checks") or []
    values: list[Any] = [
        row.id,
        row.created_at.isoformat(),
        row.task_id,
        row.candidate_id,
        state(row),
        report.get("score"),
        report.get("max_score"),
        sum(1 for c in checks if c.get("passed")) if row.report else None,
        len(checks) if row.report else None,
        row.graded_at.isoformat() if row.graded_at else None,
        f"{row.grading_s:.3f}" if row.grading_s is not None else None,
    ]
    return [csv_cell(v) for v in values]


@router.get("/submissions.csv")
def submissions_csv(request: Request, user: UserDep, f: FiltersDep) -> Response:
    kwargs, _ = f.parsed()
    rows, _total = _services(request).store.org_submissions(user.org_id, limit=None, **kwargs)

    def lines():
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            writer.writerow(csv_row(row))
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
        yield buf.getvalue()

    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return StreamingResponse(
        lines(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="submissions-{stamp}.csv"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


# --- one submission ------------------------------------------------------------------------------------
def share_signature(key: str, submission_id: str, expires: int) -> str:
    return hmac.new(key.encode(), f"submission-share:{submission_id}:{expires}".encode(), hashlib.sha256).hexdigest()


def share_link(base: str, key: str, submission_id: str, *, valid_for: timedelta = SHARE_FOR) -> tuple[str, datetime]:
    expires_at = utcnow() + valid_for
    expires = int(expires_at.timestamp())
    sig = share_signature(key, submission_id, expires)
    return f"{base}/shared/submissions/{submission_id}?expires={expires}&sig={sig}", expires_at


def share_valid(key: str, submission_id: str, expires: int, sig: str) -> bool:
    if expires < int(utcnow().timestamp()):
        return False
    return hmac.compare_digest(share_signature(key, submission_id, expires), sig)


def similar_of(request: Request, row: SubmissionRow) -> list[dict[str, Any]]:
    """Similar submissions of the same organisation and task, when grader.service.similar exists."""
    try:
        from grader.service.similar import similar_to
    except ImportError:
        return []
    services = _services(request)
    try:
        return list(similar_to(services.store, services.tasks, row, top=5))
    except Exception:  # noqa: BLE001 - a signal for the interviewer; the page stands without it
        return []


def versions_of(store: Store, submission_id: str) -> list[Any]:
    report_versions = getattr(store, "report_versions", None)
    return list(report_versions(submission_id)) if report_versions is not None else []


@router.get("/submissions/{submission_id}")
def submission_page(
    request: Request, user: UserDep, submission_id: str, notice: str = Query("", max_length=32)
) -> Response:
    from grader.service.invitations import public_base

    services = _services(request)
    row = own_submission(request, user, submission_id)
    report = Report.model_validate(row.report) if row.status == State.completed and row.report else None
    failing = failing_lines(report)
    outputs = [
        (n, getattr(report, n)) for n in ("stdout", "stderr") if report is not None and getattr(report, n).strip()
    ]
    versions = versions_of(services.store, row.id) if report is not None else []
    url, expires_at = share_link(
        public_base(services.settings, str(request.base_url)), services.store.link_key(), row.id
    )
    return render(
        request,
        "submission.html",
        user=user,
        row=row,
        report=report,
        state=state(row),
        passed=sum(1 for c in report.checks if c.passed) if report else 0,
        failing=failing,
        code_html=highlighted(row.code, marked=failing, label="The candidate's code"),
        outputs=outputs,
        similar=similar_of(request, row) if report is not None else [],
        versions=versions if len(versions) > 1 else [],
        share_url=url,
        share_expires=expires_at,
        notice=NOTICES.get(notice),
    )


@router.get("/submissions/{submission_id}/status.json")
def submission_status(request: Request, submission_id: str) -> Response:
    """The live status the submission page polls (session-authenticated, never redirected)."""
    user = auth.session_user(request)
    if user is None:
        return JSONResponse({"detail": "not signed in"}, status_code=401, headers={"Cache-Control": "no-store"})
    row = _services(request).store.get(submission_id, owner_id=user.org_id) if _is_id(submission_id) else None
    if row is None:
        return JSONResponse({"detail": "no such submission"}, status_code=404, headers={"Cache-Control": "no-store"})
    body = {"id": row.id, "status": row.status, "result": row.result_status if row.status == State.completed else None}
    if row.status == State.completed and row.report:
        body["score"], body["max_score"] = row.report.get("score"), row.report.get("max_score")
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.post("/submissions/{submission_id}/regrade")
def regrade_submission(request: Request, user: CsrfUserDep, submission_id: str) -> Response:
    from grader.service.dispatch import QueueUnavailable
    from grader.service.regrade import NotRegradable, regrade

    services = _services(request)
    own_submission(request, user, submission_id)
    try:
        again = regrade(services.store, services.queue, services.tasks, org_id=user.org_id, submission_id=submission_id)
    except NotRegradable as exc:
        raise PageError(409, "This submission cannot be regraded", str(exc)) from None
    except QueueUnavailable as exc:
        raise PageError(
            503, "Queued, not yet sent", f"The regrade is stored but the queue is unreachable ({exc})."
        ) from None
    return RedirectResponse(f"/submissions/{submission_id}?notice={'regrade' if again else 'busy'}", status_code=303)


@router.get("/shared/submissions/{submission_id}")
def shared_submission(
    request: Request,
    submission_id: str,
    expires: int = Query(0, ge=0, le=2**40),
    sig: str = Query("", max_length=128),
) -> Response:
    """The candidate's view of a report through a signed, expiring link (no sign-in, no hidden details)."""
    store: Store = _services(request).store
    if not _is_id(submission_id) or not share_valid(store.link_key(), submission_id, expires, sig):
        raise PageError(403, "This link is invalid or has expired", "Ask for a new link.")
    row = store.get(submission_id, any_owner=True)
    if row is None:
        raise PageError(404, "No such submission")
    report = Report.model_validate(row.report) if row.status == State.completed and row.report else None
    section = Markup(reports.html_section(reports.for_candidate(report))) if report is not None else None  # noqa: S704 - escaped by reports
    return render(request, "shared.html", row=row, section=section)


# --- submit code -------------------------------------------------------------------------------------------
def _task_choices(request: Request) -> list[Any]:
    return list(_services(request).tasks.loadable())


@router.get("/submit")
def submit_form(request: Request, user: UserDep, task: str = Query("", max_length=200)) -> Response:
    tasks = _task_choices(request)
    chosen = next((t for t in tasks if t.id == task), tasks[0] if tasks else None)
    return render(
        request,
        "submit.html",
        user=user,
        tasks=tasks,
        chosen=chosen.id if chosen else "",
        code=chosen.spec.starter if chosen else "",
        candidate="",
        error="",
        max_kib=_services(request).settings.max_submission_kib,
    )


@router.post("/submit")
def submit(
    request: Request,
    user: CsrfUserDep,
    task: Annotated[str, Form(max_length=200)] = "",
    code: Annotated[str, Form()] = "",
    candidate: Annotated[str, Form()] = "",
) -> Response:
    from grader.service.dispatch import QueueUnavailable
    from grader.submissions import SubmissionRejected, parse_submission
    from grader.taskspec import TaskInvalid, TaskNotFound

    services = _services(request)
    settings = services.settings

    def again(error: str, status: int = 422) -> Response:
        return render(
            request,
            "submit.html",
            status=status,
            user=user,
            tasks=_task_choices(request),
            chosen=task,
            code=code,
            candidate=candidate,
            error=error,
            max_kib=settings.max_submission_kib,
        )

    candidate_id = candidate.strip() or None
    if candidate_id is not None and (len(candidate_id) > 200 or any(ord(c) < 32 for c in candidate_id)):
        return again("The candidate id must be one line of at most 200 characters.")
    if "\x00" in code:
        return again("The code contains a NUL character, which cannot be stored.")
    try:
        found = services.tasks.get(task)
    except (TaskNotFound, TaskInvalid):
        return again(f"Unknown task {task!r}: pick one from the list.")
    try:
        sub = parse_submission(
            code.encode("utf-8", "surrogatepass"),
            task_id=found.id,
            max_kib=settings.max_submission_kib,
            candidate_id=candidate_id,
            name="code",
        )
        sub.code.encode("utf-8")
    except SubmissionRejected as exc:
        return again(f"Rejected: {exc}", 413 if exc.too_large else 422)
    except UnicodeEncodeError:
        return again("The code is not valid UTF-8 text.")
    if not sub.code.strip():
        return again("Paste the candidate's code first: the editor is empty.")
    row, _ = services.store.add_submission(sub, owner_id=user.org_id, priority="interactive")
    try:
        services.queue.enqueue(row.id, spec=found.spec, priority="interactive")
    except QueueUnavailable as exc:
        raise PageError(
            503, "Stored, not yet queued", f"The queue is unreachable ({exc}); it is retried on restart."
        ) from None
    return RedirectResponse(f"/submissions/{row.id}", status_code=303)


@router.get("/")
@router.get("/ui")
def home(request: Request) -> Response:
    """The old interviewers' page and the root: the submit form (or the sign-in page first)."""
    target = "/submit" if auth.session_user(request) is not None else auth.login_url("/submit")
    body = f'<!doctype html><title>dlgrader</title><p>Continue to <a href="{target}">{target}</a>.</p>'
    return Response(body, status_code=303, media_type="text/html", headers={"Location": target, **HEADERS})


# --- the app's side --------------------------------------------------------------------------------------------
def install(app: FastAPI) -> None:
    """Routes, static files and error pages of the dashboard."""
    import grader.service.web.org_pages as org_pages

    app.include_router(router)
    app.include_router(org_pages.router)
    app.mount(STATIC_URL, StaticFiles(directory=STATIC), name="dashboard-static")

    def page_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageError)
        user = auth.session_user(request)
        return render(request, "error.html", status=exc.status, user=user, title=exc.title, message=exc.message)

    def sign_in(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        return RedirectResponse(auth.login_url(auth.safe_next(exc.next_path)), status_code=303)

    app.add_exception_handler(PageError, page_error)
    app.add_exception_handler(SignInRequired, sign_in)
