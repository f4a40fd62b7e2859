"""No input makes the API answer 5xx: deep nesting, NUL characters, odd ids — on SQLite and
PostgreSQL, over real HTTP."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from grader.service.api import create_app
from grader.service.store import Store
from tests.support.service import DB_KINDS, REFERENCE, NoQueue, ServerThread, auth, database, org_key


@pytest.fixture(params=DB_KINDS)
def api(request, tmp_path, settings):
    with database(request.param, tmp_path) as url:
        s = settings.model_copy(update={"database_url": url, "broker_url": ""})
        store = Store(url)
        store.create_schema()
        key = org_key(store, "a").key
        queue = NoQueue()
        with (
            ServerThread(create_app(s, store=store, queue=queue)) as server,
            httpx.Client(base_url=server.url, timeout=30) as client,
        ):
            yield client, key, queue, store
        store.close()


def _post(client, key, content: str):
    return client.post("/v1/submissions", content=content, headers={**auth(key), "content-type": "application/json"})


@pytest.mark.parametrize("depth", [33, 10_000, 200_000])
def test_deeply_nested_json_is_a_422_not_a_crash(api, depth):
    client, key, queue, _ = api
    body = '{"task_id": "numpy-standardize", "code": "x = 1", "metadata": {"a": ' + "[" * depth + "]" * depth + "}}"
    r = _post(client, key, body)
    assert r.status_code == 422 and "deeper than" in r.json()["detail"]
    assert queue.enqueued == []
    assert client.get("/healthz").status_code == 200  # the connection and the server survived


def test_nesting_inside_strings_does_not_count(api):
    client, key, queue, _ = api
    body = '{"task_id": "numpy-standardize", "code": "x = \\"' + "[" * 1000 + '\\""}'
    assert _post(client, key, body).status_code == 202 and len(queue.enqueued) == 1


@pytest.mark.parametrize(
    "field",
    [
        '"code": "x = 1\\u0000"',
        '"code": "x = 1", "candidate_id": "c\\u0000"',
        '"code": "x = 1", "callback_url": "https://example.com/\\u0000"',
        '"code": "x = 1", "metadata": {"k\\u0000": 1}',
        '"code": "x = 1", "metadata": {"k": ["v\\u0000"]}',
    ],
)
def test_a_nul_character_anywhere_is_a_422(api, field):
    client, key, queue, store = api
    r = _post(client, key, '{"task_id": "numpy-standardize", ' + field + "}")
    assert r.status_code == 422 and "NUL" in r.json()["detail"], r.text
    assert queue.enqueued == []


@pytest.mark.parametrize("sid", ["%00", "x%00y", "..", "1' OR '1'='1", "a" * 300])
def test_an_id_that_is_not_a_submission_id_is_a_404(api, sid):
    client, key, _, _ = api
    for path in (f"/v1/submissions/{sid}", f"/v1/submissions/{sid}/report", f"/v1/submissions/{sid}/deliveries"):
        assert client.get(path, headers=auth(key)).status_code == 404, path


def test_a_plain_submission_still_goes_through(api):
    client, key, queue, _ = api
    r = client.post("/v1/submissions", json={"task_id": "numpy-standardize", "code": REFERENCE}, headers=auth(key))
    assert r.status_code == 202 and queue.enqueued == [r.json()["id"]]


def test_metrics_need_the_token_when_one_is_set(tmp_path, settings):
    s = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'db.sqlite'}", "broker_url": ""})
    s = s.model_copy(update={"metrics_token": SecretStr("scrape-me")})
    store = Store(s.database_url)
    store.create_schema()
    with (
        ServerThread(create_app(s, store=store, queue=NoQueue())) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Basic scrape-me"}).status_code == 401
        ok = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
        assert ok.status_code == 200 and "grader_submissions" in ok.text
        assert client.get("/healthz").status_code == 200  # liveness stays open
    store.close()
