"""Webhook endpoints per API key over the real API (uvicorn on 127.0.0.1), SQLite and PostgreSQL:
registration, secrets shown once, rotation with a grace period, fan-out of each event to every
endpoint signed with its own secret (checked with the standardwebhooks and stripe libraries), no
cross-owner replay, and exactly one delivery per (event, endpoint) across retries and duplicates.
Deliveries are driven with webhooks.deliver on stored graded submissions (no grading needed)."""

from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import stripe
from sqlalchemy import update
from standardwebhooks import Webhook, WebhookVerificationError

from grader.service import webhooks
from grader.service.api import create_app
from grader.service.dispatch import EmbeddedQueue
from grader.service.store import Delivery, Store, WebhookEndpoint
from tests.support.records import stored_report as _report
from tests.support.records import sub as _sub
from tests.support.service import DB_KINDS, Receiver, ServerThread, auth, database, org_key, wait_for


class _NoQueue:
    def start(self) -> None: ...

    def stop(self) -> None: ...

    def ping(self) -> None: ...


@dataclass
class Api:
    client: httpx.Client
    store: Store
    settings: object
    keys: tuple  # (NewKey a, NewKey b)


@pytest.fixture(params=DB_KINDS)
def api(request, tmp_path, settings):
    with database(request.param, tmp_path) as url:
        s = settings.model_copy(
            update={
                "database_url": url,
                "webhook_allow_private": True,  # the receivers are on 127.0.0.1
                "webhook_max_attempts": 4,
                "webhook_backoff_base_s": 0.2,
                "webhook_backoff_max_s": 0.5,
                "webhook_timeout_s": 5,
            }
        )
        store = Store(url)
        store.create_schema()
        keys = org_key(store, "a"), org_key(store, "b")
        with (
            ServerThread(create_app(s, store=store, queue=_NoQueue())) as server,
            httpx.Client(base_url=server.url, timeout=30) as client,
        ):
            yield Api(client, store, s, keys)
        store.close()


def _register(api: Api, key, url: str) -> dict:
    r = api.client.post("/v1/webhooks", json={"url": url}, headers=auth(key.key))
    assert r.status_code == 201, r.text
    return r.json()


def _graded(api: Api, key, callback_url: str | None = None) -> str:
    row, _ = api.store.add_submission(_sub(), owner_id=key.org_id, callback_url=callback_url, metadata={"ats": 1})
    api.store.start(row.id)
    api.store.complete(row.id, _report())
    return row.id


def _deliver_all(api: Api, sid: str, attempt: int = 1) -> dict[str, float | None]:
    row = api.store.get(sid, any_owner=True)
    return {
        t: webhooks.deliver(sid, attempt, store=api.store, settings=api.settings, endpoint_id=t)
        for t in api.store.targets(row)
    }


def _verify_both(secret: str, headers: dict[str, str], body: bytes) -> dict:
    """Both libraries accept the delivery with this secret; the verified event."""
    event = Webhook(secret).verify(body, headers)
    assert stripe.WebhookSignature.verify_header(body, headers["Grader-Signature"], secret, 300) is True
    assert webhooks.verify(secret, body, headers["Grader-Signature"]) > 0
    return event


def _rejected_by_both(secret: str, headers: dict[str, str], body: bytes) -> None:
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, headers)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.WebhookSignature.verify_header(body, headers["Grader-Signature"], secret, 300)


