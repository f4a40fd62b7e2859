"""Webhook endpoints per API key: register, list, delete, rotate the signing secret.

Every submission.graded event of the key goes to each of its endpoints, signed with that endpoint's
secret. The secret is shown once (at creation or rotation). `default` names the key's default
secret, which signs deliveries to a submission's own callback_url: rotate it to learn it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import httpx
from fastapi import APIRouter, HTTPException, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, field_validator

from grader.service.api.deps import OwnerDep, SettingsDep, StoreDep
from grader.service.store import WebhookEndpoint, default_endpoint_id

router = APIRouter(tags=["webhooks"])
DEFAULT = "default"  # the alias of a key's default secret in /v1/webhooks/{id}/rotate
ENDPOINT_ID = re.compile(r"ep_[0-9a-f]{32}")  # what store.create_endpoint makes


def _known(endpoint_id: str) -> None:
    """404 for an id that cannot be an endpoint's, before any query."""
    if endpoint_id != DEFAULT and not ENDPOINT_ID.fullmatch(endpoint_id):
        raise HTTPException(404, f"no webhook endpoint {endpoint_id!r}")


class EndpointIn(BaseModel):
    """Where to POST the key's events."""

    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=1, max_length=2000, description="an http:// or https:// URL")

    @field_validator("url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        if any(ord(c) < 0x21 or 0x7F <= ord(c) < 0xA0 or 0xD800 <= ord(c) < 0xE000 for c in v):
            raise ValueError("must not contain spaces or control characters")
        try:
            parsed = httpx.URL(v)
        except (httpx.InvalidURL, ValueError) as exc:
            raise ValueError(f"not a valid URL ({exc})") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ValueError("must be an http:// or https:// URL with a host")
        return v


class EndpointCreated(BaseModel):
    id: str
    url: str
    secret: str = Field(description="whsec_…: shown only now; keep it to verify deliveries")


class Endpoint(BaseModel):
    id: str
    url: str
    created_at: datetime
    previous_secret_expires_at: datetime | None = Field(
        description="until then, deliveries are signed with the previous secret as well"
    )


class SecretRotated(BaseModel):
    id: str
    url: str | None = Field(description="null for the default secret (callback_url deliveries)")
    secret: str = Field(description="the new secret, shown only now")
    previous_secret_expires_at: datetime | None


def _public(row: WebhookEndpoint) -> Endpoint:
    assert row.url is not None  # a registered endpoint
    return Endpoint(
        id=row.id, url=row.url, created_at=row.created_at, previous_secret_expires_at=row.previous_expires_at
    )


@router.post("/webhooks", status_code=201, response_model=EndpointCreated, responses={422: {}})
async def create_endpoint(body: EndpointIn, store: StoreDep, owner: OwnerDep) -> EndpointCreated:
    """Register an endpoint for this key; the answer holds its secret, shown only this once."""
    row = await run_in_threadpool(store.create_endpoint, owner, body.url)
    assert row.url is not None
    return EndpointCreated(id=row.id, url=row.url, secret=row.secret)


@router.get("/webhooks", response_model=list[Endpoint])
async def list_endpoints(store: StoreDep, owner: OwnerDep) -> list[Endpoint]:
    """This key's endpoints, oldest first (no secrets)."""
    return [_public(row) for row in await run_in_threadpool(store.endpoints, owner)]


@router.delete("/webhooks/{endpoint_id}", status_code=204, responses={404: {}})
async def delete_endpoint(endpoint_id: str, store: StoreDep, owner: OwnerDep) -> Response:
    """Stop delivering to an endpoint (retries still owed to it are dropped)."""
    _known(endpoint_id)
    if not await run_in_threadpool(store.delete_endpoint, owner, endpoint_id):
        raise HTTPException(404, f"no webhook endpoint {endpoint_id!r}")
    return Response(status_code=204)


@router.post("/webhooks/{endpoint_id}/rotate", response_model=SecretRotated, responses={404: {}})
async def rotate_secret(endpoint_id: str, store: StoreDep, owner: OwnerDep, settings: SettingsDep) -> SecretRotated:
    """A new secret for an endpoint (or, with id `default`, for callback_url deliveries); the old one
    keeps signing next to it for GRADER_WEBHOOK_SECRET_GRACE_H hours."""
    _known(endpoint_id)
    real_id = default_endpoint_id(owner) if endpoint_id == DEFAULT else endpoint_id
    grace = timedelta(hours=settings.webhook_secret_grace_h)
    row = await run_in_threadpool(lambda: store.rotate_endpoint(owner, real_id, grace=grace))
    if row is None:
        raise HTTPException(404, f"no webhook endpoint {endpoint_id!r}")
    return SecretRotated(
        id=DEFAULT if row.url is None else row.id,
        url=row.url,
        secret=row.secret,
        previous_secret_expires_at=row.previous_expires_at,
    )
