"""The framework versions installed here, read without importing the frameworks: part of every
report's environment and of every reference cache key."""

from __future__ import annotations

import functools
from importlib import metadata


@functools.cache
def framework_versions() -> dict[str, str | None]:
    """Installed versions, read without importing the frameworks (once per process: what a
    process runs cannot change under it)."""
    out: dict[str, str | None] = {}
    for dist, key in (
        ("torch", "torch"),
        ("tensorflow-cpu", "tensorflow"),
        ("tensorflow", "tensorflow"),
        ("numpy", "numpy"),
    ):
        if out.get(key):
            continue
        try:
            out[key] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out.setdefault(key, None)
    return out