def test_register_list_delete_and_secrets_shown_once(api):
    a, b = api.keys
    created = _register(api, a, "https://hooks.example.com/grader")
    assert set(created) == {"id", "url", "secret"} and created["url"] == "https://hooks.example.com/grader"
    secret = created["secret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[len("whsec_") :])) >= 24
    other = _register(api, a, "http://hooks.example.com/second")
    assert other["secret"] != secret
    listed = api.client.get("/v1/webhooks", headers=auth(a.key))
    assert listed.status_code == 200
    assert [(e["id"], e["url"]) for e in listed.json()] == [
        (created["id"], created["url"]),
        (other["id"], other["url"]),
    ]
    assert secret not in listed.text and "secret" not in listed.json()[0]
    assert api.store.endpoint(created["id"]).secret == secret  # stored: it signs every delivery
    # Another key sees nothing of them and cannot delete or rotate them.
    assert api.client.get("/v1/webhooks", headers=auth(b.key)).json() == []
    assert api.client.delete(f"/v1/webhooks/{created['id']}", headers=auth(b.key)).status_code == 404
    assert api.client.post(f"/v1/webhooks/{created['id']}/rotate", headers=auth(b.key)).status_code == 404
    assert api.client.delete(f"/v1/webhooks/{created['id']}", headers=auth(a.key)).status_code == 204
    assert api.client.delete(f"/v1/webhooks/{created['id']}", headers=auth(a.key)).status_code == 404
    assert [e["id"] for e in api.client.get("/v1/webhooks", headers=auth(a.key)).json()] == [other["id"]]
    # Bad requests.
    assert api.client.get("/v1/webhooks").status_code == 401
    for body in ({"url": "ftp://h/x"}, {"url": "not a url"}, {"url": "http://"}, {}, {"url": "http://h/", "x": 1}):
        r = api.client.post("/v1/webhooks", json=body, headers=auth(a.key))
        assert r.status_code == 422, (body, r.text)
    assert api.client.delete("/v1/webhooks/default", headers=auth(a.key)).status_code == 404
    for bad in ("not-an-id", "ep_%00", "default_" + a.id, "x" * 300):  # 404 before any query
        assert api.client.delete(f"/v1/webhooks/{bad}", headers=auth(a.key)).status_code == 404
        assert api.client.post(f"/v1/webhooks/{bad}/rotate", headers=auth(a.key)).status_code == 404


def test_each_event_goes_to_every_endpoint_signed_with_its_own_secret(api):
    a, _ = api.keys
    with Receiver() as one, Receiver() as two, Receiver() as callback:
        ep1, ep2 = _register(api, a, one.url), _register(api, a, two.url)
        default = api.client.post("/v1/webhooks/default/rotate", headers=auth(a.key)).json()
        assert default["id"] == "default" and default["url"] is None and default["secret"].startswith("whsec_")
        assert default["previous_secret_expires_at"] is None  # the first one: nothing rotated
        sid = _graded(api, a, callback_url=callback.url)
        assert api.store.targets(api.store.get(sid, any_owner=True)) == ["", ep1["id"], ep2["id"]]
        assert set(_deliver_all(api, sid).values()) == {None}  # all delivered
        for rx, secret, other in (
            (one, ep1["secret"], ep2["secret"]),
            (two, ep2["secret"], ep1["secret"]),
            (callback, default["secret"], ep1["secret"]),
        ):
            [(headers, body)] = rx.requests
            event = _verify_both(secret, headers, body)
            _rejected_by_both(other, headers, body)
            assert event["owner_id"] == a.org_id and event["data"]["submission"]["id"] == sid
            assert headers["webhook-id"] == headers["Grader-Event-Id"] == event["id"] == webhooks.event_id(sid)
            assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
        assert one.requests[0][1] == two.requests[0][1] == callback.requests[0][1]  # one event, same bytes
    log = api.client.get(f"/v1/submissions/{sid}/deliveries", headers=auth(a.key)).json()
    assert sorted((d["endpoint_id"] or "", d["attempt"], d["error"]) for d in log) == sorted(
        [("", 1, None), (ep1["id"], 1, None), (ep2["id"], 1, None)]
    )


def test_an_event_replayed_to_another_owner_does_not_verify(api):
    a, b = api.keys
    with Receiver() as a_rx, Receiver() as b_rx:
        ep_a, ep_b = _register(api, a, a_rx.url), _register(api, b, b_rx.url)
        sid = _graded(api, a)
        _deliver_all(api, sid)
        assert b_rx.requests == []  # B's endpoint never gets A's events
        [(headers, body)] = a_rx.requests
        # An attacker who captured A's delivery posts it to B's endpoint as is.
        keep = {k: v for k, v in headers.items() if k.lower() not in ("host", "content-length")}
        httpx.post(b_rx.url, content=body, headers=keep)
        [(replayed_headers, replayed_body)] = b_rx.requests
    assert _verify_both(ep_a["secret"], headers, body)["owner_id"] == a.org_id
    _rejected_by_both(ep_b["secret"], replayed_headers, replayed_body)
    with pytest.raises(webhooks.SignatureError):
        webhooks.verify(ep_b["secret"], replayed_body, replayed_headers["Grader-Signature"])


def test_rotation_signs_with_both_secrets_during_the_grace_period(api):
    a, _ = api.keys
    with Receiver() as rx:
        ep = _register(api, a, rx.url)
        r = api.client.post(f"/v1/webhooks/{ep['id']}/rotate", headers=auth(a.key))
        assert r.status_code == 200
        rotated = r.json()
        new, old = rotated["secret"], ep["secret"]
        assert new != old and new.startswith("whsec_") and rotated["id"] == ep["id"] and rotated["url"] == rx.url
        expires = datetime.fromisoformat(rotated["previous_secret_expires_at"])
        assert timedelta(hours=23) < expires - datetime.now(UTC) <= timedelta(hours=24)
        listed = api.client.get("/v1/webhooks", headers=auth(a.key)).text
        assert new not in listed and old not in listed
        _deliver_all(api, _graded(api, a))
        [(headers, body)] = rx.requests
        assert len(headers["webhook-signature"].split(" ")) == 2 and headers["Grader-Signature"].count("v1=") == 2
        _verify_both(new, headers, body)
        _verify_both(old, headers, body)
        # Once the grace period is over, only the new secret signs.
        with api.store._session.begin() as s:
            s.execute(
                update(WebhookEndpoint)
                .where(WebhookEndpoint.id == ep["id"])
                .values(previous_expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
        _deliver_all(api, _graded(api, a))
        headers, body = rx.requests[1]
        assert len(headers["webhook-signature"].split(" ")) == 1
        _verify_both(new, headers, body)
        _rejected_by_both(old, headers, body)


def test_the_default_secret_signs_callbacks_and_rotates(api):
    a, _ = api.keys
    with Receiver() as rx:
        sid = _graded(api, a, callback_url=rx.url)  # no secret asked for yet: created on first need
        _deliver_all(api, sid)
        first = api.store.default_endpoint(a.org_id).secret
        _verify_both(first, *rx.requests[0])
        rotated = api.client.post("/v1/webhooks/default/rotate", headers=auth(a.key)).json()
        assert rotated["secret"] != first and rotated["previous_secret_expires_at"] is not None
        _deliver_all(api, _graded(api, a, callback_url=rx.url))
        _verify_both(rotated["secret"], *rx.requests[1])
        _verify_both(first, *rx.requests[1])
    assert api.client.get("/v1/webhooks", headers=auth(a.key)).json() == []  # the default is no endpoint


def test_each_endpoint_gets_each_event_once_across_retries_and_duplicates(api):
    a, _ = api.keys
    with Receiver([500]) as flaky, Receiver() as steady:
        ep_f, ep_s = _register(api, a, flaky.url), _register(api, a, steady.url)
        sid = _graded(api, a)
        delays = _deliver_all(api, sid)
        assert delays[ep_s["id"]] is None and 0.1 <= delays[ep_f["id"]] <= 0.2  # retried per endpoint
        owed = api.store.undelivered()
        assert [(s, e, n) for s, e, n, _ in owed] == [(sid, ep_f["id"], 2)]
        # Duplicates of attempt 1 (a redelivered job) send nothing: the attempt was made.
        assert _deliver_all(api, sid) == {ep_f["id"]: None, ep_s["id"]: None}
        assert len(flaky.requests) == 1 and len(steady.requests) == 1
        # Attempt 2 to the flaky endpoint, raced by five duplicates at once: one request.
        threads = [
            threading.Thread(
                target=webhooks.deliver,
                args=(sid, 2),
                kwargs={"store": api.store, "settings": api.settings, "endpoint_id": ep_f["id"]},
            )
            for _ in range(5)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(flaky.requests) == 2
        # Delivered: later attempts (a stale retry job) send nothing either.
        assert webhooks.deliver(sid, 3, store=api.store, settings=api.settings, endpoint_id=ep_f["id"]) is None
        assert len(flaky.requests) == 2 and len(steady.requests) == 1
        ids = {h["webhook-id"] for h, _ in flaky.requests + steady.requests}
        assert ids == {webhooks.event_id(sid)}  # stable across retries and endpoints
    assert api.store.undelivered() == []
    log = [(d.endpoint_id, d.attempt, d.status_code) for d in api.store.deliveries(sid)]
    assert sorted(log) == sorted([(ep_f["id"], 1, 500), (ep_f["id"], 2, 200), (ep_s["id"], 1, 200)])


def test_an_attempt_left_in_flight_by_a_dead_process_is_taken_over(api):
    a, _ = api.keys
    with Receiver() as rx:
        ep = _register(api, a, rx.url)
        sid = _graded(api, a)
        long_ago = datetime.now(UTC) - timedelta(hours=1)
        api.store.add_delivery(
            submission_id=sid,
            endpoint_id=ep["id"],
            event_id=webhooks.event_id(sid),
            attempt=1,
            url=rx.url,
            status_code=None,
            error="sending",
            started_at=long_ago,
            finished_at=long_ago,
            next_retry_at=None,
        )
        [(_, _, attempt, due)] = api.store.undelivered(stale_after_s=60)
        assert attempt == 1 and due == long_ago + timedelta(seconds=60)
        assert webhooks.deliver(sid, 1, store=api.store, settings=api.settings, endpoint_id=ep["id"]) is None
        assert len(rx.requests) == 1
    [d] = api.store.deliveries(sid)
    assert (d.attempt, d.status_code, d.error) == (1, 200, None)


def test_deleted_and_later_endpoints_get_nothing(api):
    a, _ = api.keys
    with Receiver([500]) as gone, Receiver() as late:
        ep = _register(api, a, gone.url)
        sid = _graded(api, a)
        assert _deliver_all(api, sid)[ep["id"]] is not None  # a retry is due...
        assert api.client.delete(f"/v1/webhooks/{ep['id']}", headers=auth(a.key)).status_code == 204
        assert webhooks.deliver(sid, 2, store=api.store, settings=api.settings, endpoint_id=ep["id"]) is None
        assert len(gone.requests) == 1  # ...and dropped with the endpoint
        _register(api, a, late.url)  # registered after the event: it is not sent there
        assert api.store.targets(api.store.get(sid, any_owner=True)) == []
        assert api.store.undelivered() == []
        assert late.requests == []


def test_an_embedded_server_restarting_delivers_what_each_endpoint_is_owed(api):
    a, _ = api.keys
    with Receiver() as one, Receiver() as two:
        ep1, ep2 = _register(api, a, one.url), _register(api, a, two.url)
        sid = _graded(api, a)
        webhooks.deliver(sid, 1, store=api.store, settings=api.settings, endpoint_id=ep1["id"])  # ep2 never tried
        assert [(e, n) for _, e, n, _ in api.store.undelivered()] == [(ep2["id"], 1)]
        queue = EmbeddedQueue(store=api.store, settings=api.settings, engine_factory=lambda: None)
        queue.start()
        try:
            wait_for(lambda: two.requests, timeout_s=20, what="the owed delivery")
            time.sleep(0.3)  # nothing else may arrive
        finally:
            queue.stop()
        assert len(one.requests) == 1 and len(two.requests) == 1
        _verify_both(ep2["secret"], *two.requests[0])
    assert api.store.undelivered() == []
    assert {(d.endpoint_id, d.error) for d in api.store.deliveries(sid)} == {(ep1["id"], None), (ep2["id"], None)}


def test_delivery_rows_are_unique_per_endpoint_and_attempt(api):
    a, _ = api.keys
    sid = _graded(api, a)
    claim = api.store.claim_delivery(sid, "ep_x", 1, event_id="e", url="http://h/", stale_after_s=60)
    assert claim is not None
    assert api.store.claim_delivery(sid, "ep_x", 1, event_id="e", url="http://h/", stale_after_s=60) is None
    assert api.store.claim_delivery(sid, "ep_y", 1, event_id="e", url="http://h/", stale_after_s=60) is not None
    with api.store._session() as s:
        assert s.query(Delivery).filter(Delivery.submission_id == sid).count() == 2


def test_the_documented_receivers_accept_a_real_delivery(api):
    """docs/webhooks.md's snippets (standardwebhooks, stripe, by hand) against a delivery made during
    a rotation: each accepts either secret and refuses another key's."""
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "webhooks.md").read_text()
    ns: dict = {}
    for block in re.findall(r"```python\n(.*?)```", doc, re.S):
        exec(block, ns)  # noqa: S102 - our own documentation
    a, b = api.keys
    with Receiver() as rx:
        ep = _register(api, a, rx.url)
        new = api.client.post(f"/v1/webhooks/{ep['id']}/rotate", headers=auth(a.key)).json()["secret"]
        stranger = _register(api, b, "http://h.example/")["secret"]
        _deliver_all(api, _graded(api, a))
        [(headers, body)] = rx.requests
    for secret in (ep["secret"], new):
        assert ns["receive_standard"](secret, body, headers)["owner_id"] == a.org_id
        assert ns["receive_stripe"](secret, body, headers) is True
        assert ns["verify"](secret, body, headers["Grader-Signature"]) is True
    with pytest.raises(WebhookVerificationError):
        ns["receive_standard"](stranger, body, headers)
    with pytest.raises(stripe.SignatureVerificationError):
        ns["receive_stripe"](stranger, body, headers)
    assert ns["verify"](stranger, body, headers["Grader-Signature"]) is False
