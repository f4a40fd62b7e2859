"""The service's database (SQLAlchemy 2): organisations, their API keys (hashed), submissions,
invitations and their drafts, webhook endpoints and deliveries.

SQLite file under settings.data_dir by default; PostgreSQL via GRADER_DATABASE_URL. A PostgreSQL URL
may carry `?options=-csearch_path%3D<schema>` to keep tests (or tenants) in their own schema.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    case,
    create_engine,
    delete,
    event,
    func,
    inspect,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from grader.models import Report, Status, Submission
from grader.settings import Settings

log = logging.getLogger(__name__)
# Lifecycle of a stored submission; the report (when completed) carries how grading ended.


class State(StrEnum):
    """Where a stored submission is in its life: queued -> running -> completed (a requeue goes back
    to queued). Stored as its text."""

    queued = "queued"
    running = "running"
    completed = "completed"


PRIORITIES = ("interactive", "batch")
LATENCY_BUCKETS_S = (1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    pass


DEFAULT_ORG = "default"  # the organisation of keys created without --org


class Organisation(Base):
    """Who owns data: every key, submission, invitation and webhook endpoint belongs to one, and
    a key sees only its organisation's. owner_id columns hold an organisation id."""

    __tablename__ = "organisations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # Candidates see their own report (the candidate view: no hidden details) on the take page.
    candidate_view: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    org_id: Mapped[str | None] = mapped_column(String(36), index=True)  # None only before _upgrade
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
    status: Mapped[str] = mapped_column(String(16), index=True, default=State.queued)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result_status: Mapped[str | None] = mapped_column(String(32))  # the report's status
    grading_s: Mapped[float | None] = mapped_column(Float)  # graded_at - created_at (latency metric)
    report: Mapped[dict | None] = mapped_column(JSON)  # the latest (report_versions keeps them all)
    regrades: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    def submission(self) -> Submission:
        return Submission(task_id=self.task_id, code=self.code, candidate_id=self.candidate_id)

    def report_model(self) -> Report:
        """The saved report (only a completed submission has one)."""
        if self.report is None:
            raise ValueError(f"submission {self.id} is {self.status}: no report yet")
        return Report.model_validate(self.report)


