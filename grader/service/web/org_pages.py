"""The organisation's other pages: invitations (list, create), cohorts (a task's score
histogram, pass rate per check, statuses, the slowest gradings, regrade all) and the task catalog
(statements and starters only, never references or probes)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from grader.service.store import State, Store, SubmissionRow
from grader.service.web.auth import CsrfUserDep, PageError, UserDep, WebUser
from grader.service.web.render import STATUSES, highlighted, markdown, render
from grader.taskspec import Task, TaskInvalid, TaskNotFound

router = APIRouter(include_in_schema=False)
BINS = 10


def _services(request: Request) -> Any:
    return request.app.state.services


# --- invitations ---------------------------------------------------------------------------------------
def _invitation_page(
    request: Request,
    user: WebUser,
    *,
    status: int = 200,
    created: Any = None,
    error: str = "",
    form: dict | None = None,
) -> Response:
    from grader.service.invitations import describe, tests

    invitations = _services(request).invitations
    rows = []
    for row in invitations.store.invitations(user.org_id, limit=200):
        row = invitations.refresh(row)
        rows.append(describe(row, invitations.results(row)))
    return render(
        request,
        "invitations.html",
        status=status,
        user=user,
        invitations=rows,
        tests=tests(invitations.catalog),
        created=created,
        error=error,
        form=form or {"test": "", "name": "", "email": "", "minutes": "", "hours": "72"},
    )


@router.get("/invitations")
def invitations_page(request: Request, user: UserDep) -> Response:
    return _invitation_page(request, user)


@router.post("/invitations")
def create_invitation(
    request: Request,
    user: CsrfUserDep,
    test: Annotated[str, Form(max_length=300)] = "",
    name: Annotated[str, Form(max_length=300)] = "",
    email: Annotated[str, Form(max_length=300)] = "",
    minutes: Annotated[str, Form(max_length=10)] = "",
    hours: Annotated[str, Form(max_length=10)] = "72",
) -> Response:
    from grader.service.api.invitations import InvitationIn, invite
    from grader.service.invitations import BadInvitation, public_base

    services = _services(request)
    form = {"test": test, "name": name, "email": email, "minutes": minutes, "hours": hours}
    kind, _, ident = test.partition(":")
    try:
        body = InvitationIn.model_validate(
            {
                "tasks": [ident] if kind == "task" else None,
                "pack": ident if kind == "pack" else None,
                "candidate": {"name": name, "email": email.strip()},
                "time_limit_minutes": int(minutes) if minutes.strip() else None,
                "expires_in_hours": float(hours) if hours.strip() else 72.0,
            }
        )
    except (ValidationError, ValueError) as exc:
        return _invitation_page(request, user, status=422, error=_why(exc), form=form)
    if kind not in ("task", "pack"):
        return _invitation_page(request, user, status=422, error="Pick a task or a pack.", form=form)
    try:
        row, url = invite(
            services.invitations,
            org_id=user.org_id,
            base=public_base(services.settings, str(request.base_url)),
            task_ids=body.tasks,
            pack_id=body.pack,
            candidate_name=body.candidate.name,
            candidate_email=body.candidate.email,
            time_limit_minutes=body.time_limit_minutes,
            expires_in_hours=body.expires_in_hours,
            sent_by=user.email,
        )
    except BadInvitation as exc:
        return _invitation_page(request, user, status=422, error=str(exc), form=form)
    return _invitation_page(request, user, status=201, created={"row": row, "url": url})


def _why(exc: Exception) -> str:
    """A validation error as one sentence a person can act on."""
    if isinstance(exc, ValidationError):
        parts = []
        for err in exc.errors():
            where = ".".join(str(x) for x in err["loc"]).replace("candidate.", "candidate ")
            where = {"time_limit_minutes": "time limit", "expires_in_hours": "link validity"}.get(where, where)
            parts.append(f"{where}: {err['msg']}")
        return "; ".join(parts)
    return "The time limit and the link validity must be numbers."


# --- cohorts -----------------------------------------------------------------------------------------------
def histogram(percents: list[float], bins: int = BINS) -> list[dict[str, Any]]:
    """Counts per score band of width 100/bins percent (100% falls in the last band)."""
    counts = [0] * bins
    for p in percents:
        counts[min(bins - 1, max(0, int(p * bins // 100)))] += 1
    width = 100 // bins
    return [{"low": i * width, "high": (i + 1) * width, "count": n} for i, n in enumerate(counts)]


def svg_bars(hist: list[dict[str, Any]]) -> dict[str, Any]:
    """Geometry of the histogram's SVG (drawn by the template: no script, no inline style)."""
    top = max((b["count"] for b in hist), default=0) or 1
    w, h, pad, base = 600, 220, 8, 190
    slot = (w - 2 * pad) / len(hist)
    bars = []
    for i, b in enumerate(hist):
        height = round((base - 20) * b["count"] / top, 1)
        bars.append(
            {
                **b,
                "x": round(pad + i * slot + 3, 1),
                "y": round(base - height, 1),
                "w": round(slot - 6, 1),
                "h": height,
                "cx": round(pad + i * slot + slot / 2, 1),
            }
        )
    return {"width": w, "height": h, "base": base, "bars": bars}


