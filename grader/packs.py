"""Interview packs: named, ordered task sets with a time budget, graded into one combined report."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from grader.models import REPORT_SCHEMA_VERSION, Report
from grader.taskspec import TaskInvalid

PACKS_FILE = "packs.toml"


class Pack(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    minutes: int = Field(gt=0)
    description: str = ""
    tasks: list[str] = Field(min_length=1)


class PackEntry(BaseModel):
    task_id: str
    submitted: bool
    score: float
    max_score: float
    report: Report | None = None


class PackReport(BaseModel):
    """One report for a whole pack; a task with no file scores 0 and has no report."""

    schema_version: str = REPORT_SCHEMA_VERSION
    pack_id: str
    title: str
    minutes: int
    candidate_id: str | None = None
    score: float
    max_score: float
    tasks: list[PackEntry]
    graded_at: datetime


def load_packs(tasks_dir: Path) -> list[Pack]:
    """Every pack in tasks/packs.toml, validated (unique ids, no repeated task)."""
    path = tasks_dir / PACKS_FILE
    if not path.is_file():
        return []
    try:
        packs = [Pack(**p) for p in tomllib.loads(path.read_text(encoding="utf-8")).get("packs", [])]
    except (tomllib.TOMLDecodeError, ValidationError, TypeError) as exc:
        raise TaskInvalid(f"{PACKS_FILE}: {exc}") from exc
    ids = [p.id for p in packs]
    if len(ids) != len(set(ids)):
        raise TaskInvalid(f"{PACKS_FILE}: pack ids must be unique")
    for p in packs:
        if len(p.tasks) != len(set(p.tasks)):
            raise TaskInvalid(f"{PACKS_FILE}: pack {p.id} repeats a task")
    return packs


def combine(
    pack: Pack, reports: dict[str, Report | None], max_scores: dict[str, float], *, candidate_id: str | None = None
) -> PackReport:
    """Pure: per-task reports (None = not submitted) into the pack's report, in pack order."""
    entries = []
    for task_id in pack.tasks:
        r = reports.get(task_id)
        if r is None:
            entries.append(PackEntry(task_id=task_id, submitted=False, score=0.0, max_score=max_scores[task_id]))
        else:
            entries.append(
                PackEntry(task_id=task_id, submitted=True, score=r.score or 0.0, max_score=r.max_score, report=r)
            )
    return PackReport(
        pack_id=pack.id,
        title=pack.title,
        minutes=pack.minutes,
        candidate_id=candidate_id,
        score=sum(e.score for e in entries),
        max_score=sum(e.max_score for e in entries),
        tasks=entries,
        graded_at=datetime.now(UTC),
    )
