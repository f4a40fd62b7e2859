"""The service's database (SQLAlchemy 2): submissions, API keys (hashed) and webhook deliveries.

SQLite file under settings.data_dir by default; PostgreSQL via GRADER_DATABASE_URL. A PostgreSQL URL
may carry `?options=-csearch_path%3D<schema>` to keep tests (or tenants) in their own schema.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    case,
    create_engine,
    event,
    func,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from grader.models import Report, Submission
from grader.settings import Settings

# Lifecycle of a stored submission; the report (when completed) carries how grading ended.
QUEUED, RUNNING, COMPLETED = "queued", "running", "completed"
PRIORITIES = ("interactive", "batch")
LATENCY_BUCKETS_S = (1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    pass


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16))  # shown to users; the key itself is never stored
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SubmissionRow(Base):
    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("owner_id", "idempotency_key", name="uq_owner_idempotency"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner_id: Mapped[str | None] = mapped_column(String(36), index=True)
    task_id: Mapped[str] = mapped_column(String(200))
    candidate_id: Mapped[str | None] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(Text)
    callback_url: Mapped[str | None] = mapped_column(Text)
    meta: Mapped[dict | None] = mapped_column("metadata", JSON)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[str] = mapped_column(String(16), default="interactive")
    status: Mapped[str] = mapped_column(String(16), index=True, default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result_status: Mapped[str | None] = mapped_column(String(32))  # the report's status
    grading_s: Mapped[float | None] = mapped_column(Float)  # graded_at - created_at (latency metric)
    report: Mapped[dict | None] = mapped_column(JSON)

    def submission(self) -> Submission:
        return Submission(task_id=self.task_id, code=self.code, candidate_id=self.candidate_id)

    def report_model(self) -> Report | None:
        return Report.model_validate(self.report) if self.report is not None else None


class Delivery(Base):
    __tablename__ = "webhook_deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(String(36), index=True)
    event_id: Mapped[str] = mapped_column(String(64))
    attempt: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IdempotencyConflict(ValueError):
    """The Idempotency-Key was used before with a different request."""


@dataclass(frozen=True)
class NewKey:
    id: str
    name: str
    prefix: str
    key: str  # shown once


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def request_hash(payload: dict[str, Any]) -> str:
    """A stable hash of a request body, to compare requests sharing an Idempotency-Key."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=True).encode()).hexdigest()


def database_url(settings: Settings) -> str:
    """settings.database_url, or a SQLite file under settings.data_dir."""
    if settings.database_url:
        return settings.database_url
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{settings.data_dir / 'grader.db'}"


