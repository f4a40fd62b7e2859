"""Liveness, readiness (database and broker reachable) and Prometheus metrics."""

from __future__ import annotations

import hmac
from typing import Annotated, Literal

from fastapi import APIRouter, Header
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from grader.service.api.deps import ServicesDep
from grader.service.api.errors import ErrorOut
from grader.service.metrics import registry

router = APIRouter(tags=["health"])


class Alive(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    status: Literal["ready"]


class NotReady(BaseModel):
    status: Literal["unavailable"]
    failed: list[Literal["broker", "database"]]
    detail: dict[str, str]


@router.get("/healthz", response_model=Alive)
def healthz() -> dict:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", response_model=Ready, responses={503: {"model": NotReady, "description": "naming what failed"}})
async def readyz(services: ServicesDep) -> JSONResponse:
    """200 when the database and the broker answer; 503 naming the one that failed."""
    failed: dict[str, str] = {}
    for name, check in (("database", services.store.ping), ("broker", services.queue.ping)):
        try:
            await run_in_threadpool(check)
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            failed[name] = f"{type(exc).__name__}: {exc}"[:300]
    if failed:
        return JSONResponse({"status": "unavailable", "failed": sorted(failed), "detail": failed}, status_code=503)
    return JSONResponse({"status": "ready"})


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={
        200: {"description": "the Prometheus text format"},
        401: {
            "description": "GRADER_METRICS_TOKEN is set and the request does not bear it",
            "content": {"application/json": {"schema": ErrorOut.model_json_schema()}},
        },
    },
)
async def metrics(services: ServicesDep, authorization: Annotated[str | None, Header()] = None) -> Response:
    """Prometheus text format, computed from the database and the broker at scrape time. With
    GRADER_METRICS_TOKEN set, only a request bearing that token gets them (401 otherwise)."""
    token = services.settings.metrics_token
    if token is not None:
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), token.get_secret_value().encode()):
            return JSONResponse(
                {"detail": "metrics need 'Authorization: Bearer <GRADER_METRICS_TOKEN>'"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
    if services.metrics is None:
        services.metrics = registry(store=services.store, queue=services.queue)
    return Response(await run_in_threadpool(generate_latest, services.metrics), media_type=CONTENT_TYPE_LATEST)
