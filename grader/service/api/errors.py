"""Errors: one clear message per problem (`{"detail": "..."}`), and documented as such."""

from __future__ import annotations

import errno
import sqlite3
from typing import Any

from pydantic import BaseModel


def validation_message(errors) -> str:
    """'task_id: field required; code: ...' from pydantic/FastAPI error dicts."""
    parts = []
    for e in errors:
        loc = ".".join(str(x) for x in e.get("loc", ()) if x != "body") or "body"
        msg = e.get("msg", "invalid")
        if e.get("type") == "missing":
            msg = "field required"
        parts.append(f"{loc}: {msg}")
    return "; ".join(parts) or "invalid request"


DISK_FULL = "the data dir's disk is full: nothing was stored; free some space and retry (same Idempotency-Key)"


POSTGRES_DISK_FULL = "53100"  # SQLSTATE disk_full


def disk_full(exc: BaseException) -> bool:
    """The disk is full, by the error's code, anywhere in the chain: an OSError ENOSPC, SQLite's
    SQLITE_FULL, or PostgreSQL's disk_full."""
    seen: BaseException | None = exc
    while seen is not None:
        for err in (seen, getattr(seen, "orig", None)):
            if isinstance(err, OSError) and err.errno == errno.ENOSPC:
                return True
            code = getattr(err, "sqlite_errorcode", None)
            if isinstance(code, int) and code & 0xFF == sqlite3.SQLITE_FULL:
                return True
            if getattr(err, "sqlstate", None) == POSTGRES_DISK_FULL:
                return True
        seen = seen.__cause__ or seen.__context__
    return False


def database_error(exc: BaseException) -> tuple[int, str]:
    """(status, detail) for a database failure: 507 when the disk is full, else 503 with the
    driver's first line (no SQL, no parameters), e.g. 'database unavailable: connection refused'."""
    if disk_full(exc):
        return 507, DISK_FULL
    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return 503, f"database unavailable: {first[:200]}; retry later"


class ErrorOut(BaseModel):
    """Every error answer: one clear message."""

    detail: str


def error_responses(described: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """`responses=` for FastAPI: each status code answered with an ErrorOut, with its description."""
    return {code: {"model": ErrorOut, "description": text} for code, text in described.items()}


VALIDATION_ERROR = "#/components/schemas/HTTPValidationError"


def use_error_model(doc: dict[str, Any]) -> dict[str, Any]:
    """Document 422s as the API sends them. FastAPI describes its own 422 body (HTTPValidationError,
    a list of errors) on every operation with parameters; create_app's handler answers every 422
    with an ErrorOut instead, so the OpenAPI document says so."""
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            response = operation.get("responses", {}).get("422")
            media = (response or {}).get("content", {}).get("application/json", {})
            if media.get("schema") == {"$ref": VALIDATION_ERROR}:
                media["schema"] = {"$ref": "#/components/schemas/ErrorOut"}
                response["description"] = "invalid request: the message names the field and the problem"
                schemas.setdefault("ErrorOut", ErrorOut.model_json_schema())
    if VALIDATION_ERROR.rsplit("/", 1)[1] in schemas:
        del schemas["HTTPValidationError"]
        schemas.pop("ValidationError", None)
    return doc
