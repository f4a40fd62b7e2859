"""Bearer API keys: each request is made by one key, which sees only its own submissions."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

bearer = HTTPBearer(auto_error=False, description="an API key from `grader keys create --name NAME`")


def key_id(request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str | None:
    """The calling key's id, or None without a valid key. FastAPI runs it once per request, for
    the rate limit (which counts per key) and for `owner` alike."""
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        return None
    return request.app.state.services.store.key_owner(creds.credentials)


def owner(
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    key: Annotated[str | None, Depends(key_id)],
) -> str:
    """The calling key's id (401 without a valid key)."""
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise HTTPException(
            401, "missing API key: send 'Authorization: Bearer <key>'", headers={"WWW-Authenticate": "Bearer"}
        )
    if key is None:
        raise HTTPException(401, "invalid API key", headers={"WWW-Authenticate": "Bearer"})
    return key
