"""Webhook signing (pure) and one-attempt delivery against a real receiver on 127.0.0.1 (so these
settings allow private addresses; tests/service/test_ssrf.py is about refusing them)."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

import pytest

from grader.service import webhooks
from grader.service.store import Store
from grader.settings import Settings
from tests.support.records import stored_report as _report
from tests.support.records import sub as _sub
from tests.support.service import Receiver

SECRET = "whsec_test"


def test_sign_and_verify_round_trip():
    body = b'{"id":"evt_1"}'
    header = webhooks.sign(SECRET, body, 1_700_000_000)
    assert header.startswith("t=1700000000,v1=") and len(header.split("v1=")[1]) == 64
    assert webhooks.verify(SECRET, body, header, now=1_700_000_010) == 1_700_000_000


@pytest.mark.parametrize(
    "body, secret, now, header_fn, reason",
    [
        (b'{"id":"evt_2"}', SECRET, 1_700_000_000, None, "no matching"),  # body changed
        (b'{"id":"evt_1"}', "other", 1_700_000_000, None, "no matching"),  # wrong secret
        (b'{"id":"evt_1"}', SECRET, 1_700_000_301, None, "tolerance"),  # replayed too late
        (b'{"id":"evt_1"}', SECRET, 1_700_000_000, lambda h: "garbage", "malformed"),
        (b'{"id":"evt_1"}', SECRET, 1_700_000_000, lambda h: h.split(",")[1], "timestamp"),
        (b'{"id":"evt_1"}', SECRET, 1_700_000_000, lambda h: h.replace("t=1700000000", "t=1700000001"), "no matching"),
    ],
)
def test_verify_rejects(body, secret, now, header_fn, reason):
    header = webhooks.sign(SECRET, b'{"id":"evt_1"}', 1_700_000_000)
    if header_fn:
        header = header_fn(header)
    with pytest.raises(webhooks.SignatureError, match=reason):
        webhooks.verify(secret, body, header, now=now)


def test_verify_accepts_any_of_several_signatures():
    body = b"{}"
    good = webhooks.sign(SECRET, body, 100).split(",")[1]
    assert webhooks.verify(SECRET, body, f"t=100,v1={'0' * 64},{good}", now=100) == 100


def test_backoff_grows_with_jitter_and_spans_about_an_hour_by_default():
    rng = random.Random(1)
    waits = [webhooks.backoff_s(n, base_s=10, max_s=1000, rng=rng) for n in range(1, 10)]
    for n, w in enumerate(waits, start=1):
        full = min(1000, 10 * 2 ** (n - 1))
        assert full / 2 <= w <= full
    s = Settings()
    assert s.webhook_max_attempts >= 8
    lo = sum(
        min(s.webhook_backoff_max_s, s.webhook_backoff_base_s * 2 ** (n - 1)) / 2
        for n in range(1, s.webhook_max_attempts)
    )
    hi = 2 * lo
    assert 30 * 60 <= lo and hi <= 3 * 3600  # the 7 waits between 8 attempts: roughly an hour


def test_event_id_is_stable_and_event_shape():
    assert webhooks.event_id("s1") == webhooks.event_id("s1") != webhooks.event_id("s2")
    when = datetime(2026, 1, 2, tzinfo=UTC)
    ev = webhooks.event("s1", task_id="t", candidate_id=None, metadata={"a": 1}, graded_at=when, report={"score": 1})
    assert ev == {
        "id": webhooks.event_id("s1"),
        "type": "submission.graded",
        "created": int(when.timestamp()),
        "owner_id": None,
        "data": {
            "submission": {"id": "s1", "task_id": "t", "candidate_id": None, "metadata": {"a": 1}},
            "report": {"score": 1},
        },
    }


def test_deliver_logs_each_attempt_and_stops_on_success(tmp_path):
    settings = Settings(
        data_dir=tmp_path,
        webhook_secret=SECRET,
        webhook_max_attempts=3,
        webhook_backoff_base_s=1,
        webhook_timeout_s=5,
        webhook_allow_private=True,
    )
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.create_schema()
    with Receiver([500, 200]) as rx:
        row, _ = store.add_submission(_sub(), owner_id=None, callback_url=rx.url, metadata={"ats": "x"})
        store.start(row.id)
        store.complete(row.id, _report())
        delay = webhooks.deliver(row.id, 1, store=store, settings=settings)
        assert delay is not None and 0.5 <= delay <= 1
        assert webhooks.deliver(row.id, 2, store=store, settings=settings) is None
        assert len(rx.requests) == 2
        headers, body = rx.requests[1]
        assert webhooks.verify(SECRET, body, headers["Grader-Signature"], now=time.time())
        assert headers["Grader-Event-Id"] == webhooks.event_id(row.id) == rx.events()[0]["id"]
        assert rx.events()[0] == rx.events()[1]  # the same event, retried
        assert rx.events()[0]["data"]["report"]["score"] == 3.0
    log = store.deliveries(row.id)
    assert [(d.attempt, d.status_code, d.error) for d in log] == [(1, 500, "HTTP 500"), (2, 200, None)]
    assert log[0].next_retry_at is not None and log[1].next_retry_at is None


def test_deliver_gives_up_after_the_last_attempt_and_never_raises(tmp_path):
    settings = Settings(data_dir=tmp_path, webhook_max_attempts=2, webhook_timeout_s=2, webhook_allow_private=True)
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.create_schema()
    row, _ = store.add_submission(_sub(), owner_id=None, callback_url="http://127.0.0.1:1/closed")
    store.start(row.id)
    store.complete(row.id, _report())
    assert webhooks.deliver(row.id, 1, store=store, settings=settings) is not None
    assert webhooks.deliver(row.id, 2, store=store, settings=settings) is None
    log = store.deliveries(row.id)
    assert [d.attempt for d in log] == [1, 2] and all(
        d.status_code is None and d.error == "connection failed" for d in log
    )
    # Nothing to deliver: no callback, or not graded yet.
    plain, _ = store.add_submission(_sub("z = 0\n"), owner_id=None)
    assert webhooks.deliver(plain.id, 1, store=store, settings=settings) is None
    assert store.deliveries(plain.id) == []


def test_the_documented_verification_snippet_works():
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "webhooks.md").read_text()
    snippet = next(b for b in re.findall(r"```python\n(.*?)```", doc, re.S) if "def verify" in b)
    ns: dict = {}
    exec(snippet, ns)  # noqa: S102 - our own documentation
    body = b'{"id":"evt_1","type":"submission.graded"}'
    header = webhooks.sign(SECRET, body, int(time.time()))
    assert ns["verify"](SECRET, body, header) is True
    assert ns["verify"](SECRET, body + b" ", header) is False
    assert ns["verify"]("wrong", body, header) is False
    assert ns["verify"](SECRET, body, webhooks.sign(SECRET, body, int(time.time()) - 3600)) is False


def test_an_embedded_server_restarting_still_delivers_what_it_owed(tmp_path):
    """Webhooks owed when the embedded server stopped (never attempted, or a retry scheduled) are
    delivered when it starts again; delivered and given-up ones are not sent again."""
    from datetime import timedelta

    from grader.service.dispatch import EmbeddedQueue

    settings = Settings(
        data_dir=tmp_path,
        webhook_secret=SECRET,
        webhook_max_attempts=3,
        webhook_timeout_s=5,
        webhook_allow_private=True,
    )
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.create_schema()
    past = datetime.now(UTC) - timedelta(seconds=5)
    with Receiver() as rx:
        ids = {}
        for name in ("never_tried", "retry_due", "delivered", "gave_up"):
            row, _ = store.add_submission(_sub(), owner_id=None, callback_url=rx.url)
            store.start(row.id)
            store.complete(row.id, _report())
            ids[name] = row.id
        common = {"url": rx.url, "started_at": past, "finished_at": past}
        store.add_delivery(
            submission_id=ids["retry_due"],
            event_id="e",
            attempt=1,
            status_code=500,
            error="HTTP 500",
            next_retry_at=past,
            **common,
        )
        store.add_delivery(
            submission_id=ids["delivered"],
            event_id="e",
            attempt=1,
            status_code=200,
            error=None,
            next_retry_at=None,
            **common,
        )
        store.add_delivery(
            submission_id=ids["gave_up"],
            event_id="e",
            attempt=3,
            status_code=500,
            error="HTTP 500",
            next_retry_at=None,
            **common,
        )
        assert sorted(store.undelivered(), key=lambda x: x[2]) == [
            (ids["never_tried"], "", 1, store.get(ids["never_tried"], any_owner=True).graded_at),
            (ids["retry_due"], "", 2, past),
        ]
        queue = EmbeddedQueue(store=store, settings=settings, engine_factory=lambda: None)
        queue.start()
        try:
            deadline = time.monotonic() + 20
            while len(rx.requests) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.3)  # nothing else may arrive
        finally:
            queue.stop()
    sent = sorted(e["data"]["submission"]["id"] for e in rx.events())
    assert sent == sorted([ids["never_tried"], ids["retry_due"]])
    assert [d.attempt for d in store.deliveries(ids["retry_due"])] == [1, 2]
    assert store.undelivered() == []
