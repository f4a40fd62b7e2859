"""Liveness, readiness (database and broker reachable) and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from grader.service.metrics import registry

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """200 when the database and the broker answer; 503 naming the one that failed."""
    failed: dict[str, str] = {}
    for name, check in (("database", request.app.state.store.ping), ("broker", request.app.state.queue.ping)):
        try:
            await run_in_threadpool(check)
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            failed[name] = f"{type(exc).__name__}: {exc}"[:300]
    if failed:
        return JSONResponse({"status": "unavailable", "failed": sorted(failed), "detail": failed}, status_code=503)
    return JSONResponse({"status": "ready"})


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """Prometheus text format, computed from the database and the broker at scrape time."""
    app = request.app
    if not hasattr(app.state, "metrics"):
        app.state.metrics = registry(store=app.state.store, queue=app.state.queue)
    return Response(await run_in_threadpool(generate_latest, app.state.metrics), media_type=CONTENT_TYPE_LATEST)