def cohort_stats(rows: list[SubmissionRow], task: Task | None) -> dict[str, Any]:
    """What the cohort page shows, from the organisation's submissions of one task."""
    done = [r for r in rows if r.status == State.completed and r.report]
    percents = []
    checks: dict[str, dict[str, Any]] = {}
    if task is not None:
        for c in task.rubric.checks:
            checks[c.id] = {"id": c.id, "title": c.title, "hidden": c.hidden, "passed": 0, "total": 0}
    for r in done:
        report = r.report or {}
        if report.get("score") is not None and report.get("max_score"):
            percents.append(100.0 * float(report["score"]) / float(report["max_score"]))
        for c in report.get("checks") or []:
            entry = checks.setdefault(
                c["id"],
                {"id": c["id"], "title": c.get("title", c["id"]), "hidden": c.get("hidden"), "passed": 0, "total": 0},
            )
            entry["total"] += 1
            entry["passed"] += 1 if c.get("passed") else 0
    for entry in checks.values():
        entry["rate"] = round(100.0 * entry["passed"] / entry["total"], 1) if entry["total"] else None
    slowest = sorted(done, key=lambda r: float((r.report or {}).get("duration_s") or 0.0), reverse=True)[:5]
    passed_all = sum(1 for r in done if _all_passed(r.report or {}))
    return {
        "hist": svg_bars(histogram(percents)),
        "scored": len(percents),
        "mean": round(sum(percents) / len(percents), 1) if percents else None,
        "checks": list(checks.values()),
        "slowest": slowest,
        "completed": len(done),
        "passed_all": passed_all,
    }


def _all_passed(report: dict[str, Any]) -> bool:
    checks = report.get("checks") or []
    return bool(checks) and all(c.get("passed") for c in checks)


def _task_or_none(request: Request, task_id: str) -> Task | None:
    try:
        return _services(request).tasks.get(task_id)
    except (TaskNotFound, TaskInvalid):
        return None


@router.get("/cohorts")
def cohorts_page(request: Request, user: UserDep) -> Response:
    store: Store = _services(request).store
    cohorts = []
    for tid in store.org_task_ids(user.org_id):
        counts = store.org_counts(user.org_id, task_id=tid)
        task = _task_or_none(request, tid)
        cohorts.append(
            {"id": tid, "title": task.spec.title if task else tid, "total": sum(counts.values()), "counts": counts}
        )
    return render(request, "cohorts.html", user=user, cohorts=cohorts)


@router.get("/cohorts/{task_id}")
def cohort_page(request: Request, user: UserDep, task_id: str, regraded: int | None = Query(None, ge=0)) -> Response:
    store: Store = _services(request).store
    task = _task_or_none(request, task_id)
    rows, total = store.org_submissions(user.org_id, task_id=task_id, limit=None)
    if task is None and total == 0:
        raise PageError(404, "No such cohort", f"No task {task_id[:100]!r}, and no submissions for it.")
    counts = store.org_counts(user.org_id, task_id=task_id)
    return render(
        request,
        "cohort.html",
        user=user,
        task_id=task_id,
        task=task,
        total=total,
        counts=[(s, counts.get(s, 0)) for s in STATUSES if counts.get(s)],
        stats=cohort_stats(rows, task),
        regraded=regraded,
    )


@router.post("/cohorts/{task_id}/regrade")
def regrade_cohort(request: Request, user: CsrfUserDep, task_id: str) -> Response:
    from grader.service.dispatch import QueueUnavailable
    from grader.service.regrade import NotRegradable, regrade_task

    services = _services(request)
    try:
        queued = regrade_task(services.store, services.queue, services.tasks, org_id=user.org_id, task_id=task_id)
    except NotRegradable as exc:
        raise PageError(409, "This task cannot be regraded", str(exc)) from None
    except QueueUnavailable as exc:
        raise PageError(
            503, "Queued, not yet sent", f"The regrades are stored but the queue is unreachable ({exc})."
        ) from None
    return RedirectResponse(f"/cohorts/{task_id}?regraded={len(queued)}", status_code=303)


# --- the catalog ----------------------------------------------------------------------------------------------
@router.get("/tasks")
def tasks_page(request: Request, user: UserDep) -> Response:
    return render(request, "tasks.html", user=user, tasks=_services(request).tasks.loadable())


@router.get("/tasks/{task_id}")
def task_page(request: Request, user: UserDep, task_id: str) -> Response:
    task = _task_or_none(request, task_id)
    if task is None:
        raise PageError(404, "No such task", f"There is no task {task_id[:100]!r} in the catalog.")
    spec = task.spec  # the page reads only public fields: never reference or probes
    return render(
        request,
        "task.html",
        user=user,
        task=task,
        spec=spec,
        statement=markdown(spec.statement),
        starter=highlighted(spec.starter, label="Starter code") if spec.starter.strip() else None,
    )
