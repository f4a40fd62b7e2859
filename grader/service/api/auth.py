"""Bearer API keys: each request is made by one key of one organisation, and sees only that
organisation's data (owner_id columns hold the organisation's id)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

bearer = HTTPBearer(auto_error=False, description="an API key from `grader keys create --name NAME [--org ORG]`")


def identity(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> tuple[str, str] | None:
    """(key id, organisation id) of the calling key, or None without a valid key. FastAPI runs it
    once per request, for the rate limit (which counts per key) and for `owner` alike."""
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        return None
    return request.app.state.services.store.key_identity(creds.credentials)


def key_id(who: Annotated[tuple[str, str] | None, Depends(identity)]) -> str | None:
    """The calling key's id, or None without a valid key."""
    return who[0] if who is not None else None


def owner(
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    who: Annotated[tuple[str, str] | None, Depends(identity)],
) -> str:
    """The calling key's organisation id (401 without a valid key)."""
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise HTTPException(
            401, "missing API key: send 'Authorization: Bearer <key>'", headers={"WWW-Authenticate": "Bearer"}
        )
    if who is None:
        raise HTTPException(401, "invalid API key", headers={"WWW-Authenticate": "Bearer"})
    return who[1]
