"""Load interview tasks (tasks/<id>/) and their rubrics (rubrics/<id>.toml)."""

from __future__ import annotations

import ast
import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from grader.models import Rubric, TaskSpec

TASK_FILES = ("task.toml", "statement.md", "starter.py", "reference.py", "probes.py")


class TaskNotFound(LookupError):
    """No task with that id."""


class TaskInvalid(ValueError):
    """A task folder or rubric is malformed."""


@dataclass(frozen=True)
class Task:
    """A task and its rubric, as the trusted side sees them."""

    spec: TaskSpec
    rubric: Rubric
    fingerprint: str  # hash of every file, so caches follow edits
    # Hash of what decides a score (the rubric and the probes): every report records it, so a
    # score can be traced to what produced it.
    rubric_sha256: str = ""

    @property
    def id(self) -> str:
        return self.spec.id


def task_ids(tasks_dir: Path) -> list[str]:
    """Ids of every task folder, sorted."""
    if not tasks_dir.is_dir():
        return []
    return sorted(p.name for p in tasks_dir.iterdir() if (p / "task.toml").is_file())


def load_task(task_id: str, *, tasks_dir: Path, rubrics_dir: Path) -> Task:
    """Read and validate one task and its rubric."""
    folder = tasks_dir / task_id
    if not task_id or "/" in task_id or task_id.startswith(".") or not (folder / "task.toml").is_file():
        raise TaskNotFound(f"unknown task {task_id!r}")
    rubric_path = rubrics_dir / f"{task_id}.toml"
    digest = hashlib.sha256()
    texts: dict[str, str] = {}
    for name in TASK_FILES:
        path = folder / name
        if not path.is_file():
            raise TaskInvalid(f"task {task_id}: missing {name}")
        texts[name] = path.read_text(encoding="utf-8")
    if not rubric_path.is_file():
        raise TaskInvalid(f"task {task_id}: missing rubric {rubric_path.name}")
    texts["rubric"] = rubric_path.read_text(encoding="utf-8")
    for name in sorted(texts):
        digest.update(name.encode() + b"\0" + texts[name].encode() + b"\0")
    try:
        meta = tomllib.loads(texts["task.toml"])
        spec = TaskSpec(
            **meta,
            statement=texts["statement.md"],
            starter=texts["starter.py"],
            reference=texts["reference.py"],
            probes=texts["probes.py"],
        )
        rubric = Rubric(**tomllib.loads(texts["rubric"]))
    except (tomllib.TOMLDecodeError, ValidationError, TypeError) as exc:
        raise TaskInvalid(f"task {task_id}: {exc}") from exc
    if spec.id != task_id or rubric.task != task_id:
        raise TaskInvalid(f"task {task_id}: id in task.toml or rubric does not match the folder")
    _check_probes_exist(task_id, rubric, texts["probes.py"], rubric_path)
    scoring = hashlib.sha256(b"rubric\0" + texts["rubric"].encode() + b"\0probes\0" + texts["probes.py"].encode())
    return Task(spec=spec, rubric=rubric, fingerprint=digest.hexdigest(), rubric_sha256=scoring.hexdigest())


def _check_probes_exist(task_id: str, rubric: Rubric, probes: str, rubric_path: Path) -> None:
    """Every probe a check names is defined in probes.py (a typo would otherwise make every
    grading a sandbox_error): a load error naming the rubric file and the check's line."""
    try:
        tree = ast.parse(probes)
    except SyntaxError as exc:
        raise TaskInvalid(f"task {task_id}: probes.py line {exc.lineno}: {exc.msg}") from exc
    defined = {
        n.name.removeprefix("probe_")
        for n in tree.body
        if isinstance(n, ast.FunctionDef) and n.name.startswith("probe_")
    }
    lines = rubric_path.read_text(encoding="utf-8").splitlines()
    for check in rubric.checks:
        if check.probe not in defined:
            line = next((i for i, text in enumerate(lines, 1) if text.strip() == f'id = "{check.id}"'), 0)
            raise TaskInvalid(
                f"{rubric_path.name} line {line}: check {check.id!r} names probe {check.probe!r}, "
                f"but probes.py defines no probe_{check.probe}"
            )


def load_all(*, tasks_dir: Path, rubrics_dir: Path) -> list[Task]:
    """Every task, validated."""
    return [load_task(t, tasks_dir=tasks_dir, rubrics_dir=rubrics_dir) for t in task_ids(tasks_dir)]