class Store:
    """Every read and write of the service's state; safe to share between threads."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite"):
            self.engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

            @event.listens_for(self.engine, "connect")
            def _pragmas(conn, _record) -> None:  # WAL: API and workers write the same file
                cur = conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA busy_timeout=30000")
                cur.close()
        else:
            self.engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> "Store":
        return cls(database_url(settings))

    def create_schema(self) -> None:
        """Create missing tables (idempotent; an API and workers starting together may race)."""
        try:
            Base.metadata.create_all(self.engine)
        except (IntegrityError, ProgrammingError, OperationalError):
            Base.metadata.create_all(self.engine)  # another process created them meanwhile

    def ping(self) -> None:
        """Raise if the database cannot be reached."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def close(self) -> None:
        self.engine.dispose()

    # --- API keys ---------------------------------------------------------------------------------
    def create_key(self, name: str) -> NewKey:
        """A new API key; only its hash is stored."""
        key = "gk_" + secrets.token_urlsafe(32)
        row = ApiKey(id=str(uuid.uuid4()), name=name, prefix=key[:10], key_hash=hash_key(key), created_at=utcnow())
        with self._session.begin() as s:
            s.add(row)
        return NewKey(id=row.id, name=name, prefix=row.prefix, key=key)

    def key_owner(self, key: str) -> str | None:
        """The id of the key, or None if unknown."""
        with self._session() as s:
            return s.scalar(select(ApiKey.id).where(ApiKey.key_hash == hash_key(key)))

    def keys(self) -> list[ApiKey]:
        with self._session() as s:
            return list(s.scalars(select(ApiKey).order_by(ApiKey.created_at)))

    # --- submissions ------------------------------------------------------------------------------
    def add_submission(
        self,
        submission: Submission,
        *,
        owner_id: str | None,
        callback_url: str | None = None,
        metadata: dict | None = None,
        idempotency_key: str | None = None,
        priority: str = "interactive",
    ) -> tuple[SubmissionRow, bool]:
        """Store a queued submission; (row, created). An Idempotency-Key reused with the same
        request returns the first row (created False); with a different one, IdempotencyConflict."""
        if priority not in PRIORITIES:
            raise ValueError(f"priority must be one of {PRIORITIES}")
        rhash = request_hash({**submission.model_dump(), "callback_url": callback_url, "metadata": metadata})
        if idempotency_key is not None:
            existing = self._by_idempotency(owner_id, idempotency_key)
            if existing is not None:
                return self._same_request(existing, rhash, idempotency_key), False
        row = SubmissionRow(
            id=str(uuid.uuid4()), owner_id=owner_id, task_id=submission.task_id, candidate_id=submission.candidate_id,
            code=submission.code, callback_url=callback_url, meta=metadata, idempotency_key=idempotency_key,
            request_hash=rhash, priority=priority, status=QUEUED, attempts=0, created_at=utcnow(),
        )
        try:
            with self._session.begin() as s:
                s.add(row)
        except IntegrityError:  # a concurrent request with the same key won the race
            existing = self._by_idempotency(owner_id, idempotency_key)
            if existing is None:
                raise
            return self._same_request(existing, rhash, idempotency_key), False
        return row, True

    @staticmethod
    def _same_request(row: SubmissionRow, rhash: str, key: str) -> SubmissionRow:
        if row.request_hash != rhash:
            raise IdempotencyConflict(f"Idempotency-Key {key!r} was already used with a different request body")
        return row

    def _by_idempotency(self, owner_id: str | None, key: str) -> SubmissionRow | None:
        with self._session() as s:
            owner = SubmissionRow.owner_id.is_(None) if owner_id is None else SubmissionRow.owner_id == owner_id
            return s.scalar(select(SubmissionRow).where(owner, SubmissionRow.idempotency_key == key))

    def get(self, submission_id: str, *, owner_id: str | None = None, any_owner: bool = False) -> SubmissionRow | None:
        """The submission, if it exists and (unless any_owner) belongs to owner_id."""
        with self._session() as s:
            row = s.get(SubmissionRow, submission_id)
        if row is None or (not any_owner and row.owner_id != owner_id):
            return None
        return row

    def start(self, submission_id: str) -> SubmissionRow | None:
        """Mark a submission running and count the attempt; None if missing or already completed."""
        with self._session.begin() as s:
            res = s.execute(
                update(SubmissionRow)
                .where(SubmissionRow.id == submission_id, SubmissionRow.status != COMPLETED)
                .values(status=RUNNING, started_at=utcnow(), attempts=SubmissionRow.attempts + 1)
            )
            if res.rowcount == 0:
                return None
            return s.get(SubmissionRow, submission_id)

    def complete(self, submission_id: str, report: Report) -> bool:
        """Save the report; True only for the call that completed it (so a duplicate job does not
        notify twice)."""
        now = utcnow()
        with self._session.begin() as s:
            row = s.get(SubmissionRow, submission_id)
            if row is None or row.status == COMPLETED:
                return False
            res = s.execute(
                update(SubmissionRow)
                .where(SubmissionRow.id == submission_id, SubmissionRow.status != COMPLETED)
                .values(status=COMPLETED, graded_at=now, report=json.loads(report.model_dump_json()),
                        result_status=report.status.value, grading_s=(now - row.created_at).total_seconds())
            )
            return res.rowcount == 1

    def requeue(self, submission_id: str) -> None:
        """Back to queued (a retry of the grader's own fault is pending)."""
        with self._session.begin() as s:
            s.execute(update(SubmissionRow).where(SubmissionRow.id == submission_id, SubmissionRow.status != COMPLETED).values(status=QUEUED))

    def pending(self) -> list[SubmissionRow]:
        """Submissions not yet completed (queued, or running when a process died), oldest first."""
        with self._session() as s:
            return list(s.scalars(select(SubmissionRow).where(SubmissionRow.status != COMPLETED).order_by(SubmissionRow.created_at)))

    def completed_among(self, ids: list[str]) -> list[SubmissionRow]:
        """Those of ids that are completed."""
        out: list[SubmissionRow] = []
        with self._session() as s:
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                out += s.scalars(select(SubmissionRow).where(SubmissionRow.id.in_(chunk), SubmissionRow.status == COMPLETED))
        return out

    # --- metrics ----------------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Submissions by lifecycle status (queued/running) and, once completed, by report status."""
        label = case((SubmissionRow.status == COMPLETED, SubmissionRow.result_status), else_=SubmissionRow.status)
        with self._session() as s:
            return {k: n for k, n in s.execute(select(label, func.count()).group_by(label))}

    def reference_failures(self) -> dict[str, int]:
        """Completed submissions per task whose grading failed because the task's reference could
        not be trusted (a sandbox_error the grader's reference check raised)."""
        out: dict[str, int] = {}
        query = select(SubmissionRow.task_id, SubmissionRow.report).where(SubmissionRow.status == COMPLETED, SubmissionRow.result_status == "sandbox_error")
        with self._session() as s:
            for task_id, report in s.execute(query):
                if str((report or {}).get("message", "")).startswith("reference solution of"):
                    out[task_id] = out.get(task_id, 0) + 1
        return out

    def latency_histogram(self, buckets: tuple[float, ...] = LATENCY_BUCKETS_S) -> tuple[list[int], int, float]:
        """(cumulative counts per bucket, total count, sum) of submit-to-report seconds."""
        g = SubmissionRow.grading_s
        cols = [func.coalesce(func.sum(case((g <= b, 1), else_=0)), 0) for b in buckets]
        with self._session() as s:
            row = s.execute(select(*cols, func.count(g), func.coalesce(func.sum(g), 0.0)).where(g.is_not(None))).one()
        return [int(x) for x in row[: len(buckets)]], int(row[-2]), float(row[-1])

    # --- webhook deliveries -----------------------------------------------------------------------
    def add_delivery(self, **fields: Any) -> Delivery:
        row = Delivery(**fields)
        with self._session.begin() as s:
            s.add(row)
        return row

    def undelivered(self) -> list[tuple[str, int, datetime]]:
        """(submission id, next attempt, when it is due) for every completed submission with a
        callback whose event is still owed: never attempted (the process stopped between grading
        and the first attempt), or whose last attempt failed with a retry scheduled."""
        owed = []
        with self._session() as s:
            rows = s.execute(
                select(SubmissionRow.id, SubmissionRow.graded_at)
                .where(SubmissionRow.status == COMPLETED, SubmissionRow.callback_url.is_not(None))
            ).all()
            for sid, graded_at in rows:
                last = s.scalars(select(Delivery).where(Delivery.submission_id == sid).order_by(Delivery.attempt.desc(), Delivery.id.desc()).limit(1)).first()
                if last is None:
                    owed.append((sid, 1, graded_at or utcnow()))
                elif last.error is not None and last.next_retry_at is not None:
                    owed.append((sid, last.attempt + 1, last.next_retry_at))
        return owed

    def deliveries(self, submission_id: str) -> list[Delivery]:
        with self._session() as s:
            return list(s.scalars(select(Delivery).where(Delivery.submission_id == submission_id).order_by(Delivery.attempt, Delivery.id)))
