"""The REST API over real HTTP (uvicorn on 127.0.0.1), embedded mode, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import httpx
import pytest

from grader.service.api import create_app
from grader.service.dispatch import CeleryQueue
from grader.service.store import Store
from tests.support.service import (
    DB_KINDS,
    FULL,
    HTML_HEAD,
    MARKDOWN_HEAD,
    REFERENCE,
    STARTER,
    ServerThread,
    auth,
    database,
    free_port,
    org_key,
    wait_report,
)

SLOW = "import time\ntime.sleep(3)\n" + REFERENCE


@pytest.fixture(params=DB_KINDS)
def db_url(request, tmp_path):
    with database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def api_settings(settings, db_url):
    # The session settings' data dir holds the shared reference cache; the database is this test's.
    return settings.model_copy(
        update={"database_url": db_url, "max_submission_kib": 4, "embedded_workers": 2, "broker_url": ""}
    )


@pytest.fixture
def service(api_settings):
    """(client, store, key_a, key_b) against a running server."""
    store = Store(api_settings.database_url)
    store.create_schema()
    keys = org_key(store, "a").key, org_key(store, "b").key
    with (
        ServerThread(create_app(api_settings, store=store)) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        yield client, store, *keys
    store.close()


def _submit(client, key, **body):
    return client.post(
        "/v1/submissions", json={"task_id": "numpy-standardize", "code": REFERENCE, **body}, headers=auth(key)
    )


def test_submit_grade_and_read_the_report_in_every_format(service):
    client, _, key, _ = service
    r = _submit(client, key, candidate_id="c-42", metadata={"interview": 9})
    assert r.status_code == 202 and r.json()["status"] == "queued"
    sid = r.json()["id"]
    body = wait_report(client, sid, key)
    assert body["result"] == "graded" and body["score"] == body["max_score"] == FULL
    assert (
        body["candidate_id"] == "c-42"
        and body["metadata"] == {"interview": 9}
        and body["report"]["task_id"] == "numpy-standardize"
    )
    assert body["created_at"] <= body["started_at"] <= body["graded_at"]
    js = client.get(f"/v1/submissions/{sid}/report", headers=auth(key))
    assert js.status_code == 200 and js.json()["score"] == FULL
    md = client.get(f"/v1/submissions/{sid}/report?format=markdown", headers=auth(key))
    assert md.headers["content-type"].startswith("text/markdown") and md.text.startswith(MARKDOWN_HEAD)
    html = client.get(f"/v1/submissions/{sid}/report?format=html", headers=auth(key))
    assert html.headers["content-type"].startswith("text/html") and HTML_HEAD in html.text
    assert "script-src" not in html.headers["content-security-policy"]  # default-src 'none' covers scripts
    assert html.headers["content-security-policy"].startswith("default-src 'none'")
    bad = client.get(f"/v1/submissions/{sid}/report?format=pdf", headers=auth(key))
    assert bad.status_code == 422 and "format" in bad.json()["detail"]


def test_candidate_failure_is_a_result_and_report_409_while_not_graded(service):
    client, _, key, _ = service
    slow = _submit(client, key, code=SLOW).json()["id"]
    early = client.get(f"/v1/submissions/{slow}/report", headers=auth(key))
    assert early.status_code == 409 and "not ready" in early.json()["detail"]
    broken = _submit(client, key, code="def standardize(X:\n").json()["id"]
    assert wait_report(client, broken, key)["result"] == "compile_error"
    starter = _submit(client, key, code=STARTER).json()["id"]
    got = wait_report(client, starter, key)
    assert got["result"] in ("graded", "runtime_error") and got["score"] < got["max_score"]
    assert wait_report(client, slow, key)["score"] == FULL


def test_keys_see_only_their_own_submissions(service):
    client, _, a, b = service
    sid = _submit(client, a).json()["id"]
    for path in (f"/v1/submissions/{sid}", f"/v1/submissions/{sid}/report", f"/v1/submissions/{sid}/deliveries"):
        r = client.get(path, headers=auth(b))
        assert r.status_code == 404 and sid in r.json()["detail"]
    assert client.get(f"/v1/submissions/{sid}", headers=auth(a)).status_code == 200
    assert client.get("/v1/submissions/not-a-uuid", headers=auth(a)).status_code == 404


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic YTpi"}])
def test_requests_without_a_valid_key_are_401(service, headers):
    client = service[0]
    for method, path in (("get", "/v1/tasks"), ("post", "/v1/submissions"), ("get", "/v1/submissions/x")):
        r = getattr(client, method)(path, headers=headers)
        assert r.status_code == 401 and "API key" in r.json()["detail"]


def test_bad_submissions_get_a_clear_4xx(service):
    client, store, key, _ = service
    h = {**auth(key), "Content-Type": "application/json"}
    cases = [
        (json.dumps({"task_id": "no-such-task", "code": "x"}), 422, "unknown task 'no-such-task'"),
        (json.dumps({"code": "x"}), 422, "task_id: field required"),
        (json.dumps({"task_id": "numpy-standardize"}), 422, "code: field required"),
        ('{"task_id": "numpy-standardize", "code": "x = \'\\ud800\'"}', 422, "code is not valid UTF-8"),
        (b'{"task_id": "numpy-standardize", "code": "x = \xff\xfe"}', 422, "not valid UTF-8 (bad byte at offset"),
        ("{not json", 422, "not valid JSON"),
        ("[1, 2]", 422, "JSON object"),
        (
            json.dumps({"task_id": "numpy-standardize", "code": "x", "extra": 1}),
            422,
            "extra: Extra inputs are not permitted",
        ),
        (json.dumps({"task_id": "numpy-standardize", "code": "x", "callback_url": "ftp://h/x"}), 422, "callback_url"),
        (json.dumps({"task_id": "numpy-standardize", "code": "#" * 5000}), 413, "over the 4 KiB limit"),
    ]
    for body, status, message in cases:
        r = client.post("/v1/submissions", content=body, headers=h)
        assert r.status_code == status, (body, r.text)
        assert message in r.json()["detail"], (body, r.text)
    assert store.counts() == {}  # nothing bad was stored


def test_idempotency_key(service):
    client, _, key, other = service
    h = {**auth(key), "Idempotency-Key": "req-1"}
    first = client.post("/v1/submissions", json={"task_id": "numpy-standardize", "code": REFERENCE}, headers=h)
    again = client.post("/v1/submissions", json={"task_id": "numpy-standardize", "code": REFERENCE}, headers=h)
    assert first.status_code == again.status_code == 202 and first.json()["id"] == again.json()["id"]
    clash = client.post("/v1/submissions", json={"task_id": "numpy-standardize", "code": STARTER}, headers=h)
    assert (
        clash.status_code == 409
        and "Idempotency-Key 'req-1' was already used with a different request body" in clash.json()["detail"]
    )
    mine = client.post(
        "/v1/submissions",
        json={"task_id": "numpy-standardize", "code": REFERENCE},
        headers={**auth(other), "Idempotency-Key": "req-1"},
    )
    assert mine.status_code == 202 and mine.json()["id"] != first.json()["id"]
    wait_report(client, first.json()["id"], key)


def test_tasks_show_statement_and_starter_never_the_reference(service, api_settings):
    client, _, key, _ = service
    tasks = client.get("/v1/tasks", headers=auth(key)).json()
    ids = [t["id"] for t in tasks]
    assert "numpy-standardize" in ids and "torch-linear-model" in ids
    one = client.get("/v1/tasks/torch-linear-model", headers=auth(key)).json()
    task_dir = api_settings.tasks_dir / "torch-linear-model"
    assert (
        one["statement"] == (task_dir / "statement.md").read_text()
        and one["starter"] == (task_dir / "starter.py").read_text()
    )
    text = client.get("/v1/tasks/torch-linear-model", headers=auth(key)).text
    assert "reference" not in one and "probes" not in one
    public = one["statement"] + one["starter"]
    secret = [
        ln.strip()
        for ln in (task_dir / "reference.py").read_text().splitlines()
        + (task_dir / "probes.py").read_text().splitlines()
        if len(ln.strip()) > 20 and ln.strip() not in public
    ]
    assert secret and not [ln for ln in secret if json.dumps(ln)[1:-1] in text]
    missing = client.get("/v1/tasks/nope", headers=auth(key))
    assert missing.status_code == 404 and "unknown task 'nope'" in missing.json()["detail"]


def test_health_metrics_and_docs(service):
    client, _, key, _ = service
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    wait_report(client, _submit(client, key).json()["id"], key)
    metrics = client.get("/metrics").text
    assert 'grader_submissions{status="graded"} 1.0' in metrics
    assert 'grader_queue_depth{queue="embedded"} 0.0' in metrics
    assert (
        "grader_grading_latency_seconds_count 1.0" in metrics
        and 'grader_grading_latency_seconds_bucket{le="+Inf"} 1.0' in metrics
    )
    spec = client.get("/openapi.json").json()
    assert {"/v1/submissions", "/v1/submissions/{submission_id}/report", "/v1/tasks"} <= set(spec["paths"])
    assert (
        "task_id"
        in spec["paths"]["/v1/submissions"]["post"]["requestBody"]["content"]["application/json"]["schema"][
            "properties"
        ]
    )
    assert client.get("/docs").status_code == 200
    assert "<title>dlgrader</title>" in client.get("/ui").text


def test_readyz_names_the_failed_dependency(settings, tmp_path):
    # A database and a broker on ports where nothing listens.
    dead = settings.model_copy(
        update={
            "database_url": f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test?connect_timeout=2",
            "broker_url": f"redis://127.0.0.1:{free_port()}/0",
        }
    )
    app = create_app(dead, store=Store(dead.database_url), queue=CeleryQueue(dead))
    app.router.lifespan_context = _no_lifespan  # the schema cannot be created without a database
    with ServerThread(app) as server:
        r = httpx.get(f"{server.url}/readyz", timeout=30)
    assert r.status_code == 503 and r.json()["failed"] == ["broker", "database"]
    assert "broker unreachable" in r.json()["detail"]["broker"]


def _no_lifespan(app):
    import contextlib

    @contextlib.asynccontextmanager
    async def nothing():
        yield

    return nothing()


def test_embedded_worker_picks_up_submissions_left_queued(api_settings):
    from grader.models import Submission

    store = Store(api_settings.database_url)
    store.create_schema()
    key = org_key(store, "a")
    left, _ = store.add_submission(Submission(task_id="numpy-standardize", code=REFERENCE), owner_id=key.org_id)
    stuck, _ = store.add_submission(Submission(task_id="numpy-standardize", code=STARTER), owner_id=key.org_id)
    store.start(stuck.id)  # was running when the previous process died
    with (
        ServerThread(create_app(api_settings, store=store)) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        assert wait_report(client, left.id, key.key)["score"] == FULL
        assert wait_report(client, stuck.id, key.key)["status"] == "completed"
    assert store.get(stuck.id, any_owner=True).attempts == 2
    store.close()


def test_broker_down_answers_503_and_keeps_the_submission(settings, tmp_path):
    s = settings.model_copy(
        update={
            "database_url": f"sqlite:///{tmp_path / 'db.sqlite'}",
            "broker_url": f"redis://127.0.0.1:{free_port()}/0",
        }
    )
    store = Store(s.database_url)
    store.create_schema()
    key = org_key(store, "a").key
    with ServerThread(create_app(s, store=store)) as server:
        r = httpx.post(
            f"{server.url}/v1/submissions",
            json={"task_id": "numpy-standardize", "code": REFERENCE},
            headers={**auth(key), "Idempotency-Key": "k1"},
            timeout=60,
        )
    assert (
        r.status_code == 503
        and "stored but not queued" in r.json()["detail"]
        and "retry with the same Idempotency-Key" in r.json()["detail"]
    )
    assert store.counts() == {"queued": 1}
    store.close()
