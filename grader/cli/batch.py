"""`grader batch` (registered on the main CLI app): grade a cohort into DIR/results.{jsonl,csv} and
DIR/summary.html. The logic lives in grader/batch/items.py and grader/batch/summary.py; this is the edge."""

from __future__ import annotations

import json
import os
import shlex
import signal
from collections import Counter
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from grader.batch import items as batch
from grader.batch import summary
from grader.cli.common import fail, load_settings, safe
from grader.models import Status
from grader.taskspec import TaskInvalid, TaskNotFound, load_task

app = typer.Typer()

err = Console(stderr=True)

HELP = """Grade a cohort: INPUT is a folder of candidate files (*.py; candidate id = file stem; needs
--task) or a .csv/.jsonl manifest with candidate_id, path and optionally task_id (relative paths
resolve against the manifest's folder; --task fills rows without a task_id).

Writes DIR/results.jsonl (one line per result, appended and fsync'd as it arrives: the source of
truth), then DIR/results.csv (candidate_id, task_id, status, score, max_score, one
`<task_id>:<check_id>` column of points per check, message) and DIR/summary.html. A file that
cannot be read (missing, unreadable, not UTF-8, too large) gets status `rejected` and no score.

Runs on --jobs local threads, or through the Celery cluster when GRADER_BROKER_URL is set (--local
forces local). After Ctrl-C or a kill, rerun with --resume: done pairs are skipped, sandbox_error
ones (the grader's fault) are retried.

Exit 0 when every candidate has a result, whatever the scores; 1 if any result is sandbox_error or
the grader failed; 2 for bad usage; 130/143 when interrupted (SIGINT/SIGTERM). See docs/batch.md."""


class RateColumn(ProgressColumn):
    """Results per minute (grading is seconds per file, so per-second rates read as 0.x)."""

    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("– /min" if speed is None else f"{speed * 60:.1f}/min", style="progress.data.speed")


def _cluster(settings, *, local: bool):
    """grade_via_cluster when GRADER_BROKER_URL is set and --local is not given, else None."""
    if not settings.broker_url or local:
        return None
    try:
        from grader.service.cluster import grade_via_cluster
    except ImportError as exc:
        fail(f"GRADER_BROKER_URL is set but the cluster client is unavailable ({exc}); pass --local")
    return grade_via_cluster


def _sources(records: list[batch.Record]) -> dict[str, str]:
    """The text of every file in a flagged similar pair, for summary.html's side-by-side view."""
    out: dict[str, str] = {}
    for r, s in summary.flagged_pairs(records):
        for f in (r.file, s.file):
            if f not in out:
                try:
                    out[f] = Path(f).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    pass  # shown as "source not available"
    return out


def _write_outputs(out: Path, records: list[batch.Record], pending: int) -> None:
    last = list(batch.latest(records).values())
    batch.write_atomic(out / batch.CSV_NAME, batch.to_csv(last))
    page = summary.render(last, title=f"Batch results: {out.name}", pending=pending, sources=_sources(last))
    batch.write_atomic(out / batch.HTML_NAME, page)


