"""Pydantic models: task spec, rubric and checks, submission, check results and the report."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

REPORT_SCHEMA_VERSION = "1.0"


class Framework(str, Enum):
    torch = "torch"
    tensorflow = "tensorflow"
    numpy = "numpy"


class NeedsGpu(str, Enum):
    never = "never"
    optional = "optional"
    required = "required"


class Status(str, Enum):
    """How a grading ended; only `sandbox_error` is the grader's own fault."""

    graded = "graded"
    compile_error = "compile_error"
    runtime_error = "runtime_error"
    timeout = "timeout"
    memory_exceeded = "memory_exceeded"
    crashed = "crashed"
    sandbox_error = "sandbox_error"


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    timeout_s: float | None = Field(default=None, gt=0)
    memory_mb: int | None = Field(default=None, gt=0)


class TaskSpec(BaseModel):
    """A task's metadata (tasks/<id>/task.toml) plus its files' contents."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: str
    title: str
    framework: Framework
    difficulty: Literal["easy", "medium", "hard"]
    minutes: int = Field(gt=0)
    needs_gpu: NeedsGpu = NeedsGpu.never
    tags: list[str] = []
    seeds: list[str] = Field(min_length=1, description="seed documents the task is drawn from")
    limits: Limits = Limits()
    statement: str = ""
    starter: str = ""
    # The reference and probes are loaded by the trusted side only.
    reference: str = Field(default="", repr=False)
    probes: str = Field(default="", repr=False)

    def public(self) -> dict[str, Any]:
        """What a candidate or interviewer may see: everything but reference and probes."""
        return self.model_dump(mode="json", exclude={"reference", "probes"})


Comparison = Literal["exact", "allclose", "custom"]
CUSTOM_COMPARATORS = ("differ", "equal_fields", "decreasing")


class Check(BaseModel):
    """One weighted rubric check: which probe it reads and how it compares."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    points: float = Field(gt=0)
    hidden: bool = False
    probe: str
    field: str | None = None
    compare: Comparison = "exact"
    # "shape" / "dtype": compare only that aspect of a tensor (exactly)
    aspect: Literal["value", "shape", "dtype"] = "value"
    # allclose: tolerances override the per-dtype defaults in judge.DEFAULT_TOLERANCES
    rtol: float | None = Field(default=None, ge=0)
    atol: float | None = Field(default=None, ge=0)
    check_dtype: bool = True
    # exact against a literal instead of the reference's observation
    expected: Any = None
    # custom comparators operate on the candidate's own raw observations
    custom: str | None = None
    fields: list[str] = []
    feedback: str = ""
    # Feedback for one cause of failure ("type": wrong type or dtype, "shape": wrong shape or
    # length, "values": right kind and shape, wrong values); `feedback` covers any other cause.
    hints: dict[Literal["type", "shape", "values"], str] = {}
    # The reference raises this exception type (qualified as the harness names it) on this
    # check's probe, by design; without it, a reference that raises is the grader's fault.
    reference_raises: str | None = None
    # The expected value is stated in the statement (a public value), so a submission that forges
    # the observation stream can pass this check without solving the task; listed in docs/security.md.
    public: bool = False

    @model_validator(mode="after")
    def _custom_is_named(self) -> Check:
        if self.compare == "custom":
            if self.custom not in CUSTOM_COMPARATORS:
                raise ValueError(f"check {self.id}: custom must be one of {CUSTOM_COMPARATORS}")
            if len(self.fields) < 1:
                raise ValueError(f"check {self.id}: custom comparison needs fields")
        return self


class Rubric(BaseModel):
    """rubrics/<task>.toml: trials per probe and the weighted checks."""

    model_config = ConfigDict(extra="forbid")
    task: str
    trials: int = Field(default=3, ge=1, le=20)
    checks: list[Check] = Field(min_length=1)

    @field_validator("checks")
    @classmethod
    def _unique_ids(cls, checks: list[Check]) -> list[Check]:
        ids = [c.id for c in checks]
        if len(ids) != len(set(ids)):
            raise ValueError("check ids must be unique")
        return checks

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.checks)

    def probes(self) -> list[str]:
        """Probe names the checks use, in first-use order."""
        return list(dict.fromkeys(c.probe for c in self.checks))


class Submission(BaseModel):
    """A candidate's file for one task, validated before it is queued or graded."""

    model_config = ConfigDict(extra="forbid")
    task_id: str
    code: str
    candidate_id: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.code.encode("utf-8")).hexdigest()


class CheckResult(BaseModel):
    id: str
    title: str
    points: float
    max_points: float
    passed: bool
    feedback: str
    hidden: bool
    detail: str = ""  # what the judge saw; for interviewers (see reports.for_candidate)
    cause: str = ""  # why it failed: raised, type, shape, values, missing, not_run, or ""
    line: int | None = None  # the line of the submission its exception was raised from (cause "raised")


class IntegrityFinding(BaseModel):
    """Code that works on the grader rather than on the task (grader/integrity.py); shown to the
    interviewer with its line, never scored."""

    rule: str
    line: int
    message: str
    code: str = ""


class Environment(BaseModel):
    python: str
    torch: str | None = None
    tensorflow: str | None = None
    numpy: str | None = None
    device: str = "cpu"


class Report(BaseModel):
    """The scored report integrators parse; `schema_version` bumps on breaking changes."""

    schema_version: str = REPORT_SCHEMA_VERSION
    task_id: str
    task_version: str
    rubric_sha256: str = ""  # sha256 of the rubric and probes that scored it (taskspec.Task.rubric_sha256)
    candidate_id: str | None = None
    status: Status
    score: float | None
    max_score: float
    checks: list[CheckResult]
    message: str = ""
    # sandbox_error because the task's reference could not be trusted (a task defect, counted by
    # the grader_reference_failures metric), not because of this submission or the machine.
    reference_failed: bool = False
    # The line of the submission where it failed before any check ran: a syntax error's line, or
    # where importing it raised.
    error_line: int | None = None
    warnings: list[str] = []
    integrity: list[IntegrityFinding] = []  # signals for the interviewer; never change the score
    stdout: str = ""
    stderr: str = ""
    duration_s: float
    environment: Environment
    submission_sha256: str
    graded_at: datetime