class ReportVersion(Base):
    """The reports of a regraded submission, oldest first: its first regrade writes the report so
    far as version 1, each regrade adds one (a submission never regraded has no rows: its one
    report is version 1). Each records the task version and the rubric and probes' hash."""

    __tablename__ = "report_versions"
    __table_args__ = (UniqueConstraint("submission_id", "version", name="uq_report_version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(String(36), index=True)
    version: Mapped[int] = mapped_column(Integer)
    report: Mapped[dict] = mapped_column(JSON)
    graded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    task_version: Mapped[str] = mapped_column(String(64))
    rubric_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    score: Mapped[float | None] = mapped_column(Float)


class FingerprintRow(Base):
    """A graded submission's similarity fingerprint (grader.similarity), kept per organisation and
    task; seq orders them so an index loads only what is new."""

    __tablename__ = "fingerprints"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(String(36), unique=True)
    org_id: Mapped[str | None] = mapped_column(String(36))
    task_id: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # sqlite_autoincrement: SQLite would otherwise give a replaced last row its seq again, and an
    # index that has read up to that seq would never see the new fingerprint.
    __table_args__ = (Index("ix_fingerprints_scope", "org_id", "task_id", "seq"), {"sqlite_autoincrement": True})


class InvitationRow(Base):
    """A candidate's invitation to a timed take-home (grader/service/invitations.py has its life).
    Only a hash of the link's token is stored."""

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("org_id", "ats_url", name="uq_invitation_ats_url"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(36), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    task_ids: Mapped[list] = mapped_column(JSON)
    pack_id: Mapped[str | None] = mapped_column(String(200))
    candidate_name: Mapped[str] = mapped_column(Text)
    candidate_email: Mapped[str] = mapped_column(Text)
    candidate: Mapped[dict | None] = mapped_column(JSON)  # what a hiring tool sent about the candidate
    time_limit_minutes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)  # open the link before this
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)  # opened_at + time limit
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # graded, expired or cancelled
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # everything it owed was sent or given up
    callback_url: Mapped[str | None] = mapped_column(Text)
    ats: Mapped[str | None] = mapped_column(String(32))  # "greenhouse" when a hiring tool sent it
    ats_url: Mapped[str | None] = mapped_column(Text)  # where the hiring tool wants its PATCH
    # The hiring tool's credential for that PATCH (the organisation's key, as it sent it); it is
    # erased once the PATCH is delivered or given up.
    ats_auth: Mapped[str | None] = mapped_column(Text)
    sent_by: Mapped[str | None] = mapped_column(Text)
    email_status: Mapped[str | None] = mapped_column(Text)


class Draft(Base):
    """The code a candidate last saved for one task of an invitation."""

    __tablename__ = "invitation_drafts"
    invitation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    code: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UserExists(ValueError):
    """A user with that email exists already."""


class User(Base):
    """A person who signs in to the dashboard (grader/service/web): one organisation's interviewer.
    Only an argon2 hash of the password is stored; the email is kept lower-cased."""

    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(36), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebSession(Base):
    """A signed-in browser: only the sha256 of the cookie's random token is stored, so deleting the
    row (sign-out) really ends it; csrf is the token every form of this session carries."""

    __tablename__ = "web_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), index=True)
    org_id: Mapped[str] = mapped_column(String(36))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Secret(Base):
    """Deployment-wide secrets generated by the service itself (the seed salt)."""

    __tablename__ = "secrets"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


CALLBACK = ""  # Delivery.endpoint_id of a delivery to the submission's own callback_url
SENDING = "sending"  # Delivery.error while an attempt is in flight (claimed, not finished)


class Delivery(Base):
    """One delivery attempt of one event to one target: the submission's callback_url (endpoint_id
    CALLBACK) or one of its owner's endpoints. The unique index makes each attempt happen once."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("uq_delivery_attempt", "submission_id", "endpoint_id", "attempt", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(String(36), index=True)
    endpoint_id: Mapped[str] = mapped_column(String(64), default=CALLBACK, server_default=CALLBACK)
    event_id: Mapped[str] = mapped_column(String(64))
    attempt: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)  # None: delivered; else a category (grader.service.webhooks)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookEndpoint(Base):
    """An owner's webhook endpoint and its signing secret (kept: it is needed to sign every event).
    url None is the owner's default secret, which signs deliveries to submissions' callback_url."""

    __tablename__ = "webhook_endpoints"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(36), index=True)
    url: Mapped[str | None] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(Text)
    previous_secret: Mapped[str | None] = mapped_column(Text)  # still signs until previous_expires_at
    previous_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def signing_secrets(self, now: datetime | None = None) -> list[str]:
        """The secrets that sign a delivery now: the current one, and the previous one during its grace."""
        now = now or utcnow()
        out = [self.secret]
        if self.previous_secret and self.previous_expires_at is not None and now < self.previous_expires_at:
            out.append(self.previous_secret)
        return out


def new_webhook_secret() -> str:
    """whsec_<base64 of 32 random bytes> (the Standard Webhooks form)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def default_endpoint_id(owner_id: str) -> str:
    return f"default_{owner_id}"


class OrgExists(ValueError):
    """An organisation of that name exists already."""


def _version(submission_id: str, version: int, report: dict, graded_at: datetime) -> ReportVersion:
    return ReportVersion(
        submission_id=submission_id,
        version=version,
        report=report,
        graded_at=graded_at,
        task_version=str(report.get("task_version", "")),
        rubric_sha256=str(report.get("rubric_sha256", "")),
        status=str(report.get("status", "")),
        score=report.get("score"),
    )


class IdempotencyConflict(ValueError):
    """The Idempotency-Key was used before with a different request."""


@dataclass(frozen=True)
class NewKey:
    id: str
    name: str
    prefix: str
    key: str  # shown once
    org_id: str


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
    def from_settings(cls, settings: Settings) -> Store:
        return cls(database_url(settings))

    def create_schema(self) -> None:
        """Create missing tables (idempotent; an API and workers starting together may race)."""
        try:
            Base.metadata.create_all(self.engine)
        except (IntegrityError, ProgrammingError, OperationalError):
            Base.metadata.create_all(self.engine)  # another process created them meanwhile
        self._upgrade()

    def _upgrade(self) -> None:
        """Bring a webhook_deliveries table created by an older version up to date: the endpoint_id
        column (old rows were all callback deliveries) and the one-row-per-attempt index."""
        cols = {c["name"] for c in inspect(self.engine).get_columns("webhook_deliveries")}
        if "endpoint_id" not in cols:
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        text("ALTER TABLE webhook_deliveries ADD COLUMN endpoint_id VARCHAR(64) NOT NULL DEFAULT ''")
                    )
            except (ProgrammingError, OperationalError):  # another process added it meanwhile
                pass
        if "uq_delivery_attempt" not in {i["name"] for i in inspect(self.engine).get_indexes("webhook_deliveries")}:
            table = Base.metadata.tables["webhook_deliveries"]
            index = next(i for i in table.indexes if i.name == "uq_delivery_attempt")
            try:
                index.create(self.engine)
            except (IntegrityError, ProgrammingError, OperationalError) as exc:  # e.g. old duplicate rows
                log.warning("webhook_deliveries: unique index not created (%s)", type(exc).__name__)

        self._upgrade_keys()
        if "regrades" not in {c["name"] for c in inspect(self.engine).get_columns("submissions")}:
            try:
                with self.engine.begin() as conn:
                    conn.execute(text("ALTER TABLE submissions ADD COLUMN regrades INTEGER NOT NULL DEFAULT 0"))
            except (ProgrammingError, OperationalError):  # another process added it meanwhile
                pass

    def _upgrade_keys(self) -> None:
        """API keys made before organisations existed: the org_id column, and each such key in an
        organisation of its own whose id is the key's id, so the data it owned (owner_id = its id)
        stays its own and no two old keys start seeing each other's submissions."""
        if "org_id" not in {c["name"] for c in inspect(self.engine).get_columns("api_keys")}:
            try:
                with self.engine.begin() as conn:
                    conn.execute(text("ALTER TABLE api_keys ADD COLUMN org_id VARCHAR(36)"))
            except (ProgrammingError, OperationalError):  # another process added it meanwhile
                pass
        with self._session() as s:
            legacy = list(s.scalars(select(ApiKey).where(ApiKey.org_id.is_(None))))
        for key in legacy:
            try:
                with self._session.begin() as s:
                    s.add(Organisation(id=key.id, name=f"key {key.name} ({key.prefix})", created_at=key.created_at))
            except IntegrityError:
                pass  # made by a concurrent upgrade
            with self._session.begin() as s:
                s.execute(update(ApiKey).where(ApiKey.id == key.id, ApiKey.org_id.is_(None)).values(org_id=key.id))

    def ping(self) -> None:
        """Raise if the database cannot be reached."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def close(self) -> None:
        self.engine.dispose()

    # --- deployment secrets ----------------------------------------------------------------------
    def seed_salt(self, generate) -> str:
        """The deployment's seed salt, created with generate() by the first caller; every worker
        sharing this database reads the same value."""
        return self._secret("seed_salt", generate)

    def _secret(self, name: str, generate) -> str:
        with self._session() as s:
            row = s.get(Secret, name)
            if row is not None:
                return row.value
        try:
            with self._session.begin() as s:
                s.add(Secret(name=name, value=generate()))
        except IntegrityError:
            pass  # another process created it first
        with self._session() as s:
            row = s.get(Secret, name)
            assert row is not None  # created above, by this call or a concurrent one
            return row.value

    # --- organisations ----------------------------------------------------------------------------
    def create_org(self, name: str, *, candidate_view: bool = False) -> Organisation:
        """A new organisation; OrgExists if the name is taken."""
        name = name.strip()
        if not name:
            raise ValueError("an organisation needs a name")
        row = Organisation(id=str(uuid.uuid4()), name=name, candidate_view=candidate_view, created_at=utcnow())
        try:
            with self._session.begin() as s:
                s.add(row)
        except IntegrityError:
            raise OrgExists(f"organisation {name!r} already exists") from None
        return row

    def org(self, org_id: str) -> Organisation | None:
        with self._session() as s:
            return s.get(Organisation, org_id)

    def org_named(self, name: str) -> Organisation | None:
        with self._session() as s:
            return s.scalar(select(Organisation).where(Organisation.name == name.strip()))

    def orgs(self) -> list[Organisation]:
        with self._session() as s:
            return list(s.scalars(select(Organisation).order_by(Organisation.created_at, Organisation.name)))

    def default_org(self) -> Organisation:
        """The organisation of keys created without one (made on first need)."""
        row = self.org_named(DEFAULT_ORG)
        if row is not None:
            return row
        try:
            return self.create_org(DEFAULT_ORG)
        except OrgExists:  # a concurrent caller made it
            row = self.org_named(DEFAULT_ORG)
            assert row is not None
            return row

    # --- API keys ---------------------------------------------------------------------------------
    def create_key(self, name: str, *, org_id: str | None = None) -> NewKey:
        """A new API key of org_id (default: the default organisation); only its hash is stored."""
        org = self.org(org_id) if org_id is not None else self.default_org()
        if org is None:
            raise ValueError(f"no organisation {org_id!r}")
        key = "gk_" + secrets.token_urlsafe(32)
        row = ApiKey(
            id=str(uuid.uuid4()),
            name=name,
            org_id=org.id,
            prefix=key[:10],
            key_hash=hash_key(key),
            created_at=utcnow(),
        )
        with self._session.begin() as s:
            s.add(row)
        return NewKey(id=row.id, name=name, prefix=row.prefix, key=key, org_id=org.id)

    def key_identity(self, key: str) -> tuple[str, str] | None:
        """(key id, organisation id) of a key, or None if unknown."""
        with self._session() as s:
            row = s.execute(select(ApiKey.id, ApiKey.org_id).where(ApiKey.key_hash == hash_key(key))).first()
        if row is None or row[1] is None:
            return None
        return row[0], row[1]

    def key_owner(self, key: str) -> str | None:
        """The organisation a key belongs to (what owner_id columns hold), or None if unknown."""
        identity = self.key_identity(key)
        return identity[1] if identity is not None else None

    def keys(self, *, org_id: str | None = None) -> list[ApiKey]:
        with self._session() as s:
            query = select(ApiKey).order_by(ApiKey.created_at)
            if org_id is not None:
                query = query.where(ApiKey.org_id == org_id)
            return list(s.scalars(query))

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
            existing = self.by_idempotency(owner_id, idempotency_key)
            if existing is not None:
                return self._same_request(existing, rhash, idempotency_key), False
        row = SubmissionRow(
            id=str(uuid.uuid4()),
            owner_id=owner_id,
            task_id=submission.task_id,
            candidate_id=submission.candidate_id,
            code=submission.code,
            callback_url=callback_url,
            meta=metadata,
            idempotency_key=idempotency_key,
            request_hash=rhash,
            priority=priority,
            status=State.queued,
            attempts=0,
            created_at=utcnow(),
        )
        try:
            with self._session.begin() as s:
                s.add(row)
        except IntegrityError:  # a concurrent request with the same key won the race
            if idempotency_key is None:
                raise
            existing = self.by_idempotency(owner_id, idempotency_key)
            if existing is None:
                raise
            return self._same_request(existing, rhash, idempotency_key), False
        return row, True

    @staticmethod
    def _same_request(row: SubmissionRow, rhash: str, key: str) -> SubmissionRow:
        if row.request_hash != rhash:
            raise IdempotencyConflict(f"Idempotency-Key {key!r} was already used with a different request body")
        return row

    def by_idempotency(self, owner_id: str | None, key: str) -> SubmissionRow | None:
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
            res: CursorResult = s.execute(  # type: ignore[assignment]  # an UPDATE returns a CursorResult
                update(SubmissionRow)
                .where(SubmissionRow.id == submission_id, SubmissionRow.status != State.completed)
                .values(status=State.running, started_at=utcnow(), attempts=SubmissionRow.attempts + 1)
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
            if row is None or row.status == State.completed:
                return False
            saved = json.loads(report.model_dump_json())
            values: dict[str, Any] = {
                "status": State.completed,
                "graded_at": now,
                "report": saved,
                "result_status": report.status.value,
            }
            if not row.regrades:  # the latency metric is submit-to-first-report
                values["grading_s"] = (now - row.created_at).total_seconds()
            res: CursorResult = s.execute(  # type: ignore[assignment]  # an UPDATE returns a CursorResult
                update(SubmissionRow)
                .where(SubmissionRow.id == submission_id, SubmissionRow.status != State.completed)
                .values(**values)
            )
            if res.rowcount != 1:
                return False
            if row.regrades:  # a regrade: a new version (reopen kept the earlier ones)
                last = s.scalar(
                    select(func.max(ReportVersion.version)).where(ReportVersion.submission_id == submission_id)
                )
                s.add(_version(submission_id, (last or 0) + 1, saved, report.graded_at))
            return True

    def reopen(self, submission_id: str, *, owner_id: str) -> bool:
        """Queue a completed submission of owner_id for a regrade (its reports so far are kept as
        versions); False if it is not theirs or not completed."""
        with self._session.begin() as s:
            row = s.get(SubmissionRow, submission_id)
            if row is None or row.owner_id != owner_id or row.status != State.completed or row.report is None:
                return False
            has = s.scalar(select(func.count()).where(ReportVersion.submission_id == submission_id))
            if not has:  # its first regrade: the report so far becomes version 1
                graded = row.graded_at or utcnow()
                s.add(_version(submission_id, 1, row.report, graded))
            res: CursorResult = s.execute(  # type: ignore[assignment]  # an UPDATE returns a CursorResult
                update(SubmissionRow)
                .where(SubmissionRow.id == submission_id, SubmissionRow.status == State.completed)
                .values(status=State.queued, attempts=0, regrades=SubmissionRow.regrades + 1)
            )
            return res.rowcount == 1

    def report_versions(self, submission_id: str) -> list[ReportVersion]:
        """Every report of a submission, oldest first. Versions are written from the first regrade
        on; until then the one report is version 1."""
        with self._session() as s:
            rows = list(
                s.scalars(
                    select(ReportVersion)
                    .where(ReportVersion.submission_id == submission_id)
                    .order_by(ReportVersion.version)
                )
            )
            if rows:
                return rows
            sub = s.get(SubmissionRow, submission_id)
        if sub is not None and sub.report is not None:
            return [_version(submission_id, 1, sub.report, sub.graded_at or utcnow())]
        return []

    def completed_of_task(self, owner_id: str, task_id: str) -> list[str]:
        """Ids of owner_id's completed submissions of a task, oldest first."""
        with self._session() as s:
            return list(
                s.scalars(
                    select(SubmissionRow.id)
                    .where(
                        SubmissionRow.owner_id == owner_id,
                        SubmissionRow.task_id == task_id,
                        SubmissionRow.status == State.completed,
                    )
                    .order_by(SubmissionRow.created_at)
                )
            )

    def requeue(self, submission_id: str) -> None:
        """Back to queued (a retry of the grader's own fault is pending)."""
        with self._session.begin() as s:
            s.execute(
                update(SubmissionRow)
                .where(SubmissionRow.id == submission_id, SubmissionRow.status != State.completed)
                .values(status=State.queued)
            )

    def pending(self) -> list[SubmissionRow]:
        """Submissions not yet completed (queued, or running when a process died), oldest first."""
        with self._session() as s:
            return list(
                s.scalars(
                    select(SubmissionRow)
                    .where(SubmissionRow.status != State.completed)
                    .order_by(SubmissionRow.created_at)
                )
            )

    def completed_among(self, ids: list[str]) -> list[SubmissionRow]:
        """Those of ids that are completed."""
        out: list[SubmissionRow] = []
        with self._session() as s:
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                out += s.scalars(
                    select(SubmissionRow).where(SubmissionRow.id.in_(chunk), SubmissionRow.status == State.completed)
                )
        return out

    # --- metrics ----------------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Submissions by lifecycle status (queued/running) and, once completed, by report status."""
        label = case((SubmissionRow.status == State.completed, SubmissionRow.result_status), else_=SubmissionRow.status)
        with self._session() as s:
            return {k: n for k, n in s.execute(select(label, func.count()).group_by(label))}

    def reference_failures(self) -> dict[str, int]:
        """Completed submissions per task whose grading failed because the task's reference could
        not be trusted (a sandbox_error the grader's reference check raised)."""
        out: dict[str, int] = {}
        query = select(SubmissionRow.task_id, SubmissionRow.report).where(
            SubmissionRow.status == State.completed, SubmissionRow.result_status == Status.sandbox_error.value
        )
        with self._session() as s:
            for task_id, report in s.execute(query):
                report = report or {}
                # Reports saved before the flag existed say it only in their message.
                legacy = str(report.get("message", "")).startswith("reference solution of")
                if report.get("reference_failed", legacy):
                    out[task_id] = out.get(task_id, 0) + 1
        return out

    def latency_histogram(self, buckets: tuple[float, ...] = LATENCY_BUCKETS_S) -> tuple[list[int], int, float]:
        """(cumulative counts per bucket, total count, sum) of submit-to-report seconds."""
        g = SubmissionRow.grading_s
        cols = [func.coalesce(func.sum(case((g <= b, 1), else_=0)), 0) for b in buckets]
        with self._session() as s:
            row = s.execute(select(*cols, func.count(g), func.coalesce(func.sum(g), 0.0)).where(g.is_not(None))).one()
        return [int(x) for x in row[: len(buckets)]], int(row[-2]), float(row[-1])

    # --- similarity fingerprints ----------------------------------------------------------------
    def save_fingerprint(self, submission_id: str, *, org_id: str | None, task_id: str, data: dict) -> None:
        """Keep a submission's fingerprint (a regrade replaces it)."""
        with self._session.begin() as s:
            s.execute(delete(FingerprintRow).where(FingerprintRow.submission_id == submission_id))
            s.add(
                FingerprintRow(
                    submission_id=submission_id, org_id=org_id, task_id=task_id, data=data, created_at=utcnow()
                )
            )

    def fingerprints_after(self, org_id: str | None, task_id: str, seq: int) -> list[FingerprintRow]:
        """Fingerprints of one organisation and task stored after seq, in order."""
        owner = FingerprintRow.org_id.is_(None) if org_id is None else FingerprintRow.org_id == org_id
        with self._session() as s:
            return list(
                s.scalars(
                    select(FingerprintRow)
                    .where(owner, FingerprintRow.task_id == task_id, FingerprintRow.seq > seq)
                    .order_by(FingerprintRow.seq)
                )
            )

    def fingerprint_of(self, submission_id: str) -> FingerprintRow | None:
        with self._session() as s:
            return s.scalar(select(FingerprintRow).where(FingerprintRow.submission_id == submission_id))

    def candidates(self, ids: list[str]) -> dict[str, str | None]:
        """candidate_id of each submission id."""
        with self._session() as s:
            rows = s.execute(select(SubmissionRow.id, SubmissionRow.candidate_id).where(SubmissionRow.id.in_(ids)))
            return {sid: cand for sid, cand in rows}

    # --- invitations ------------------------------------------------------------------------------
    def add_invitation(self, row: InvitationRow) -> None:
        with self._session.begin() as s:
            s.add(row)

    def invitation(self, invitation_id: str, *, org_id: str | None = None) -> InvitationRow | None:
        """The invitation; None if unknown or (with org_id) another organisation's."""
        with self._session() as s:
            row = s.get(InvitationRow, invitation_id)
        if row is None or (org_id is not None and row.org_id != org_id):
            return None
        return row

    def invitation_by_token(self, token_hash: str) -> InvitationRow | None:
        with self._session() as s:
            return s.scalar(select(InvitationRow).where(InvitationRow.token_hash == token_hash))

    def invitation_by_ats_url(self, org_id: str, url: str) -> InvitationRow | None:
        with self._session() as s:
            return s.scalar(select(InvitationRow).where(InvitationRow.org_id == org_id, InvitationRow.ats_url == url))

    def invitations(self, org_id: str, *, limit: int = 100, offset: int = 0) -> list[InvitationRow]:
        """org_id's invitations, newest first."""
        with self._session() as s:
            return list(
                s.scalars(
                    select(InvitationRow)
                    .where(InvitationRow.org_id == org_id)
                    .order_by(InvitationRow.created_at.desc(), InvitationRow.id)
                    .limit(limit)
                    .offset(offset)
                )
            )

    def transition(self, invitation_id: str, from_states: tuple[str, ...], to_state: str, **values: Any) -> bool:
        """Move an invitation from one of from_states to to_state (setting values); True only for
        the caller that made the change."""
        with self._session.begin() as s:
            res: CursorResult = s.execute(  # type: ignore[assignment]  # an UPDATE returns a CursorResult
                update(InvitationRow)
                .where(InvitationRow.id == invitation_id, InvitationRow.status.in_([str(f) for f in from_states]))
                .values(status=str(to_state), **values)
            )
            return res.rowcount == 1

    def set_invitation(self, invitation_id: str, **values: Any) -> None:
        with self._session.begin() as s:
            s.execute(update(InvitationRow).where(InvitationRow.id == invitation_id).values(**values))

    def invitations_due(self, now: datetime) -> list[InvitationRow]:
        """Invitations time or grading may have changed: unopened past expiry, opened past the
        deadline, submitted (waiting for reports)."""
        with self._session() as s:
            return list(
                s.scalars(
                    select(InvitationRow).where(
                        or_(
                            (InvitationRow.status == "sent") & (InvitationRow.expires_at <= now),
                            (InvitationRow.status == "opened") & (InvitationRow.deadline <= now),
                            InvitationRow.status == "submitted",
                        )
                    )
                )
            )

    def invitations_completed_since(self, since: datetime) -> list[InvitationRow]:
        """Graded or expired invitations completed after since whose notifications may still be owed."""
        with self._session() as s:
            return list(
                s.scalars(
                    select(InvitationRow)
                    .where(
                        InvitationRow.status.in_(["graded", "expired"]),
                        InvitationRow.completed_at >= since,
                        InvitationRow.notified_at.is_(None),
                    )
                    .order_by(InvitationRow.completed_at)
                )
            )

    def save_draft(self, invitation_id: str, task_id: str, code: str) -> None:
        """Keep the candidate's latest code for a task (an upsert)."""
        now = utcnow()
        where = (Draft.invitation_id == invitation_id, Draft.task_id == task_id)
        with self._session.begin() as s:
            res: CursorResult = s.execute(update(Draft).where(*where).values(code=code, saved_at=now))  # type: ignore[assignment]
            if res.rowcount == 1:
                return
        try:
            with self._session.begin() as s:
                s.add(Draft(invitation_id=invitation_id, task_id=task_id, code=code, saved_at=now))
        except IntegrityError:  # a concurrent save inserted it first
            with self._session.begin() as s:
                s.execute(update(Draft).where(*where).values(code=code, saved_at=now))

    def drafts(self, invitation_id: str) -> dict[str, str]:
        with self._session() as s:
            return {d.task_id: d.code for d in s.scalars(select(Draft).where(Draft.invitation_id == invitation_id))}

    def link_key(self) -> str:
        """The deployment's key for signed report links (made once, shared by every process)."""
        return self._secret("link_key", lambda: secrets.token_hex(32))

    # --- webhook endpoints ------------------------------------------------------------------------
    def create_endpoint(self, owner_id: str, url: str) -> WebhookEndpoint:
        """A new endpoint of owner_id with a fresh secret (the caller shows it once)."""
        row = WebhookEndpoint(
            id="ep_" + uuid.uuid4().hex,
            owner_id=owner_id,
            url=url,
            secret=new_webhook_secret(),
            created_at=utcnow(),
        )
        with self._session.begin() as s:
            s.add(row)
        return row

    def endpoints(self, owner_id: str) -> list[WebhookEndpoint]:
        """owner_id's registered endpoints (not the default secret), oldest first."""
        with self._session() as s:
            return list(
                s.scalars(
                    select(WebhookEndpoint)
                    .where(WebhookEndpoint.owner_id == owner_id, WebhookEndpoint.url.is_not(None))
                    .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
                )
            )

    def endpoint(self, endpoint_id: str, *, owner_id: str | None = None) -> WebhookEndpoint | None:
        """The endpoint (or default secret) by id; None if unknown or (with owner_id) another owner's."""
        with self._session() as s:
            row = s.get(WebhookEndpoint, endpoint_id)
        if row is None or (owner_id is not None and row.owner_id != owner_id):
            return None
        return row

    def delete_endpoint(self, owner_id: str, endpoint_id: str) -> bool:
        """Remove one of owner_id's registered endpoints; False if there is no such endpoint of theirs."""
        with self._session.begin() as s:
            res: CursorResult = s.execute(  # type: ignore[assignment]  # a DELETE returns a CursorResult
                delete(WebhookEndpoint).where(
                    WebhookEndpoint.id == endpoint_id,
                    WebhookEndpoint.owner_id == owner_id,
                    WebhookEndpoint.url.is_not(None),
                )
            )
            return res.rowcount == 1

    def default_endpoint(self, owner_id: str) -> WebhookEndpoint:
        """owner_id's default secret (it signs deliveries to callback_url), created on first need."""
        eid = default_endpoint_id(owner_id)
        row = self.endpoint(eid)
        if row is not None:
            return row
        try:
            with self._session.begin() as s:
                s.add(
                    WebhookEndpoint(
                        id=eid, owner_id=owner_id, url=None, secret=new_webhook_secret(), created_at=utcnow()
                    )
                )
        except IntegrityError:
            pass  # a concurrent caller created it first
        row = self.endpoint(eid)
        assert row is not None  # created above, by this call or a concurrent one
        return row

    def rotate_endpoint(self, owner_id: str, endpoint_id: str, *, grace: timedelta) -> WebhookEndpoint | None:
        """A new secret for one of owner_id's endpoints (or their default secret, created if need be);
        the current one keeps signing for `grace`. None if there is no such endpoint of theirs."""
        if endpoint_id == default_endpoint_id(owner_id) and self.endpoint(endpoint_id) is None:
            return self.default_endpoint(owner_id)  # first need: a fresh secret, nothing to rotate
        for _ in range(5):  # optimistic: a concurrent rotation makes the UPDATE match nothing
            row = self.endpoint(endpoint_id, owner_id=owner_id)
            if row is None:
                return None
            new, now = new_webhook_secret(), utcnow()
            with self._session.begin() as s:
                res: CursorResult = s.execute(  # type: ignore[assignment]  # an UPDATE returns a CursorResult
                    update(WebhookEndpoint)
                    .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.secret == row.secret)
                    .values(secret=new, previous_secret=row.secret, previous_expires_at=now + grace)
                )
            if res.rowcount == 1:
                return self.endpoint(endpoint_id)
        raise RuntimeError(f"could not rotate the secret of {endpoint_id}: concurrent rotations")

    def targets(self, row: SubmissionRow) -> list[str]:
        """Where a completed submission's event goes: CALLBACK when it has a callback_url, then every
        endpoint its owner had registered when it was graded."""
        out = [CALLBACK] if row.callback_url else []
        if row.owner_id is not None:
            graded_at = row.graded_at
            if graded_at is None:  # a row read before it was completed (the worker's): the stored time
                fresh = self.get(row.id, any_owner=True)
                graded_at = fresh.graded_at if fresh is not None else None
            with self._session() as s:
                out += s.scalars(
                    select(WebhookEndpoint.id)
                    .where(
                        WebhookEndpoint.owner_id == row.owner_id,
                        WebhookEndpoint.url.is_not(None),
                        WebhookEndpoint.created_at <= (graded_at or utcnow()),
                    )
                    .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
                )
        return out

    # --- webhook deliveries -----------------------------------------------------------------------
    def add_delivery(self, **fields: Any) -> Delivery:
        row = Delivery(**fields)
        with self._session.begin() as s:
            s.add(row)
        return row

    def claim_delivery(
        self, submission_id: str, endpoint_id: str, attempt: int, *, event_id: str, url: str, stale_after_s: float
    ) -> int | None:
        """Record that this attempt starts (error SENDING); its delivery row id, or None when the
        event already reached this target or another process holds (or made) this attempt. A claim
        older than stale_after_s is a dead process's and is taken over."""
        now = utcnow()
        mine = Delivery.submission_id == submission_id, Delivery.endpoint_id == endpoint_id
        with self._session() as s:
            if s.scalar(select(Delivery.id).where(*mine, Delivery.error.is_(None)).limit(1)) is not None:
                return None  # delivered already: each target gets each event once
        try:
            with self._session.begin() as s:
                row = Delivery(
                    submission_id=submission_id,
                    endpoint_id=endpoint_id,
                    event_id=event_id,
                    attempt=attempt,
                    url=url,
                    status_code=None,
                    error=SENDING,
                    started_at=now,
                    finished_at=now,
                    next_retry_at=None,
                )
                s.add(row)
                s.flush()
                claimed = row.id
            return claimed
        except IntegrityError:
            pass
        with self._session.begin() as s:
            res: CursorResult = s.execute(  # type: ignore[assignment]  # an UPDATE returns a CursorResult
                update(Delivery)
                .where(
                    *mine,
                    Delivery.attempt == attempt,
                    Delivery.error == SENDING,
                    Delivery.started_at < now - timedelta(seconds=stale_after_s),
                )
                .values(started_at=now, finished_at=now, url=url)
            )
            if res.rowcount != 1:
                return None
            return s.scalar(select(Delivery.id).where(*mine, Delivery.attempt == attempt))

    def finish_delivery(
        self,
        delivery_id: int,
        *,
        status_code: int | None,
        error: str | None,
        finished_at: datetime,
        next_retry_at: datetime | None,
    ) -> None:
        with self._session.begin() as s:
            s.execute(
                update(Delivery)
                .where(Delivery.id == delivery_id)
                .values(status_code=status_code, error=error, finished_at=finished_at, next_retry_at=next_retry_at)
            )

    def undelivered(self, *, stale_after_s: float = 300.0) -> list[tuple[str, str, int, datetime]]:
        """(submission id, endpoint id, next attempt, when it is due) for every event still owed to a
        target (see targets()): never attempted (the process stopped between grading and the first
        attempt), whose last attempt failed with a retry scheduled, or whose last attempt was left
        in flight by a dead process (due when its claim goes stale)."""
        owed = []
        now = utcnow()
        with self._session() as s:
            eps: dict[str, list[tuple[str, datetime]]] = {}
            for eid, owner, created in s.execute(
                select(WebhookEndpoint.id, WebhookEndpoint.owner_id, WebhookEndpoint.created_at)
                .where(WebhookEndpoint.url.is_not(None))
                .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
            ):
                eps.setdefault(owner, []).append((eid, created))
            wanted: ColumnElement[bool] = SubmissionRow.callback_url.is_not(None)
            if eps:
                wanted = or_(wanted, SubmissionRow.owner_id.in_(list(eps)))
            subs = s.execute(
                select(SubmissionRow.id, SubmissionRow.owner_id, SubmissionRow.callback_url, SubmissionRow.graded_at)
                .where(SubmissionRow.status == State.completed, wanted)
                .order_by(SubmissionRow.graded_at)
            ).all()
            last_attempt = (
                select(
                    Delivery.submission_id.label("sid"),
                    Delivery.endpoint_id.label("eid"),
                    func.max(Delivery.attempt).label("attempt"),
                )
                .group_by(Delivery.submission_id, Delivery.endpoint_id)
                .subquery()
            )
            latest: dict[tuple[str, str], Delivery] = {}
            for d in s.scalars(
                select(Delivery)
                .join(
                    last_attempt,
                    (Delivery.submission_id == last_attempt.c.sid)
                    & (Delivery.endpoint_id == last_attempt.c.eid)
                    & (Delivery.attempt == last_attempt.c.attempt),
                )
                .order_by(Delivery.id)
            ):
                latest[(d.submission_id, d.endpoint_id)] = d
            delivered = {
                (row.submission_id, row.endpoint_id)
                for row in s.execute(
                    select(Delivery.submission_id, Delivery.endpoint_id).where(Delivery.error.is_(None)).distinct()
                )
            }
        for sid, sub_owner, callback_url, graded_at in subs:
            graded = graded_at or now
            targets = [CALLBACK] if callback_url else []
            targets += [eid for eid, created in eps.get(sub_owner or "", []) if created <= graded]
            for target in targets:
                if (sid, target) in delivered:
                    continue
                last = latest.get((sid, target))
                if last is None:
                    owed.append((sid, target, 1, graded))
                elif last.error == SENDING:
                    owed.append((sid, target, last.attempt, last.started_at + timedelta(seconds=stale_after_s)))
                elif last.error is not None and last.next_retry_at is not None:
                    owed.append((sid, target, last.attempt + 1, last.next_retry_at))
        return owed

    def deliveries(self, submission_id: str) -> list[Delivery]:
        """Every attempt for a submission, by target (callback first) then attempt."""
        with self._session() as s:
            return list(
                s.scalars(
                    select(Delivery)
                    .where(Delivery.submission_id == submission_id)
                    .order_by(Delivery.endpoint_id, Delivery.attempt, Delivery.id)
                )
            )

    # --- users and web sessions -------------------------------------------------------------------
    # The dashboard's people (grader/service/web): users of an organisation, their server-side
    # sessions, and the reads its pages make of an organisation's submissions.
    def create_user(self, org_id: str, email: str, password_hash: str) -> User:
        """A new user of org_id; UserExists if the email is taken (emails compare lower-cased)."""
        email = email.strip().lower()
        if self.org(org_id) is None:
            raise ValueError(f"no organisation {org_id!r}")
        row = User(id=str(uuid.uuid4()), org_id=org_id, email=email, password_hash=password_hash, created_at=utcnow())
        try:
            with self._session.begin() as s:
                s.add(row)
        except IntegrityError:
            raise UserExists(f"a user with email {email!r} already exists") from None
        return row

    def user(self, user_id: str) -> User | None:
        with self._session() as s:
            return s.get(User, user_id)

    def user_by_email(self, email: str) -> User | None:
        with self._session() as s:
            return s.scalar(select(User).where(User.email == email.strip().lower()))

    def users(self, *, org_id: str | None = None) -> list[User]:
        with self._session() as s:
            query = select(User).order_by(User.created_at, User.email)
            if org_id is not None:
                query = query.where(User.org_id == org_id)
            return list(s.scalars(query))

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        """Replace a hash (argon2 rehashes one made with older parameters on sign-in)."""
        with self._session.begin() as s:
            s.execute(update(User).where(User.id == user_id).values(password_hash=password_hash))

    def create_web_session(self, user: User, token_hash: str, *, csrf: str, ttl: timedelta) -> WebSession:
        now = utcnow()
        row = WebSession(
            token_hash=token_hash, user_id=user.id, org_id=user.org_id, csrf=csrf, created_at=now, expires_at=now + ttl
        )
        with self._session.begin() as s:
            s.execute(delete(WebSession).where(WebSession.expires_at <= now))  # sessions that ran out
            s.add(row)
        return row

    def web_session(self, token_hash: str) -> WebSession | None:
        """The live session of that token hash (None: unknown, signed out or expired)."""
        with self._session() as s:
            row = s.get(WebSession, token_hash)
        if row is None or row.expires_at <= utcnow():
            return None
        return row

    def end_web_session(self, token_hash: str) -> bool:
        with self._session.begin() as s:
            res: CursorResult = s.execute(delete(WebSession).where(WebSession.token_hash == token_hash))  # type: ignore[assignment]
            return res.rowcount == 1

    @staticmethod
    def _state_label() -> ColumnElement:
        """queued/running while not completed, then the report's status (graded, timeout, ...)."""
        return case((SubmissionRow.status == State.completed, SubmissionRow.result_status), else_=SubmissionRow.status)

    def org_submissions(
        self,
        org_id: str,
        *,
        task_id: str | None = None,
        candidate: str | None = None,
        status: str | None = None,
        score_min: float | None = None,
        score_max: float | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        sort: str = "date",
        descending: bool = True,
        limit: int | None = 50,
        offset: int = 0,
    ) -> tuple[list[SubmissionRow], int]:
        """One page of org_id's submissions matching the filters, and how many match in all.
        candidate matches part of the candidate id (case-insensitive); status is a lifecycle state
        (queued, running) or a report status; sort is date, score or task."""
        score = SubmissionRow.report["score"].as_float()
        where: list[ColumnElement[bool]] = [SubmissionRow.owner_id == org_id]
        if task_id:
            where.append(SubmissionRow.task_id == task_id)
        if candidate:
            where.append(SubmissionRow.candidate_id.icontains(candidate, autoescape=True))
        if status:
            where.append(self._state_label() == status)
        if score_min is not None:
            where.append(score >= score_min)
        if score_max is not None:
            where.append(score <= score_max)
        if since is not None:
            where.append(SubmissionRow.created_at >= since)
        if until is not None:
            where.append(SubmissionRow.created_at < until)
        key = {"score": score, "task": SubmissionRow.task_id}.get(sort, SubmissionRow.created_at)
        order = [key.desc() if descending else key.asc()]
        if sort != "date":
            order.append(SubmissionRow.created_at.desc())
        order.append(SubmissionRow.id)
        with self._session() as s:
            total = s.scalar(select(func.count()).select_from(SubmissionRow).where(*where)) or 0
            query = select(SubmissionRow).where(*where).order_by(*order).offset(offset)
            if limit is not None:
                query = query.limit(limit)
            return list(s.scalars(query)), int(total)

    def org_task_ids(self, org_id: str) -> list[str]:
        """The tasks org_id has submissions for."""
        with self._session() as s:
            return list(
                s.scalars(
                    select(SubmissionRow.task_id)
                    .where(SubmissionRow.owner_id == org_id)
                    .distinct()
                    .order_by(SubmissionRow.task_id)
                )
            )

    def org_counts(self, org_id: str, *, task_id: str | None = None) -> dict[str, int]:
        """org_id's submissions (of one task) by queued/running, then by report status."""
        label = self._state_label()
        where = [SubmissionRow.owner_id == org_id]
        if task_id is not None:
            where.append(SubmissionRow.task_id == task_id)
        with self._session() as s:
            return {k: n for k, n in s.execute(select(label, func.count()).where(*where).group_by(label))}
