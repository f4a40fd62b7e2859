"""Field types the request bodies share, each checked once: an http(s) URL, an email address."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

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
