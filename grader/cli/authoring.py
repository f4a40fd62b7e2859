"""The `grader new-task` command: a working task skeleton to start a new task from."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from grader import templates
from grader.cli.common import fail, load_settings
from grader.models import TaskSpec

app = typer.Typer()


def _id_pattern() -> str:
    """The task-id pattern task.toml is validated against (one source of truth: TaskSpec)."""
    return next(m.pattern for m in TaskSpec.model_fields["id"].metadata if getattr(m, "pattern", None))


@app.command(name="new-task")
def new_task(
    task_id: str = typer.Argument(..., metavar="ID", help="the new task's id, e.g. torch-masked-mean"),
    framework: str = typer.Option(..., "--framework", help="torch, tensorflow or numpy"),
    variants_dir: Path | None = typer.Option(
        None,
        "--variants-dir",
        help="where the variants go (default: tests/tasks/variants next to the tasks folder)",
    ),
) -> None:
    """Write a working skeleton for task ID: statement, starter, reference, probes, task.toml, the
    rubric and two variants (one correct, one with a planted bug). `grader selfcheck ID` passes
    on it as written; then rewrite every file for the real task."""
    if not re.fullmatch(_id_pattern(), task_id):
        fail(f"bad task id {task_id!r}: use lowercase letters, digits and '-', starting with a letter or digit")
    if framework not in templates.FRAMEWORKS:
        fail(f"unknown framework {framework!r}: use {', '.join(templates.FRAMEWORKS)}")
    s = load_settings()
    variants = variants_dir or s.tasks_dir.resolve().parent / "tests" / "tasks" / "variants"
    roots = {"tasks": s.tasks_dir, "rubrics": s.rubrics_dir, "variants": variants}
    files = {
        roots[rel.split("/", 1)[0]] / rel.split("/", 1)[1]: text
        for rel, text in templates.render(task_id, framework).items()
    }
    for path in (s.tasks_dir / task_id, s.rubrics_dir / f"{task_id}.toml", variants / task_id):
        if path.exists():
            fail(f"task {task_id!r} already exists: {path}")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote task {task_id} ({framework}):")
    for path in files:
        print(f"  {path}")
    print(f"next: grader selfcheck {task_id}, then rewrite every file (docs/authoring-tasks.md)")
