"""GRADER_RATE_LIMIT over real HTTP: per key (per address without one) on /v1, 429 with
Retry-After once over, a budget shared through Redis in broker mode, never on health or metrics."""

from __future__ import annotations

import contextlib
import time

import httpx
import pytest
from pydantic import ValidationError

from grader.service.api import create_app
from grader.service.store import Store
from grader.settings import Settings
from tests.support.service import NoQueue, ServerThread, auth, free_port, org_key, redis_server

RATE = "3/2seconds"


@contextlib.contextmanager
def serving(settings, tmp_path, store=None, **update):
    """(client, store) against a server with these settings (an own SQLite database unless store)."""
    s = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'db.sqlite'}", "broker_url": "", **update})
    s = Settings.model_validate(s.model_dump())  # validated like the environment would be
    own = store is None
    store = store or Store(s.database_url)
    store.create_schema()
    with (
        ServerThread(create_app(s, store=store, queue=NoQueue())) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        yield client, store
    if own:
        store.close()


def _retry_after(r: httpx.Response) -> int:
    assert r.status_code == 429, r.text
    assert "rate limit of 3/2seconds exceeded" in r.json()["detail"]
    return int(r.headers["retry-after"])


def test_over_the_limit_a_key_gets_429_with_retry_after_and_other_keys_do_not(settings, tmp_path):
    with serving(settings, tmp_path, rate_limit=RATE) as (client, store):
        a, b = org_key(store, "a").key, org_key(store, "b").key
        assert [client.get("/v1/tasks", headers=auth(a)).status_code for _ in range(3)] == [200, 200, 200]
        over = client.get("/v1/submissions/x", headers=auth(a))  # any /v1 route counts against the key
        wait = _retry_after(over)
        assert 1 <= wait <= 2
        assert client.get("/v1/tasks", headers=auth(b)).status_code == 200  # another key has its own budget
        time.sleep(wait)
        assert client.get("/v1/tasks", headers=auth(a)).status_code == 200  # the window moved on


def test_without_a_key_the_client_address_is_counted(settings, tmp_path):
    with serving(settings, tmp_path, rate_limit=RATE) as (client, store):
        key = org_key(store, "a").key
        assert [client.get("/v1/tasks").status_code for _ in range(3)] == [401, 401, 401]
        _retry_after(client.get("/v1/tasks"))
        _retry_after(client.get("/v1/tasks", headers=auth("not-a-key")))  # an invalid key is no key
        assert client.get("/v1/tasks", headers=auth(key)).status_code == 200


def test_health_and_metrics_are_never_limited(settings, tmp_path):
    with serving(settings, tmp_path, rate_limit=RATE) as (client, _):
        for path in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
            assert {client.get(path).status_code for _ in range(6)} == {200}, path


def test_unset_means_unlimited(settings, tmp_path):
    with serving(settings, tmp_path, rate_limit="") as (client, store):
        key = org_key(store, "a").key
        assert {client.get("/v1/tasks", headers=auth(key)).status_code for _ in range(30)} == {200}


def test_in_broker_mode_the_api_processes_share_one_budget_in_redis(settings, tmp_path):
    with (
        redis_server() as url,
        serving(settings, tmp_path, rate_limit=RATE, broker_url=url) as (one, store),
        serving(settings, tmp_path, store=store, rate_limit=RATE, broker_url=url) as (two, _),
    ):
        key = org_key(store, "a").key
        codes = [c.get("/v1/tasks", headers=auth(key)).status_code for c in (one, two, one)]
        assert codes == [200, 200, 200]
        _retry_after(two.get("/v1/tasks", headers=auth(key)))


def test_an_unreachable_redis_lets_requests_through(settings, tmp_path):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    with serving(settings, tmp_path, rate_limit=RATE, broker_url=dead) as (client, store):
        key = org_key(store, "a").key
        assert {client.get("/v1/tasks", headers=auth(key)).status_code for _ in range(5)} == {200}


@pytest.mark.parametrize("rate", ["60/minute", "5/2seconds", "5 per 2 seconds", "1000/day", " 10/hour "])
def test_the_rate_notation(monkeypatch, rate):
    monkeypatch.setenv("GRADER_RATE_LIMIT", rate)
    assert Settings().rate_limit == rate.strip()


@pytest.mark.parametrize("rate", ["60", "sixty/minute", "60/fortnight", "0/minute", "5/0seconds", "60/minute;1/second"])
def test_a_bad_rate_is_refused_with_a_clear_message(monkeypatch, rate):
    monkeypatch.setenv("GRADER_RATE_LIMIT", rate)
    with pytest.raises(ValidationError, match="GRADER_RATE_LIMIT: expected COUNT/\\[N\\]UNIT"):
        Settings()
