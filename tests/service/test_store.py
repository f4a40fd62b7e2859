"""The database layer on SQLite and PostgreSQL: keys, submissions, idempotency, metrics, deliveries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from grader.models import Status
from grader.service.store import ApiKey, IdempotencyConflict, OrgExists, State, Store, SubmissionRow, hash_key
from tests.support.records import stored_report as _report
from tests.support.records import sub as _sub
from tests.support.service import DB_KINDS, database


@pytest.fixture(params=DB_KINDS)
def store(request, tmp_path):
    with database(request.param, tmp_path) as url:
        s = Store(url)
        s.create_schema()
        s.create_schema()  # idempotent
        yield s
        s.close()


def test_keys_store_only_a_hash(store):
    new = store.create_key("alice")
    assert new.key.startswith("gk_") and new.prefix == new.key[:10]
    assert store.key_owner(new.key) == new.org_id and store.key_identity(new.key) == (new.id, new.org_id)
    assert store.key_owner(new.key + "x") is None
    assert store.key_owner("") is None
    with store._session() as s:
        row = s.scalar(select(ApiKey).where(ApiKey.id == new.id))
    assert new.key not in (row.key_hash, row.prefix, row.name)
    assert [k.name for k in store.keys()] == ["alice"]


def test_submission_round_trip_and_ownership(store):
    row, created = store.add_submission(_sub(), owner_id="k1", callback_url="http://127.0.0.1:9/h", metadata={"req": 7})
    assert created and row.status == State.queued
    got = store.get(row.id, owner_id="k1")
    assert (got.task_id, got.code, got.candidate_id, got.meta, got.callback_url) == (
        "numpy-standardize",
        "x = 1\n",
        "cand-1",
        {"req": 7},
        "http://127.0.0.1:9/h",
    )
    assert got.created_at.tzinfo is not None
    assert store.get(row.id, owner_id="k2") is None
    assert store.get(row.id, any_owner=True).id == row.id
    assert store.get("no-such-id", any_owner=True) is None


def test_idempotency_key(store):
    a, created_a = store.add_submission(_sub(), owner_id="k1", idempotency_key="abc")
    b, created_b = store.add_submission(_sub(), owner_id="k1", idempotency_key="abc")
    assert created_a and not created_b and a.id == b.id
    with pytest.raises(IdempotencyConflict, match="different request body"):
        store.add_submission(_sub("y = 2\n"), owner_id="k1", idempotency_key="abc")
    # Keys are per owner: another key may use the same Idempotency-Key.
    c, created_c = store.add_submission(_sub(), owner_id="k2", idempotency_key="abc")
    assert created_c and c.id != a.id


def test_a_completed_submission_is_not_graded_again(store):
    row, _ = store.add_submission(_sub(), owner_id=None, priority="batch")
    started = store.start(row.id)
    assert started.status == State.running and started.attempts == 1 and started.started_at is not None
    assert store.complete(row.id, _report()) is True
    assert store.complete(row.id, _report(score=12.0)) is False  # a duplicate job cannot overwrite
    assert store.start(row.id) is None
    done = store.get(row.id, any_owner=True)
    assert done.status == State.completed and done.result_status == "graded" and done.report["score"] == 3.0
    assert done.report_model().status is Status.graded
    assert store.start("missing") is None


def test_pending_counts_and_latency(store):
    a, _ = store.add_submission(_sub("a = 1\n"), owner_id=None)
    b, _ = store.add_submission(_sub("b = 1\n"), owner_id=None)
    c, _ = store.add_submission(_sub("c = 1\n"), owner_id=None)
    store.start(b.id)  # running when its worker died: still pending
    store.start(c.id)
    store.complete(c.id, _report(Status.timeout, None))
    assert [r.id for r in store.pending()] == [a.id, b.id]
    assert store.counts() == {"queued": 1, "running": 1, "timeout": 1}
    buckets, count, total = store.latency_histogram((0.0, 1000.0))
    assert count == 1 and buckets[1] == 1 and 0 <= total < 1000
    assert [r.id for r in store.completed_among([a.id, b.id, c.id])] == [c.id]
    store.requeue(b.id)
    assert store.get(b.id, any_owner=True).status == State.queued


def test_priority_is_checked(store):
    with pytest.raises(ValueError, match="priority"):
        store.add_submission(_sub(), owner_id=None, priority="urgent")


def test_delivery_log(store):
    row, _ = store.add_submission(_sub(), owner_id=None)
    now = datetime.now(UTC)
    for attempt, code in ((2, 200), (1, 500)):
        store.add_delivery(
            submission_id=row.id,
            event_id="evt_1",
            attempt=attempt,
            url="http://x/h",
            status_code=code,
            error=None if code == 200 else "HTTP 500",
            started_at=now,
            finished_at=now,
            next_retry_at=None,
        )
    assert [(d.attempt, d.status_code) for d in store.deliveries(row.id)] == [(1, 500), (2, 200)]
    assert store.deliveries("other") == []


def test_reference_failures_are_counted_per_task(store):
    """Counted from the report's flag, never from its words; reports saved before the flag existed
    are still recognised by their message."""
    broken = _report(Status.sandbox_error, None).model_copy(update={"reference_failed": True, "message": "any text"})
    legacy = _report(Status.sandbox_error, None).model_copy(
        update={"message": "reference solution of numpy-standardize failed: x"}
    )
    other = _report(Status.sandbox_error, None).model_copy(update={"message": "reference solution of x, it says"})
    ids = []
    for report in (broken, broken, legacy, other, _report()):
        row = store.add_submission(_sub(), owner_id=None)[0]
        store.start(row.id)
        store.complete(row.id, report)
        ids.append(row.id)
    with store._session.begin() as s:  # the legacy row, as saved before the flag existed
        row = s.get(SubmissionRow, ids[2])
        row.report = {k: v for k, v in row.report.items() if k != "reference_failed"}
    assert store.reference_failures() == {"numpy-standardize": 3}


def test_the_seed_salt_is_created_once_and_shared(store):
    first = store.seed_salt(lambda: "a" * 64)
    assert first == "a" * 64
    assert store.seed_salt(lambda: "b" * 64) == first  # every later caller (worker) reads the same


def test_an_older_delivery_table_is_upgraded(store):
    """A webhook_deliveries table from before endpoints (no endpoint_id, no unique index) gets both;
    its rows read as callback deliveries."""
    from sqlalchemy import inspect, text

    serial = "SERIAL" if store.engine.dialect.name == "postgresql" else "INTEGER"
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE webhook_deliveries"))
        conn.execute(
            text(
                f"CREATE TABLE webhook_deliveries (id {serial} PRIMARY KEY, submission_id VARCHAR(36) NOT NULL,"
                " event_id VARCHAR(64) NOT NULL, attempt INTEGER NOT NULL, url TEXT NOT NULL, status_code INTEGER,"
                " error TEXT, started_at TIMESTAMP WITH TIME ZONE NOT NULL,"
                " finished_at TIMESTAMP WITH TIME ZONE NOT NULL, next_retry_at TIMESTAMP WITH TIME ZONE)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO webhook_deliveries (submission_id, event_id, attempt, url, status_code, error,"
                " started_at, finished_at) VALUES ('s1', 'e', 1, 'http://x/h', 500, 'HTTP 500',"
                " '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00')"
            )
        )
    store.create_schema()
    store.create_schema()
    assert "endpoint_id" in {c["name"] for c in inspect(store.engine).get_columns("webhook_deliveries")}
    assert "uq_delivery_attempt" in {i["name"] for i in inspect(store.engine).get_indexes("webhook_deliveries")}
    [old] = store.deliveries("s1")
    assert (old.endpoint_id, old.attempt, old.error) == ("", 1, "HTTP 500")
    assert store.claim_delivery("s1", "", 1, event_id="e", url="http://x/h", stale_after_s=60) is None
    assert store.claim_delivery("s1", "", 2, event_id="e", url="http://x/h", stale_after_s=60) is not None


def test_keys_from_before_organisations_each_get_one_of_their_own(store):
    """An api_keys table without org_id (and a submissions table without regrades): after the
    upgrade each old key is in an organisation whose id is its own, so what it owned stays its
    own, and two old keys do not share."""
    from sqlalchemy import text

    row, _ = store.add_submission(_sub(), owner_id="k-old-1")
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE api_keys"))
        conn.execute(
            text(
                "CREATE TABLE api_keys (id VARCHAR(36) PRIMARY KEY, name VARCHAR(200) NOT NULL,"
                " prefix VARCHAR(16) NOT NULL, key_hash VARCHAR(64) NOT NULL UNIQUE,"
                " created_at TIMESTAMP WITH TIME ZONE NOT NULL)"
            )
        )
        conn.execute(text("ALTER TABLE submissions DROP COLUMN regrades"))
        for kid, name in (("k-old-1", "alice"), ("k-old-2", "bob")):
            conn.execute(
                text(
                    "INSERT INTO api_keys (id, name, prefix, key_hash, created_at)"
                    " VALUES (:id, :name, 'gk_x', :hash, '2026-01-01 00:00:00+00:00')"
                ),
                {"id": kid, "name": name, "hash": hash_key(f"gk_{name}")},
            )
    store.create_schema()
    store.create_schema()
    assert store.key_identity("gk_alice") == ("k-old-1", "k-old-1")
    assert store.key_owner("gk_bob") == "k-old-2"
    assert store.get(row.id, owner_id=store.key_owner("gk_alice")) is not None
    assert store.get(row.id, owner_id=store.key_owner("gk_bob")) is None
    assert {o.name for o in store.orgs()} >= {"key alice (gk_x)", "key bob (gk_x)"}
    # New keys without an organisation go to the default one, and share it.
    a, b = store.create_key("carol"), store.create_key("dave")
    assert a.org_id == b.org_id == store.default_org().id


def test_organisation_names_are_unique(store):
    store.create_org("ACME")
    with pytest.raises(OrgExists):
        store.create_org(" ACME ")
    with pytest.raises(ValueError):
        store.create_key("x", org_id="no-such-org")
