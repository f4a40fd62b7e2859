"""Invitations over real HTTP (uvicorn on 127.0.0.1, SQLite, the real embedded worker grading in
the sandbox, a real SMTP server): create, email, the candidate's JSON endpoints, the server's
deadline, expiry, cancellation, and one organisation never reaching another's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest

from grader.service.api import create_app
from grader.service.store import Store, utcnow
from tests.support.service import (
    FULL,
    REFERENCE,
    STARTER,
    ServerThread,
    auth,
    free_port,
    org_key,
    wait_for,
)
from tests.support.smtp import Mailbox, invitation_settings, smtp_server

TASK = "numpy-standardize"


@dataclass
class Service:
    url: str
    client: httpx.Client
    store: Store
    keys: tuple  # NewKey of organisation A, NewKey of organisation B
    mail: Mailbox

    def invite(self, key=None, **body) -> dict:
        payload = {"tasks": [TASK], "candidate": {"name": "Ada Lovelace", "email": "ada@example.com"}, **body}
        r = self.client.post("/v1/invitations", json=payload, headers=auth((key or self.keys[0]).key))
        assert r.status_code == 201, r.text
        return r.json()

    def get(self, inv_id: str, key=None) -> dict:
        r = self.client.get(f"/v1/invitations/{inv_id}", headers=auth((key or self.keys[0]).key))
        assert r.status_code == 200, r.text
        return r.json()

    def wait_status(self, inv_id: str, status: str, timeout_s: float = 90) -> dict:
        return wait_for(
            lambda: (inv := self.get(inv_id))["status"] == status and inv,
            timeout_s=timeout_s,
            what=f"invitation {status}",
        )


@pytest.fixture
def service(settings, tmp_path):
    port = free_port()
    with smtp_server() as mail:
        s = invitation_settings(settings, tmp_path, port=port, mail=mail)
        store = Store(s.database_url)
        store.create_schema()
        keys = org_key(store, "a"), org_key(store, "b")
        with (
            ServerThread(create_app(s, store=store), port=port) as server,
            httpx.Client(base_url=server.url, timeout=60) as client,
        ):
            yield Service(server.url, client, store, keys, mail)
        store.close()


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_an_invitation_is_emailed_taken_and_graded(service):
    inv = service.invite(time_limit_minutes=20, expires_in_hours=48)
    assert inv["status"] == "sent" and inv["email"] == "sent"
    assert inv["url"].startswith(service.url + "/take/")
    assert inv["tasks"] == [TASK] and inv["score"] is None and inv["percent"] is None
    msg = service.mail.to("ada@example.com")
    text, html = Mailbox.parts(msg)
    link = Mailbox.link(msg)
    assert link == inv["url"] and inv["url"] in html
    assert "20 minutes" in text and "20 minutes" in html
    # The link's token is not stored, and a later read does not know it.
    token = token_of(link)
    assert service.get(inv["id"])["url"] is None
    with service.store._session() as s:
        from sqlalchemy import text as sql

        assert token not in str(s.execute(sql("SELECT * FROM invitations")).all())

    c = service.client
    # Fetching the page (as a mail scanner does) does not start the clock; reading its state does.
    page = c.get(f"/take/{token}")
    assert page.status_code == 200 and 'id="countdown"' in page.text
    assert service.get(inv["id"])["status"] == "sent"
    state = c.get(f"/take/{token}/state").json()
    assert state["status"] == "opened" and 19 * 60 < state["seconds_left"] <= 20 * 60
    assert state["organisation"].startswith("org-a-")
    [task] = state["tasks"]
    assert task["id"] == TASK and task["starter"] == STARTER and task["draft"] is None and not task["submitted"]
    assert "reference" not in task and REFERENCE not in str(state)
    opened = service.get(inv["id"])
    assert opened["status"] == "opened" and opened["deadline"] is not None
    # A second look does not restart the clock.
    assert c.get(f"/take/{token}/state").json()["deadline"] == state["deadline"]

    assert c.put(f"/take/{token}/drafts/{TASK}", json={"code": "# thinking"}).status_code == 204
    assert c.get(f"/take/{token}/state").json()["tasks"][0]["draft"] == "# thinking"
    assert c.put(f"/take/{token}/drafts/no-such-task", json={"code": "x"}).status_code == 404
    r = c.post(f"/take/{token}/submissions", json={"task_id": TASK, "code": REFERENCE})
    assert r.status_code == 202, r.text
    sid = r.json()["submission_id"]
    again = c.post(f"/take/{token}/submissions", json={"task_id": TASK, "code": STARTER})
    assert again.status_code == 409 and "already submitted" in again.json()["detail"]
    done = c.post(f"/take/{token}/finish")
    assert done.status_code == 200 and done.json()["status"] == "submitted"

    graded = service.wait_status(inv["id"], "graded")
    assert graded["score"] == FULL and graded["max_score"] == FULL and graded["percent"] == 100.0
    assert graded["results"] == [
        {"task_id": TASK, "submission_id": sid, "status": "graded", "score": FULL, "max_score": FULL}
    ]
    assert graded["checks_passed"] == graded["checks"] > 0
    # The submission is the organisation's, like any other.
    assert c.get(f"/v1/submissions/{sid}", headers=auth(service.keys[0].key)).json()["score"] == FULL
    # A used link: a clear page, and no more code.
    closed = c.get(f"/take/{token}")
    assert closed.status_code == 410 and "finished this test" in closed.text and 'id="closed-message"' in closed.text
    late = c.post(f"/take/{token}/submissions", json={"task_id": TASK, "code": REFERENCE})
    assert late.status_code == 410 and "finished" in late.json()["detail"]
    assert c.get(f"/take/{token}/state").status_code == 410


def test_after_the_deadline_code_is_refused_and_the_drafts_are_submitted(service):
    inv = service.invite(time_limit_minutes=5)
    token = token_of(inv["url"])
    c = service.client
    c.get(f"/take/{token}/state")
    assert c.put(f"/take/{token}/drafts/{TASK}", json={"code": REFERENCE}).status_code == 204
    # Time passes: the deadline is now behind us (the server's clock decides, not the page).
    service.store.set_invitation(inv["id"], deadline=utcnow() - timedelta(seconds=1))
    refused = c.post(f"/take/{token}/submissions", json={"task_id": TASK, "code": STARTER})
    assert refused.status_code == 410
    assert c.put(f"/take/{token}/drafts/{TASK}", json={"code": STARTER}).status_code == 410
    graded = service.wait_status(inv["id"], "graded")
    # The saved draft (the reference), not the code sent too late, was graded.
    assert graded["score"] == FULL and graded["submitted_at"] is not None


def test_the_deadline_passing_with_no_draft_scores_zero(service):
    inv = service.invite(time_limit_minutes=5)
    token = token_of(inv["url"])
    service.client.get(f"/take/{token}/state")
    service.store.set_invitation(inv["id"], deadline=utcnow() - timedelta(seconds=1))
    graded = service.wait_status(inv["id"], "graded", timeout_s=20)
    assert graded["score"] == 0 and graded["percent"] == 0.0
    assert graded["results"][0]["status"] == "not submitted" and graded["results"][0]["submission_id"] is None


def test_an_unopened_link_expires(service):
    inv = service.invite(expires_in_hours=1)
    service.store.set_invitation(inv["id"], expires_at=utcnow() - timedelta(seconds=1))
    token = token_of(inv["url"])
    page = service.client.get(f"/take/{token}")
    assert page.status_code == 410 and "expired" in page.text
    assert service.client.get(f"/take/{token}/state").status_code == 410
    expired = service.get(inv["id"])
    assert expired["status"] == "expired" and expired["completed_at"] is not None and expired["percent"] == 0.0


def test_a_cancelled_invitation_closes_its_link(service):
    inv = service.invite()
    token = token_of(inv["url"])
    service.client.get(f"/take/{token}/state")
    r = service.client.post(f"/v1/invitations/{inv['id']}/cancel", headers=auth(service.keys[0].key))
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    page = service.client.get(f"/take/{token}")
    assert page.status_code == 410 and "cancelled" in page.text
    sub = service.client.post(f"/take/{token}/submissions", json={"task_id": TASK, "code": REFERENCE})
    assert sub.status_code == 410 and "cancelled" in sub.json()["detail"]
    again = service.client.post(f"/v1/invitations/{inv['id']}/cancel", headers=auth(service.keys[0].key))
    assert again.status_code == 409 and "cancelled" in again.json()["detail"]


def test_unknown_and_malformed_links_get_a_page_not_an_error(service):
    for token in ("x" * 43, "short", "%00", "t" * 5000):
        r = service.client.get(f"/take/{token}")
        assert r.status_code == 404 and "not valid" in r.text
    assert service.client.get(f"/take/{'y' * 43}/state").status_code == 404


@pytest.mark.parametrize(
    "body, says",
    [
        ({"tasks": [TASK], "pack": "tensorflow-vision"}, "either"),
        ({}, "either"),
        ({"tasks": ["no-such-task"]}, "unknown task"),
        ({"pack": "no-such-pack"}, "unknown pack"),
        ({"tasks": [TASK, TASK]}, "twice"),
        ({"tasks": [TASK], "candidate": {"name": "A", "email": "not-an-email"}}, "email"),
        ({"tasks": [TASK], "candidate": {"name": "A\r\nBcc: x@y.z", "email": "a@b.co"}}, "one line"),
        ({"tasks": [TASK], "time_limit_minutes": 0}, "time_limit_minutes"),
        ({"tasks": [TASK], "callback_url": "ftp://x"}, "callback_url"),
    ],
)
def test_bad_invitations_are_422_with_what_is_wrong(service, body, says):
    payload = {"candidate": {"name": "Ada", "email": "ada@example.com"}, **body}
    r = service.client.post("/v1/invitations", json=payload, headers=auth(service.keys[0].key))
    assert r.status_code == 422 and says in r.json()["detail"], r.text


def test_a_pack_invitation_takes_the_packs_tasks_and_minutes(service):
    inv = service.invite(tasks=None, pack="tensorflow-vision")
    assert inv["pack"] == "tensorflow-vision" and inv["time_limit_minutes"] == 50
    assert inv["tasks"] == ["tf-cnn-shapes", "tf-softmax-regression-tf2", "tf-image-augmentation", TASK]
    assert inv["max_score"] > FULL


def test_without_smtp_the_link_is_in_the_answer(settings, tmp_path):
    s = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'db.sqlite'}", "smtp_host": ""})
    store = Store(s.database_url)
    store.create_schema()
    key = org_key(store, "a")
    with ServerThread(create_app(s, store=store)) as server:
        r = httpx.post(
            f"{server.url}/v1/invitations",
            json={"tasks": [TASK], "candidate": {"name": "Ada", "email": "ada@example.com"}},
            headers=auth(key.key),
            timeout=30,
        )
    assert r.status_code == 201 and r.json()["email"] == "not configured"
    assert r.json()["url"].startswith(server.url + "/take/")
    store.close()


# --- one organisation never reaches another's data, on every route -----------------------------------
def _a_world(service) -> dict[str, str]:
    """Real ids of organisation A: a graded submission, a webhook endpoint, an invitation."""
    a = service.keys[0]
    c = service.client
    r = c.post("/v1/submissions", json={"task_id": TASK, "code": REFERENCE}, headers=auth(a.key))
    sid = r.json()["id"]
    wait_for(
        lambda: c.get(f"/v1/submissions/{sid}", headers=auth(a.key)).json()["status"] == "completed",
        timeout_s=90,
        what="A's grading",
    )
    ep = c.post("/v1/webhooks", json={"url": "https://example.com/a"}, headers=auth(a.key)).json()
    inv = service.invite(a)
    return {"submission_id": sid, "endpoint_id": ep["id"], "invitation_id": inv["id"]}


def test_every_route_keeps_organisations_apart(service):
    ids = _a_world(service)
    a, b = service.keys
    c = service.client
    # Lists show B nothing of A.
    for listing in ("/v1/invitations", "/v1/webhooks"):
        assert c.get(listing, headers=auth(b.key)).json() == []
        assert c.get(listing, headers=auth(a.key)).json() != []
    paths = c.get("/openapi.json").json()["paths"]
    covered = set()
    routes = [(m, p) for p, ops in paths.items() if p.startswith("/v1/") for m in ops]
    for method, path in sorted(routes, key=lambda r: r[0] == "delete"):  # deletes last: A still has it all
        if True:
            covered.add((method, path))
            if "{" not in path:
                continue
            url = path
            for name, value in ids.items():
                url = url.replace("{" + name + "}", value)
            if "{" in url:  # e.g. endpoint "default": every organisation has its own
                continue
            theirs = c.request(method, url, headers=auth(b.key), json={"url": "https://example.com/x"})
            assert theirs.status_code == 404, (method, path, theirs.status_code, theirs.text)
            # A's own key reaches it (so that 404 meant "not B's", not "does not exist").
            mine = c.request(method, url, headers=auth(a.key), json={"url": "https://example.com/x"})
            assert mine.status_code < 400 or mine.status_code == 409, (method, path, mine.status_code, mine.text)
    # The routes this test walked are every /v1 route of the app (a new one is walked too).
    assert ("get", "/v1/invitations/{invitation_id}") in covered
    assert ("post", "/v1/invitations/{invitation_id}/cancel") in covered
    assert ("get", "/v1/submissions/{submission_id}/report") in covered


def test_an_api_client_cannot_fill_a_candidates_slot(service):
    """The Idempotency-Keys naming an invitation's per-task submission are reserved: even the
    organisation's own key cannot pre-empt what the candidate submits."""
    inv = service.invite()
    token = token_of(inv["url"])
    r = service.client.post(
        "/v1/submissions",
        json={"task_id": TASK, "code": STARTER},
        headers={**auth(service.keys[0].key), "Idempotency-Key": f"invitation:{inv['id']}:{TASK}"},
    )
    assert r.status_code == 422 and "reserved" in r.json()["detail"]
    service.client.get(f"/take/{token}/state")
    sub = service.client.post(f"/take/{token}/submissions", json={"task_id": TASK, "code": REFERENCE})
    assert sub.status_code == 202
