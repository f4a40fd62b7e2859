"""The REST API (FastAPI): submissions, tasks, webhooks, invitations, health, metrics, the
interviewers' page, the candidates' take-home page and the Greenhouse partner endpoints."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from grader.catalog import TaskCatalog
from grader.service.api import greenhouse, health, invitations, submissions, take, tasks, webhooks
from grader.service.api.deps import Services
from grader.service.api.errors import database_error, disk_full, error_responses, use_error_model, validation_message
from grader.service.api.ratelimit import RateLimiter, rate_limit
from grader.service.invitations import Invitations, Sweeper
from grader.service.notify import Notifier
from grader.settings import Settings

STATIC = Path(__file__).parent / "static"
V1_ERRORS = error_responses(
    {
        401: "no API key, or not a valid one",
        429: "over GRADER_RATE_LIMIT for this key: retry after Retry-After seconds",
        503: "the database (or, to queue a submission, the broker) is unreachable: retry later",
        507: "the data dir's disk is full: nothing was stored; free space, then retry",
    }
)
V1_ERRORS[429]["headers"] = {
    "Retry-After": {"description": "seconds until a request passes again", "schema": {"type": "integer"}}
}


def create_app(settings: Settings, *, store=None, queue=None, engine_factory=None) -> FastAPI:
    """The API; store and queue are built from settings unless passed in."""
    from grader.service.dispatch import make_queue
    from grader.service.store import Store

    store = store or Store.from_settings(settings)
    if queue is None:

        def default_engine():
            from grader import salt
            from grader.engine import Engine

            return Engine(salt.resolve(settings, store=store))  # the database's salt, shared by every worker

        queue = make_queue(settings, store=store, engine_factory=engine_factory or default_engine)

    catalog = TaskCatalog.from_settings(settings)
    invites = Invitations(
        store=store,
        catalog=catalog,
        settings=settings,
        enqueue=lambda row, task: queue.enqueue(row.id, spec=task.spec, priority=row.priority),
    )
    sweeper = Sweeper(invites, Notifier(invites))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        store.create_schema()
        queue.start()
        sweeper.start()
        try:
            yield
        finally:
            sweeper.stop()
            queue.stop()

    app = FastAPI(
        title="dlgrader",
        version="1",
        lifespan=lifespan,
        description="Automated, sandboxed grading of deep-learning interview code.",
    )
    app.state.services = Services(
        settings=settings,
        store=store,
        queue=queue,
        tasks=catalog,
        limiter=RateLimiter.from_settings(settings),
        invitations=invites,
    )

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = use_error_model(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # 422 bodies as _invalid sends them

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": validation_message(exc.errors())}, status_code=422)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        # FastAPI answers a JSON body that is not UTF-8 with a 400; like any other unreadable body, a 422.
        if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
            detail = f"request body is not valid UTF-8 (bad byte at offset {exc.__cause__.start})"
            return JSONResponse({"detail": detail}, status_code=422)
        return await http_exception_handler(request, exc)

    # The database down (503) or its disk full (507): a clear detail, never a 500 with a traceback.
    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(PoolTimeout)
    @app.exception_handler(OSError)
    async def _database(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, OSError) and not disk_full(exc):
            raise exc
        status, detail = database_error(exc)
        return JSONResponse({"detail": detail}, status_code=status, headers={"Retry-After": "10"})

    # Every /v1 route: a key, the rate limit, and their error answers in the OpenAPI document.
    for router in (submissions.router, tasks.router, webhooks.router, invitations.router):
        app.include_router(router, prefix="/v1", dependencies=[Depends(rate_limit)], responses=V1_ERRORS)
    app.include_router(health.router)
    app.include_router(greenhouse.router, dependencies=[Depends(rate_limit)])
    app.include_router(take.router, dependencies=[Depends(rate_limit)])
    app.include_router(invitations.public)

    from grader.service import web

    web.mount(app)  # the dashboard: sign-in, pages, and / and /ui (grader/service/web)

    return app
