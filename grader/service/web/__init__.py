"""The interviewers' dashboard: server-rendered pages (Jinja2) behind sign-in, for people; API
keys stay for machines. `mount(app)` adds its routes, static files and error pages to the API."""

from __future__ import annotations

from typing import Any


def mount(app: Any) -> None:
    """Add the dashboard to a FastAPI app made by grader.service.api.create_app."""
    from grader.service.web.pages import install

    install(app)
