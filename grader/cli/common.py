"""What every command module shares: one-line failures, settings, tasks. Imports nothing of the CLI."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from grader.settings import Settings
from grader.taskspec import Task, TaskInvalid, TaskNotFound, load_task

if TYPE_CHECKING:
    from grader.service.store import Store

err = Console(stderr=True)
# C0 controls but tab and newline, DEL, and C1 controls (0x9b is a one-byte CSI).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe(text: object) -> str:
    """Untrusted text for rich: control characters (escape sequences) dropped, markup escaped."""
    return escape(_CONTROL.sub("", str(text)))


def fail(message: str) -> NoReturn:
    """One clear line for the user, exit 2."""
    err.print(f"[red]error:[/red] {safe(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def load_settings() -> Settings:
    """The configuration from GRADER_* variables, or a one-line failure naming what is wrong."""
    try:
        return Settings()
    except ValueError as exc:
        fail(f"bad configuration: {exc}")


def task_or_fail(task_id: str, s: Settings) -> Task:
    """A loaded task, or a one-line failure."""
    try:
        return load_task(task_id, tasks_dir=s.tasks_dir, rubrics_dir=s.rubrics_dir)
    except TaskNotFound:
        fail(f"unknown task {task_id!r} (see `grader tasks`)")
    except TaskInvalid as exc:
        fail(str(exc))


@contextmanager
def open_store() -> Iterator[Store]:
    """The service's database from the settings, its tables made; closed afterwards. A database
    that cannot be reached is a one-line failure."""
    from grader.service.store import Store

    store = Store.from_settings(load_settings())
    try:
        try:
            store.create_schema()
        except Exception as exc:  # noqa: BLE001 - one line for the user
            fail(f"cannot open the database: {type(exc).__name__}: {str(exc).splitlines()[0]}")
        yield store
    finally:
        store.close()


def org_or_fail(store: Store, name: str) -> str:
    """The id of the organisation named, or a one-line failure saying how to create it."""
    found = store.org_named(name)
    if found is None:
        fail(f"no organisation {name.strip()!r} (create it with `grader orgs create --name {name.strip()}`)")
    return found.id