@app.command(name="batch", help=HELP)
def batch_cmd(
    source: Path = typer.Argument(..., metavar="INPUT", help="folder of *.py files, or a .csv/.jsonl manifest"),
    out: Path = typer.Option(..., "--out", metavar="DIR", help="output folder (created if missing)"),
    task_id: str | None = typer.Option(
        None, "--task", help="task id for a folder, or for manifest rows without task_id"
    ),
    jobs: int = typer.Option(os.cpu_count() or 1, "--jobs", min=1, help="local parallel gradings (default: CPU cores)"),
    resume: bool = typer.Option(False, "--resume", help="continue into a DIR that already has results.jsonl"),
    local: bool = typer.Option(False, "--local", help="grade here even when GRADER_BROKER_URL is set"),
) -> None:
    s = load_settings()
    try:
        items = batch.load_items(source, task_id)
    except batch.ManifestError as exc:
        fail(str(exc))
    max_scores: dict[str, float] = {}
    starters: dict[str, str] = {}
    for it in items:
        if it.task_id not in max_scores:
            try:
                task = load_task(it.task_id, tasks_dir=s.tasks_dir, rubrics_dir=s.rubrics_dir)
                max_scores[it.task_id], starters[it.task_id] = task.rubric.max_score, task.spec.starter
            except TaskNotFound:
                fail((f"{it.where}: " if it.where else "") + f"unknown task {it.task_id!r} (see `grader tasks`)")
            except TaskInvalid as exc:
                fail(str(exc))
    cluster = _cluster(s, local=local)
    if out.exists() and not out.is_dir():
        fail(f"{out}: exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        log = batch.ResultsLog(out / batch.LOG_NAME, resume=resume)
    except batch.ResultsError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{out}: cannot write results ({exc.strerror})")
    if log.dropped_partial:
        err.print(
            "note: ignored an incomplete last line in results.jsonl (a run killed mid-write); it will be redone",
            highlight=False,
        )
    records = list(log.previous)
    todo = batch.to_do(items, records)
    # Over every item, not only those still to do, so a resumed run compares with the whole cohort.
    similar = batch.similar_of(items, starters, max_kib=s.max_submission_kib) if todo else {}
    if resume and len(todo) < len(items):
        err.print(f"resuming: {len(items) - len(todo)} of {len(items)} already done", highlight=False)

    stop = batch.Stop()
    if cluster is not None:
        engine = None

        def grade_many(subs):
            return cluster(s, subs, priority="batch")
    else:
        from grader.engine import Engine

        engine = Engine(s)

        def grade_many(subs):
            return batch.grade_locally(engine.grade, subs, jobs=jobs, stop=stop, max_scores=max_scores)

    def on_signal(signum, frame):
        if stop:
            err.print("still finishing the gradings in progress (each ends within its time limit)", highlight=False)
            return
        stop.signal = signum
        if engine is None:  # the cluster client blocks on the broker: break out now
            raise KeyboardInterrupt
        err.print(f"{signal.Signals(signum).name}: finishing the gradings in progress, then stopping", highlight=False)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    failed: str | None = None
    try:
        columns = [
            TextColumn("grading"),
            BarColumn(),
            MofNCompleteColumn(),
            RateColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
        ]
        with Progress(*columns, console=err, disable=not todo) as progress:
            bar = progress.add_task("grading", total=len(todo))

            def on_record(rec: batch.Record) -> None:
                records.append(rec)
                progress.advance(bar)

            batch.run_batch(
                todo,
                grade_many=grade_many,
                log=log,
                max_scores=max_scores,
                max_kib=s.max_submission_kib,
                on_record=on_record,
                similar=similar,
            )
    except KeyboardInterrupt:
        stop.signal = stop.signal or signal.SIGINT
    except Exception as exc:  # noqa: BLE001 - e.g. the broker went away: keep what is written, say so
        failed = f"{type(exc).__name__}: {exc}"
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        log.close()
        if engine is not None:
            engine.close()

    pending = len(batch.to_do(items, records))
    _write_outputs(out, records, pending)
    last = batch.latest(records)
    errors = sum(r.status == Status.sandbox_error.value for r in last.values())
    missing = sum(it.key not in last for it in items)
    if missing and not (failed or stop):  # e.g. the cluster never answered for some: the grader's failure
        failed = f"no result for {missing} candidate(s)"
    counts = ", ".join(f"{n} {st}" for st, n in sorted(Counter(r.status for r in last.values()).items()))
    print(f"{len(last)} result(s): {counts or 'none'}; wrote {out / batch.CSV_NAME} and {out / batch.HTML_NAME}")
    if failed or stop:
        why = f"grader failed ({failed})" if failed else "interrupted"
        again = [
            "grader",
            "batch",
            str(source),
            *(["--task", task_id] if task_id else []),
            "--out",
            str(out),
            "--resume",
        ]
        err.print(
            safe(f"{why}: {len(items) - pending} of {len(items)} done; continue with: {shlex.join(again)}"),
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1 if failed else 128 + int(stop.signal or 0))
    if errors:
        err.print(
            f"{errors} sandbox_error result(s) (the grader's fault): rerun with --resume to retry them", highlight=False
        )
        raise typer.Exit(1)


@app.command(name="bench")
def bench_cmd(
    n: int = typer.Option(20, "--n", min=2, help="submissions per task (half correct, half buggy)"),
    naive_n: int = typer.Option(4, "--naive-n", min=1, help="submissions per task for the slow naive path"),
    jobs: int = typer.Option(os.cpu_count() or 1, "--jobs", min=1, help="parallel gradings for throughput"),
    skip: str = typer.Option("", "--skip", help="comma-separated paths to skip: naive,celery,docker,gpu"),
    json_out: Path | None = typer.Option(None, "--json", metavar="FILE", help="also write the JSON result to FILE"),
) -> None:
    """Grade the same submissions of torch-train-step and tf-train-step the naive way (a fresh
    process each), on the warm pool, through Celery + Redis, and on the docker backend; print
    p50/p95 latency, throughput, peak memory and the ratio to the naive way (table, then JSON)."""
    from rich.table import Table

    from grader.batch import bench

    s = load_settings()
    skipped = {x.strip() for x in skip.split(",") if x.strip()}
    bad = skipped - {"naive", "celery", "docker", "gpu"}
    if bad:
        fail(f"--skip: unknown path(s) {', '.join(sorted(bad))}; choose from naive, celery, docker, gpu")
    result = bench.run(
        s, n=n, naive_n=naive_n, jobs=jobs, skip=skipped, progress=lambda m: err.print(f"[dim]bench:[/dim] {m}")
    )
    table = Table("path", "task", "p50 ms", "p95 ms", "per s", "peak PSS MB", "p50 vs naive", "statuses")
    for row in bench.table_rows(result):
        table.add_row(*row)
    Console().print(table)
    Console().print(
        f"sandbox overhead p50 (ms): {result['overhead_ms']}; warm pool: {result.get('pool')}; "
        f"skipped: {result['skipped'] or 'none'}"
    )
    text = json.dumps(result, indent=2)
    print(text)
    if json_out:
        json_out.write_text(text + "\n")
