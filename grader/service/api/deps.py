"""What a route needs, as FastAPI dependencies: `def route(store: StoreDep, owner: OwnerDep)`.
create_app puts one Services object on the app; these are the only readers of app.state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request

from grader.catalog import TaskCatalog
from grader.service.api.auth import owner
from grader.service.store import Store
from grader.settings import Settings


@dataclass
class Services:
    """The API's collaborators, built once per app."""

    settings: Settings
    store: Store
    queue: Any  # EmbeddedQueue | CeleryQueue (grader.service.dispatch)
    tasks: TaskCatalog
    metrics: Any = field(default=None)  # the Prometheus registry, built on the first scrape
    limiter: Any = field(default=None)  # ratelimit.RateLimiter; None: GRADER_RATE_LIMIT unset
    invitations: Any = field(default=None)  # grader.service.invitations.Invitations


def services(request: Request) -> Services:
    return request.app.state.services


def _settings(s: Annotated[Services, Depends(services)]) -> Settings:
    return s.settings


def _store(s: Annotated[Services, Depends(services)]) -> Store:
    return s.store


def _queue(s: Annotated[Services, Depends(services)]) -> Any:
    return s.queue


def _tasks(s: Annotated[Services, Depends(services)]) -> TaskCatalog:
    return s.tasks


def _invitations(s: Annotated[Services, Depends(services)]) -> Any:
    return s.invitations


ServicesDep = Annotated[Services, Depends(services)]
SettingsDep = Annotated[Settings, Depends(_settings)]
StoreDep = Annotated[Store, Depends(_store)]
QueueDep = Annotated[Any, Depends(_queue)]
TasksDep = Annotated[TaskCatalog, Depends(_tasks)]
OwnerDep = Annotated[str, Depends(owner)]  # the calling key's organisation id
InvitationsDep = Annotated[Any, Depends(_invitations)]
