"""Field types the request bodies share, each checked once: an http(s) URL, an email address."""

from __future__ import annotations

import re
import uuid
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, model_validator

EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


def _http_url(v: str) -> str:
    if not v.startswith(("http://", "https://")):
        raise ValueError("must be an http:// or https:// URL")
    return v


def _email(v: str) -> str:
    if not EMAIL.match(v):
        raise ValueError("is not an email address")
    return v


HttpUrlText = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_http_url)]
EmailText = Annotated[str, Field(min_length=3, max_length=254), AfterValidator(_email)]


def is_uuid(text: str) -> bool:
    """Ids of submissions and invitations are UUIDs; anything else (a NUL, a path) is unknown
    without asking the database (PostgreSQL refuses a NUL in a query's text)."""
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def _nul_in(value: object, depth: int = 0) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if depth > 32:
        return False  # deeper than any body model; pydantic refuses what does not fit
    if isinstance(value, dict):
        return any(_nul_in(k, depth + 1) or _nul_in(v, depth + 1) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_nul_in(v, depth + 1) for v in value)
    return False


class Body(BaseModel):
    """A request body whose text a database can store: a NUL character anywhere (PostgreSQL's text
    and JSON refuse it) is a 422 naming it, not a 500 from the database."""

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: object) -> object:
        if _nul_in(data):
            raise ValueError("contains a NUL character (\\u0000), which cannot be stored")
        return data
