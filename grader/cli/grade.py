"""The `grader` command: list and show tasks, grade a file, self-check the task library."""

from __future__ import annotations

import errno
import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from grader import reports
from grader.cli.common import fail, load_settings, safe, task_or_fail
from grader.engine import Engine
from grader.models import Report, Status, Submission
from grader.packs import combine, load_packs
from grader.settings import Settings
from grader.submissions import SubmissionRejected, read_submission
from grader.taskspec import TaskInvalid, load_all

app = typer.Typer()


def _engine(settings: Settings) -> Engine:
    return Engine(settings)


@app.command()
def tasks(as_json: bool = typer.Option(False, "--json", help="machine-readable output")) -> None:
    """List the interview tasks."""
    s = load_settings()
    try:
        all_tasks = load_all(tasks_dir=s.tasks_dir, rubrics_dir=s.rubrics_dir)
    except TaskInvalid as exc:
        fail(str(exc))
    rows = [
        {
            "id": t.id,
            "title": t.spec.title,
            "framework": t.spec.framework.value,
            "difficulty": t.spec.difficulty,
            "minutes": t.spec.minutes,
            "needs_gpu": t.spec.needs_gpu.value,
            "tags": t.spec.tags,
            "seeds": t.spec.seeds,
        }
        for t in all_tasks
    ]
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table("id", "title", "framework", "difficulty", "minutes")
    for r in rows:
        table.add_row(*(str(r[k]) for k in ("id", "title", "framework", "difficulty", "minutes")))
    Console().print(table)


@app.command()
def show(task_id: str = typer.Argument(..., metavar="TASK")) -> None:
    """Print a task's statement and starter code (never the reference)."""
    t = task_or_fail(task_id, load_settings())
    print(t.spec.statement.rstrip())
    print("\n## Starter code\n\n```python")
    print(t.spec.starter.rstrip())
    print("```")


@app.command(name="grade")
def grade_cmd(
    file: Path = typer.Argument(..., metavar="FILE", help="the candidate's Python file"),
    task_id: str = typer.Option(..., "--task", help="task id (see `grader tasks`)"),
    as_json: bool = typer.Option(False, "--json", help="print the JSON report"),
    as_markdown: bool = typer.Option(False, "--markdown", help="print the Markdown report"),
    candidate: str | None = typer.Option(None, "--candidate", help="candidate id to record"),
    candidate_view: bool = typer.Option(False, "--candidate-view", help="drop hidden checks' details (safe to share)"),
) -> None:
    """Grade FILE against TASK; exit 0 whenever a report was produced, whatever the score."""
    s = load_settings()
    t = task_or_fail(task_id, s)
    try:
        sub = read_submission(file, task_id=t.id, max_kib=s.max_submission_kib, candidate_id=candidate)
    except SubmissionRejected as exc:
        fail(str(exc))
    try:
        with _engine(s) as engine:
            report = engine.grade(sub, task=t)
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
        fail(f"no space left on device: the data dir {s.data_dir} (GRADER_DATA_DIR) is full; free some space")
    if candidate_view:
        report = reports.for_candidate(report)
    if as_json:
        print(reports.to_json(report))
    elif as_markdown:
        print(reports.to_markdown(report))
    else:
        print_summary(report)
    if report.status is Status.sandbox_error:
        raise typer.Exit(1)


def print_summary(report: Report, console: Console | None = None) -> None:
    """The terminal summary: every text from the submission is shown as text (no rich markup, no
    escape sequences reach the interviewer's terminal)."""
    c = console or Console()
    score = "n/a" if report.score is None else f"{report.score:g}/{report.max_score:g}"
    message = f" — {safe(report.message)}" if report.message else ""
    c.print(f"[bold]{safe(report.task_id)}[/bold]  {score}  status: {report.status.value}{message}")
    table = Table("check", "points", "ok", "feedback")
    for ch in report.checks:
        table.add_row(
            safe(ch.title + (" (hidden)" if ch.hidden else "")),
            f"{ch.points:g}/{ch.max_points:g}",
            "✅" if ch.passed else "❌",
            safe(reports.feedback_text(ch)),
        )
    c.print(table)
    for w in report.warnings:
        c.print(f"[yellow]warning:[/yellow] {safe(w)}")


