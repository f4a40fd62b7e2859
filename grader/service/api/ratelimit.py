"""Per-key rate limiting of the /v1 routes: GRADER_RATE_LIMIT (e.g. "60/minute"; empty: none).

At most N requests in any window (a moving window), per API key, or per client address for a
request without a valid key. Over it, 429 with Retry-After (seconds until a request passes again)
and {"detail": ...}. The counts live in this process, or in Redis in broker mode (GRADER_BROKER_URL),
where every API process shares one budget per key. When Redis cannot be reached the request is let
through (a warning is logged): the limiter never takes the API down with it.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from grader.service.api.auth import key_id
from grader.service.api.deps import ServicesDep
from grader.settings import Settings

log = logging.getLogger(__name__)
NAMESPACE = "v1"


class RateLimiter:
    """N requests per window per identity; `hit` counts one and says how long to wait when over."""

    def __init__(self, rate: str, storage_uri: str = "memory://") -> None:
        self.rate = rate.strip()
        self.item: RateLimitItem = parse(self.rate)
        options: dict = {}
        if storage_uri.startswith(("redis://", "rediss://")):
            options = {"key_prefix": "grader-ratelimit", "wrap_exceptions": True}
            options |= {"socket_connect_timeout": 2, "socket_timeout": 2}
        self.storage = storage_from_string(storage_uri, **options)
        self.limiter = MovingWindowRateLimiter(self.storage)

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter | None:
        """None when GRADER_RATE_LIMIT is empty; Redis storage in broker mode, else in-process."""
        if not settings.rate_limit.strip():
            return None
        broker = settings.broker_url
        return cls(settings.rate_limit, broker if broker.startswith(("redis://", "rediss://")) else "memory://")

    def hit(self, identity: str) -> float | None:
        """Count a request; None when it may pass, else the seconds until one may."""
        try:
            if self.limiter.hit(self.item, NAMESPACE, identity):
                return None
            reset_at, _ = self.limiter.get_window_stats(self.item, NAMESPACE, identity)
        except StorageError as exc:
            log.warning("rate limit not applied: its storage is unreachable (%s)", exc)
            return None
        return max(reset_at - time.time(), 0.0)


def rate_limit(request: Request, services: ServicesDep, key: Annotated[str | None, Depends(key_id)]) -> None:
    """The dependency on every /v1 route: 429 with Retry-After once the caller is over the limit."""
    limiter = services.limiter
    if limiter is None:
        return
    identity = f"key:{key}" if key is not None else f"addr:{request.client.host if request.client else '-'}"
    wait = limiter.hit(identity)
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise HTTPException(
            429,
            f"rate limit of {limiter.rate} exceeded (GRADER_RATE_LIMIT); retry in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )
