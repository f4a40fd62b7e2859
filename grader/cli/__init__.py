"""The `grader` command. Each command group lives in its own module with its own Typer app; this
module only merges them (they import grader.cli.common, never this module)."""

from __future__ import annotations

import typer

from grader.cli import authoring, batch, grade, service, similarity, users

app = typer.Typer(add_completion=False, no_args_is_help=True, help="dlgrader: grade deep-learning interview code.")
for group in (grade, batch, service, authoring, similarity, users):
    app.add_typer(group.app)


def main() -> None:  # pragma: no cover - console entry point
    app()
