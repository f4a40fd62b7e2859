"""`grader batch` without the CLI: what to grade (folder or CSV/JSONL manifest), the append-only
results log that makes --resume work, the grading loop, and the CSV built from the log.

results.jsonl is the source of truth: one `Record` per line, appended, flushed and fsync'd as each
report arrives. results.csv and summary.html are rebuilt from it; the latest line of a
(candidate_id, task_id) pair wins, so a retried sandbox_error replaces the earlier one.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from grader.grading import grader_error
from grader.models import Report, Status, Submission
from grader.similarity import SimilarityIndex, Starter, fingerprint
from grader.submissions import SubmissionRejected, read_submission

REJECTED = "rejected"  # the file could not be read as a submission (missing, unreadable, not UTF-8, too large)
LOG_NAME, CSV_NAME, HTML_NAME = "results.jsonl", "results.csv", "summary.html"
FIXED_COLUMNS = ["candidate_id", "task_id", "status", "score", "max_score"]

GradeMany = Callable[[Iterable[Submission]], Iterator[tuple[Submission, Report]]]


class ManifestError(ValueError):
    """The input cannot be used; the message is one line naming the file and line."""


class ResultsError(ValueError):
    """results.jsonl cannot be used as it is (exists without --resume, or a corrupt line)."""


@dataclass(frozen=True)
class Item:
    """One candidate file to grade for one task; `where` names its manifest line ("" for a folder)."""

    candidate_id: str
    task_id: str
    path: Path
    where: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.candidate_id, self.task_id)


class Similar(BaseModel):
    """Another file of the same task in the batch that shares code with this one beyond the starter
    (grader.similarity): regions are [first, last line here, first, last line there]."""

    candidate_id: str
    file: str
    score: float
    shared_tokens: int
    flagged: bool
    regions: list[tuple[int, int, int, int]] = []


class Record(BaseModel):
    """One line of results.jsonl: a candidate × task outcome, with the full report when there is one,
    and the files of the same task in the batch most similar to it."""

    candidate_id: str
    task_id: str
    file: str
    status: str  # a Status value, or "rejected"
    score: float | None
    max_score: float
    message: str = ""
    report: Report | None = None
    similar: list[Similar] = []

    @property
    def key(self) -> tuple[str, str]:
        return (self.candidate_id, self.task_id)


# ---------------------------------------------------------------- what to grade


def items_from_folder(folder: Path, task_id: str | None) -> list[Item]:
    """Every *.py file directly in folder (hidden files skipped); candidate id = file stem."""
    if not task_id:
        raise ManifestError(f"{folder}: a folder needs --task (or give a CSV/JSONL manifest with task_id)")
    files = sorted(p for p in folder.iterdir() if p.suffix == ".py" and not p.name.startswith(".") and p.is_file())
    if not files:
        raise ManifestError(f"{folder}: no .py files to grade")
    return [Item(p.stem, task_id, p, "") for p in files]


def _item(row: Mapping[str, object], *, base: Path, task_id: str | None, where: str) -> Item:
    def field(name: str) -> str:
        value = row.get(name)
        if isinstance(value, bool) or not isinstance(value, (str, int, type(None))):
            raise ManifestError(f"{where}: {name} must be a string")
        return "" if value is None else str(value).strip()

    cid, path, tid = field("candidate_id"), field("path"), field("task_id") or (task_id or "")
    for name, value in (("candidate_id", cid), ("path", path)):
        if not value:
            raise ManifestError(f"{where}: missing {name}")
    if not tid:
        raise ManifestError(f"{where}: no task_id and no --task")
    p = Path(path)
    return Item(cid, tid, p if p.is_absolute() else base / p, where)


def items_from_csv(text: str, *, name: str, base: Path, task_id: str | None) -> list[Item]:
    """A CSV manifest with a header naming candidate_id, path and optionally task_id."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in ("candidate_id", "path") if c not in header]
    if missing:
        raise ManifestError(f"{name} line 1: the header must name candidate_id and path (missing {', '.join(missing)})")
    reader.fieldnames = header
    items = []
    try:
        for row in reader:
            if None in row:
                raise ManifestError(f"{name} line {reader.line_num}: more fields than the header has")
            items.append(_item(row, base=base, task_id=task_id, where=f"{name} line {reader.line_num}"))
    except csv.Error as exc:
        raise ManifestError(f"{name} line {reader.line_num}: {exc}") from None
    return _unique(items, name)