@app.command()
def packs(as_json: bool = typer.Option(False, "--json", help="machine-readable output")) -> None:
    """List the interview packs (ordered task sets with a time budget)."""
    s = load_settings()
    try:
        all_packs = load_packs(s.tasks_dir)
    except TaskInvalid as exc:
        fail(str(exc))
    if as_json:
        print(json.dumps([p.model_dump() for p in all_packs], indent=2))
        return
    table = Table("id", "title", "minutes", "tasks")
    for p in all_packs:
        table.add_row(p.id, p.title, str(p.minutes), "\n".join(p.tasks))
    Console().print(table)


@app.command(name="grade-pack")
def grade_pack(
    folder: Path = typer.Argument(..., metavar="DIR", help="folder with one <task-id>.py per task of the pack"),
    pack_id: str = typer.Option(..., "--pack", help="pack id (see `grader packs`)"),
    as_json: bool = typer.Option(False, "--json", help="print the JSON report"),
    candidate: str | None = typer.Option(None, "--candidate", help="candidate id to record"),
) -> None:
    """Grade a candidate's pack: DIR/<task-id>.py for each task; a missing file scores 0."""
    s = load_settings()
    try:
        pack = next((p for p in load_packs(s.tasks_dir) if p.id == pack_id), None)
    except TaskInvalid as exc:
        fail(str(exc))
    if pack is None:
        fail(f"unknown pack {pack_id!r} (see `grader packs`)")
    if not folder.is_dir():
        fail(f"{folder}: not a folder")
    subs = {}
    for tid in pack.tasks:
        path = folder / f"{tid}.py"
        if path.exists():
            try:
                subs[tid] = read_submission(path, task_id=tid, max_kib=s.max_submission_kib, candidate_id=candidate)
            except SubmissionRejected as exc:
                fail(str(exc))
    if not subs:
        fail(f"{folder}: none of {', '.join(f'{t}.py' for t in pack.tasks)} found")
    tasks = {tid: task_or_fail(tid, s) for tid in pack.tasks}
    with _engine(s) as engine:
        graded: dict[str, Report | None] = {tid: engine.grade(sub, task=tasks[tid]) for tid, sub in subs.items()}
    result = combine(pack, graded, {tid: t.rubric.max_score for tid, t in tasks.items()}, candidate_id=candidate)
    print(result.model_dump_json(indent=2) if as_json else reports.pack_to_markdown(result))


@app.command()
def selfcheck(
    task_ids: list[str] = typer.Argument(None, metavar="[TASK]..."),
    sandbox: str | None = typer.Option(
        None, "--sandbox", help="backend: pool, process or docker (default: GRADER_SANDBOX)"
    ),
) -> None:
    """Check the task library on a backend: each reference runs twice (uncached) and must give the
    same usable observations, then gets full marks; each starter gets less. Exit 1 otherwise."""
    s = load_settings()
    if sandbox is not None:
        if sandbox not in ("pool", "process", "docker"):
            fail(f"unknown sandbox {sandbox!r}: use pool, process or docker")
        s = s.model_copy(update={"sandbox": sandbox})
    engine = _engine(s)
    ids = task_ids or [t.id for t in load_all(tasks_dir=s.tasks_dir, rubrics_dir=s.rubrics_dir)]
    failures = 0
    print(f"selfcheck on the {s.sandbox} backend")
    for tid in ids:
        t = task_or_fail(tid, s)
        defects = engine.check_reference(t)
        if defects:
            failures += 1
            print(f"FAIL {tid:28} reference defect: " + "; ".join(defects)[:2000])
        for kind, code in (("reference", t.spec.reference), ("starter", t.spec.starter)):
            r = engine.grade(Submission(task_id=t.id, code=code), task=t)
            full = r.status is Status.graded and r.score == r.max_score
            ok = (
                full if kind == "reference" else (r.status is not Status.sandbox_error and (r.score or 0) < r.max_score)
            )
            failures += not ok
            mark = "ok  " if ok else "FAIL"
            failed = ", ".join(c.id for c in r.checks if not c.passed)
            print(
                f"{mark} {tid:28} {kind:9} {r.status.value:15} {r.score}/{r.max_score:g}"
                + (f"  failed: {failed}" if failed else "")
                + (f"  {r.message}" if not ok and r.message else "")
            )
    engine.close()
    if failures:
        print(f"{failures} self-check failure(s)", file=sys.stderr)
        raise typer.Exit(1)