def items_from_jsonl(text: str, *, name: str, base: Path, task_id: str | None) -> list[Item]:
    """A JSONL manifest: one object per line with candidate_id, path and optionally task_id."""
    items = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ManifestError(f"{name} line {n}: not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise ManifestError(f"{name} line {n}: expected a JSON object")
        items.append(_item(row, base=base, task_id=task_id, where=f"{name} line {n}"))
    return _unique(items, name)


def _unique(items: list[Item], name: str) -> list[Item]:
    if not items:
        raise ManifestError(f"{name}: the manifest lists no candidates")
    seen: dict[tuple[str, str], Item] = {}
    for it in items:
        if it.key in seen:
            raise ManifestError(
                f"{it.where}: candidate {it.candidate_id!r} for task {it.task_id!r} "
                f"is already listed ({seen[it.key].where})"
            )
        seen[it.key] = it
    return items


def load_items(source: Path, task_id: str | None) -> list[Item]:
    """Items from a folder, a .csv or a .jsonl/.ndjson manifest (relative paths: the manifest's folder)."""
    if source.is_dir():
        return items_from_folder(source, task_id)
    if not source.is_file():
        raise ManifestError(f"{source}: no such file or folder")
    kind = source.suffix.lower()
    if kind not in (".csv", ".jsonl", ".ndjson"):
        raise ManifestError(f"{source}: expected a folder, a .csv or a .jsonl manifest")
    try:
        text = source.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{source}: not UTF-8 text (bad byte at offset {exc.start})") from None
    except OSError as exc:
        raise ManifestError(f"{source}: cannot be read ({exc.strerror})") from None
    parse = items_from_csv if kind == ".csv" else items_from_jsonl
    return parse(text, name=source.name, base=source.parent, task_id=task_id)


# ---------------------------------------------------------------- the results log


def read_log(path: Path) -> tuple[list[Record], int, bool]:
    """Records in results.jsonl, the byte length of its complete lines, and whether an unterminated
    last line (a run killed mid-write) was left out; any other bad line is a ResultsError."""
    if not path.exists():
        return [], 0, False
    data = path.read_bytes()
    good = data.rfind(b"\n") + 1  # each record is one write ending in a newline: a tail without one was cut short
    records = []
    for n, raw in enumerate(data[:good].split(b"\n")[:-1], 1):
        if not raw.strip():
            continue
        try:
            records.append(Record.model_validate_json(raw))
        except ValidationError:
            raise ResultsError(f"{path.name} line {n}: not a result record; fix or move the file") from None
    return records, good, bool(data[good:].strip())


class ResultsLog:
    """Append-only results.jsonl; each record is flushed and fsync'd before it counts as done."""

    def __init__(self, path: Path, *, resume: bool) -> None:
        records, good, partial = read_log(path)
        self.dropped_partial = partial and resume
        if records and not resume:
            raise ResultsError(
                f"{path} already holds {len(records)} result(s): pass --resume to continue, or choose another --out"
            )
        self.path = path
        self.previous = records if resume else []
        self._file = open(path, "r+b" if path.exists() else "wb")  # noqa: SIM115 - held open for the run
        self._file.truncate(good if resume else 0)  # drop a cut-short last line before appending
        self._file.seek(0, os.SEEK_END)

    def append(self, record: Record) -> None:
        self._file.write(record.model_dump_json().encode() + b"\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


def latest(records: Iterable[Record]) -> dict[tuple[str, str], Record]:
    """The last record of each (candidate_id, task_id) pair, in first-seen order."""
    out: dict[tuple[str, str], Record] = {}
    for r in records:
        out[r.key] = r
    return out


def to_do(items: list[Item], done: Iterable[Record]) -> list[Item]:
    """Items without a record, or whose latest record is a sandbox_error (the grader's fault: retried)."""
    last = latest(done)
    return [it for it in items if it.key not in last or last[it.key].status == Status.sandbox_error.value]


# ---------------------------------------------------------------- grading


def record_of(item: Item, report: Report, similar: Iterable[Similar] = ()) -> Record:
    """The log line for a report."""
    return Record(
        similar=list(similar),
        candidate_id=item.candidate_id,
        task_id=item.task_id,
        file=str(item.path),
        status=report.status.value,
        score=report.score,
        max_score=report.max_score,
        message=report.message,
        report=report,
    )


def rejected(item: Item, max_score: float, why: str) -> Record:
    """The log line for a file that could not be read as a submission (no report, no score)."""
    return Record(
        candidate_id=item.candidate_id,
        task_id=item.task_id,
        file=str(item.path),
        status=REJECTED,
        score=None,
        max_score=max_score,
        message=why,
    )


def grader_failure(submission: Submission, max_score: float, exc: BaseException) -> Report:
    """A sandbox_error report for an exception the grader raised (a grader bug, retried on --resume)."""
    message = f"grader error: {type(exc).__name__}: {exc}"[:2000]
    return grader_error(submission, message, max_score=max_score, task_version="")


class Stop:
    """Set by a signal handler; the local grader starts nothing new once it is set."""

    def __init__(self) -> None:
        self.signal: int | None = None

    def __bool__(self) -> bool:
        return self.signal is not None


def grade_locally(
    grade: Callable[[Submission], Report],
    submissions: Iterable[Submission],
    *,
    jobs: int,
    stop: Stop,
    max_scores: Mapping[str, float],
) -> Iterator[tuple[Submission, Report]]:
    """Grade on `jobs` threads (each grade's sandbox is its own process), yielding as each finishes.
    At most `jobs` grades are in flight, so after a stop only those finish (and are recorded)."""
    todo = iter(submissions)

    def safe(sub: Submission) -> Report:
        try:
            return grade(sub)
        except Exception as exc:  # noqa: BLE001 - a grader bug must not sink the whole batch
            return grader_failure(sub, max_scores.get(sub.task_id, 0.0), exc)

    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="batch-grade") as pool:
        pending: dict = {}
        while True:
            while not stop and len(pending) < jobs and (sub := next(todo, None)) is not None:
                pending[pool.submit(safe, sub)] = sub
            if not pending:
                return
            done, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for f in done:
                yield pending.pop(f), f.result()


def run_batch(
    items: list[Item],
    *,
    grade_many: GradeMany,
    log: ResultsLog,
    max_scores: Mapping[str, float],
    max_kib: int,
    on_record: Callable[[Record], None] = lambda r: None,
    similar: Mapping[tuple[str, str], list[Similar]] | None = None,
) -> None:
    """Read each item's file (a bad file is a `rejected` record), grade the rest, log each result as it
    arrives (with its `similar` files, from `similar_of`, when given)."""
    queued: dict[tuple[str, str], Item] = {}
    subs: list[Submission] = []
    for it in items:
        try:
            sub = read_submission(it.path, task_id=it.task_id, max_kib=max_kib, candidate_id=it.candidate_id)
        except SubmissionRejected as exc:
            rec = rejected(it, max_scores[it.task_id], str(exc))
            log.append(rec)
            on_record(rec)
            continue
        queued[it.key] = it
        subs.append(sub)
    if not subs:
        return
    results = grade_many(subs)
    try:
        for sub, report in results:
            key = (sub.candidate_id or "", sub.task_id)
            if key not in queued:  # not ours, or a duplicate answer: never record it twice
                continue
            rec = record_of(queued.pop(key), report, (similar or {}).get(key, ()))
            log.append(rec)
            on_record(rec)
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()


# ---------------------------------------------------------------- similarity


def similar_of(
    items: Iterable[Item], starters: Mapping[str, str], *, max_kib: int, top: int = 3
) -> dict[tuple[str, str], list[Similar]]:
    """For each item, the `top` files of the same task in the batch sharing the most code with it
    beyond the task's starter (files that cannot be read are left out: they are `rejected`)."""
    by_task: dict[str, list[Item]] = {}
    for it in items:
        by_task.setdefault(it.task_id, []).append(it)
    out: dict[tuple[str, str], list[Similar]] = {}
    for task_id, group in by_task.items():
        base = Starter.of(starters.get(task_id))
        index = SimilarityIndex()
        readable: dict[str, Item] = {}
        for it in group:
            try:
                sub = read_submission(it.path, task_id=task_id, max_kib=max_kib, candidate_id=it.candidate_id)
            except SubmissionRejected:
                continue
            index.add(it.candidate_id, fingerprint(sub.code, base))
            readable[it.candidate_id] = it
        for cid, it in readable.items():
            out[it.key] = [
                Similar(
                    candidate_id=m.other_id,
                    file=str(readable[m.other_id].path),
                    score=round(m.score, 4),
                    shared_tokens=m.shared_tokens,
                    flagged=m.flagged,
                    regions=[(r.a_first, r.a_last, r.b_first, r.b_last) for r in m.regions],
                )
                for m in index.query(index.get(cid), top=top, exclude={cid})
            ]
    return out


# ---------------------------------------------------------------- results.csv


def check_columns(records: Iterable[Record]) -> list[tuple[str, str]]:
    """(task_id, check_id) for every check seen, tasks sorted, checks in rubric order."""
    seen: dict[str, dict[str, None]] = {}
    for r in records:
        cols = seen.setdefault(r.task_id, {})
        for c in r.report.checks if r.report else []:
            cols.setdefault(c.id, None)
    return [(t, c) for t in sorted(seen) for c in seen[t]]


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


def _text(s: str) -> str:
    """Neutralise spreadsheet formulas in untrusted text (=, +, -, @ at the start)."""
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s


def csv_table(records: Iterable[Record]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of results.csv: one row per candidate × task (latest record), sorted;
    check columns are `<task_id>:<check_id>` holding the points earned (empty: not graded / other task)."""
    rows = sorted(latest(records).values(), key=lambda r: (r.candidate_id, r.task_id))
    cols = check_columns(rows)
    header = FIXED_COLUMNS + [f"{t}:{c}" for t, c in cols] + ["message"]
    out = []
    for r in rows:
        graded = r.report is not None and r.status != Status.sandbox_error.value
        points = {(r.task_id, c.id): c.points for c in r.report.checks} if graded and r.report else {}
        out.append(
            [
                _text(r.candidate_id),
                r.task_id,
                r.status,
                _num(r.score),
                _num(r.max_score),
                *[_num(points.get(col)) for col in cols],
                _text(r.message),
            ]
        )
    return header, out


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    os.replace(tmp, path)


def to_csv(records: Iterable[Record]) -> str:
    """results.csv as text."""
    header, rows = csv_table(records)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()
