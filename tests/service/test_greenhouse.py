"""Greenhouse's Assessment Partner API end to end: a Greenhouse stand-in (a real HTTP server on
127.0.0.1, tests/support/greenhouse.py) lists tests and sends one; the candidate opens the emailed
link (read from a real SMTP server) in headless Chromium, types, submits and finishes; the real
embedded worker grades; the stand-in receives the PATCH and reads a complete status with the right
score. Also the deadline with saved drafts, a used link, a cancelled invitation, one organisation's
key on another's invitation, retries of the PATCH, and the invitation.completed webhook."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import expect
from standardwebhooks.webhooks import Webhook

from grader.service.api import create_app
from grader.service.store import Store, utcnow
from tests.support.browser import shot
from tests.support.greenhouse import Greenhouse, basic, check_status
from tests.support.service import FULL, REFERENCE, Receiver, ServerThread, auth, free_port, org_key, wait_for
from tests.support.smtp import Mailbox, invitation_settings, smtp_server

TASK = "numpy-standardize"
TEST_ID = f"task:{TASK}"


@dataclass
class World:
    url: str
    store: Store
    keys: tuple
    mail: Mailbox


@pytest.fixture
def world(settings, tmp_path):
    port = free_port()
    with smtp_server() as mail:
        s = invitation_settings(
            settings, tmp_path, port=port, mail=mail, webhook_backoff_base_s=0.2, webhook_backoff_max_s=0.5
        )
        store = Store(s.database_url)
        store.create_schema()
        keys = org_key(store, "acme"), org_key(store, "globex")
        with ServerThread(create_app(s, store=store), port=port) as server:
            yield World(server.url, store, keys, mail)
        store.close()


def test_list_tests_names_packs_and_tasks_with_stable_ids(world):
    with Greenhouse(world.url, world.keys[0].key) as gh:
        first, second = gh.list_tests(), gh.list_tests()
    assert first.status_code == 200 and first.json() == second.json()
    tests = first.json()
    assert all(set(t) == {"partner_test_id", "partner_test_name"} for t in tests)
    ids = [t["partner_test_id"] for t in tests]
    assert "pack:pytorch-fundamentals" in ids and TEST_ID in ids and len(ids) == len(set(ids))


def test_bad_credentials_are_401_and_unknown_ids_404(world):
    for headers in ({}, basic("gk_not-a-key"), {"Authorization": "Bearer " + world.keys[0].key}):
        r = httpx.get(f"{world.url}/partners/greenhouse/list_tests", headers=headers, timeout=30)
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic"), r.text
    # A password is not part of the contract: refused rather than ignored.
    pw = {"Authorization": "Basic " + base64.b64encode(f"{world.keys[0].key}:x".encode()).decode()}
    assert httpx.get(f"{world.url}/partners/greenhouse/list_tests", headers=pw, timeout=30).status_code == 401
    with Greenhouse(world.url, world.keys[0].key) as gh:
        r, _ = gh.send_test("task:no-such-task", email="harry@example.com")
        assert r.status_code == 404 and "list_tests" in r.json()["detail"]
        assert gh.test_status("no-such-interview").status_code == 404


def test_send_test_is_idempotent_on_its_url_and_emails_once(world):
    with Greenhouse(world.url, world.keys[0].key) as gh:
        r1, url = gh.send_test(TEST_ID, email="harry@example.com", path="/take_home_tests/7")
        r2, _ = gh.send_test(TEST_ID, email="harry@example.com", path="/take_home_tests/7")
        assert r1.status_code == r2.status_code == 200
        assert r1.json() == r2.json() and set(r1.json()) == {"partner_interview_id"}
        world.mail.to("harry@example.com")
        assert len(world.mail.messages) == 1
        status = check_status(gh.test_status(r1.json()["partner_interview_id"]).json())
    assert status["partner_status"] == "sent" and status["partner_score"] is None
    assert status["partner_profile_url"].startswith(world.url + "/reports/invitations/")


def test_greenhouse_sends_the_candidate_takes_it_in_a_browser_and_greenhouse_gets_the_score(world, browser):
    with Greenhouse(world.url, world.keys[0].key) as gh, Receiver() as hooks:
        ep = httpx.post(f"{world.url}/v1/webhooks", json={"url": hooks.url}, headers=auth(world.keys[0].key))
        secret = ep.json()["secret"]
        assert TEST_ID in [t["partner_test_id"] for t in gh.list_tests().json()]
        r, patch_url = gh.send_test(TEST_ID, email="harry@example.com")
        interview = r.json()["partner_interview_id"]
        msg = world.mail.to("harry@example.com")
        link = Mailbox.link(msg)
        assert link.startswith(world.url + "/take/")  # GRADER_PUBLIC_URL

        page = browser.new_page()
        page.goto(link)
        expect(page.locator("#countdown")).to_have_text(re.compile(r"^\d+:\d\d$"))
        assert "Harry Potter" in page.text_content("#candidate-name")
        editor = page.locator(f'section.task[data-task-id="{TASK}"] textarea.editor')
        editor.fill("")
        editor.press_sequentially("import numpy as np\n")  # typed, key by key
        editor.fill(REFERENCE)
        wait_for(
            lambda: (world.store.drafts(interview).get(TASK) or "") == REFERENCE, timeout_s=20, what="the draft saved"
        )
        shot(page, "take-editing")
        page.click(f'section.task[data-task-id="{TASK}"] button.submit-task')
        expect(page.locator(f'section.task[data-task-id="{TASK}"] button.submit-task')).to_have_text("Submitted")
        page.click("#finish")
        page.click("#finish-confirm")
        page.wait_for_selector("#closed-message")
        shot(page, "take-finished")

        wait_for(lambda: gh.statuses, timeout_s=120, what="Greenhouse's PATCH and its test_status")
        assert not gh.errors, gh.errors
        [patch] = gh.patches
        assert patch["path"] == patch_url.removeprefix(gh.url)
        assert patch["headers"]["Authorization"] == basic(world.keys[0].key)["Authorization"]  # same Basic auth
        [status] = gh.statuses
        assert status["partner_status"] == "complete" and status["partner_score"] == 100.0
        assert status["metadata"]["Score"] == f"{FULL:g} / {FULL:g}" and status["metadata"][TASK] == FULL
        assert status["metadata"]["Status"] == "graded"

        # The signed profile link opens the report without a key; a tampered one does not.
        report = httpx.get(status["partner_profile_url"], timeout=30)
        assert report.status_code == 200 and "Harry Potter" in report.text and "numpy-standardize" in report.text
        tampered = httpx.get(status["partner_profile_url"].replace("sig=", "sig=0"), timeout=30)
        assert tampered.status_code == 403
        expired = httpx.get(status["partner_profile_url"].replace("expires=", "expires=1"), timeout=30)
        assert expired.status_code == 403

        # The organisation's webhook endpoint got invitation.completed, signed with its secret.
        # (It gets the submission.graded event of the task's submission too, as for any submission.)
        def completed():
            return [(h, b) for h, b in hooks.requests if b'"type":"invitation.completed"' in b]

        wait_for(completed, timeout_s=30, what="the invitation.completed event")
        [(headers, body)] = completed()
        event = Webhook(secret).verify(body, {k.lower(): v for k, v in headers.items()})
        assert event["type"] == "invitation.completed" and event["owner_id"] == world.keys[0].org_id
        assert event["data"]["invitation"]["id"] == interview and event["data"]["invitation"]["percent"] == 100.0

        # A second use of the finished link: a clear page, not an error.
        again = browser.new_page()
        again.goto(link)
        assert "finished this test" in again.text_content("#closed-message")
        shot(again, "take-used-link")
        # The PATCH was sent once, and the credential it used is no longer stored.
        assert len(gh.patches) == 1 and world.store.invitation(interview).ats_auth is None


def test_the_deadline_passes_with_drafts_saved_in_the_browser(world, browser):
    with Greenhouse(world.url, world.keys[0].key) as gh:
        r, _ = gh.send_test(TEST_ID, email="ron@example.com")
        interview = r.json()["partner_interview_id"]
        page = browser.new_page()
        page.goto(Mailbox.link(world.mail.to("ron@example.com")))
        editor = page.locator("textarea.editor").first
        editor.wait_for()
        editor.fill(REFERENCE)
        wait_for(lambda: world.store.drafts(interview).get(TASK) == REFERENCE, timeout_s=20, what="the draft saved")
        # The time limit runs out (the server's clock): the saved draft is submitted for the candidate.
        world.store.set_invitation(interview, deadline=utcnow() - timedelta(seconds=1))
        wait_for(lambda: gh.statuses, timeout_s=120, what="the PATCH after the deadline")
        assert gh.statuses[0]["partner_status"] == "complete" and gh.statuses[0]["partner_score"] == 100.0
        page.reload()
        assert "finished" in page.text_content("#closed-message")
        shot(page, "take-after-deadline")


def test_a_cancelled_invitation_shows_a_clear_page(world, browser):
    key = world.keys[0].key
    r = httpx.post(
        f"{world.url}/v1/invitations",
        json={"tasks": [TASK], "candidate": {"name": "Luna", "email": "luna@example.com"}},
        headers=auth(key),
        timeout=30,
    )
    inv = r.json()
    assert httpx.post(f"{world.url}/v1/invitations/{inv['id']}/cancel", headers=auth(key)).status_code == 200
    page = browser.new_page()
    page.goto(inv["url"])
    assert "cancelled" in page.text_content("#closed-message")
    shot(page, "take-cancelled")


def test_one_organisations_key_on_anothers_invitation(world):
    acme, globex = world.keys
    with Greenhouse(world.url, acme.key) as gh:
        r, url = gh.send_test(TEST_ID, email="harry@example.com")
        interview = r.json()["partner_interview_id"]
        assert gh.test_status(interview, key=globex.key).status_code == 404
        assert gh.test_status(interview).status_code == 200
        # The same PATCH url from another organisation is another invitation, not acme's.
        other, _ = gh.send_test(TEST_ID, email="harry@example.com", key=globex.key, path=url.removeprefix(gh.url))
        assert other.status_code == 200 and other.json()["partner_interview_id"] != interview
    assert httpx.get(f"{world.url}/v1/invitations/{interview}", headers=auth(globex.key)).status_code == 404
    assert [i["id"] for i in httpx.get(f"{world.url}/v1/invitations", headers=auth(acme.key)).json()] == [interview]


def test_a_failed_patch_is_retried_with_backoff_and_logged(world):
    with Greenhouse(world.url, world.keys[0].key, patch_statuses=[503, 500]) as gh:
        r, _ = gh.send_test(TEST_ID, email="harry@example.com")
        interview = r.json()["partner_interview_id"]
        token = Mailbox.link(world.mail.to("harry@example.com")).rsplit("/", 1)[1]
        httpx.get(f"{world.url}/take/{token}/state", timeout=30)
        sub = httpx.post(f"{world.url}/take/{token}/submissions", json={"task_id": TASK, "code": REFERENCE}, timeout=30)
        assert sub.status_code == 202
        assert httpx.post(f"{world.url}/take/{token}/finish", timeout=30).status_code == 200
        wait_for(lambda: gh.statuses, timeout_s=120, what="the third PATCH")
    assert [p["answered"] for p in gh.patches] == [503, 500, 200]
    log = [d for d in world.store.deliveries(interview) if d.endpoint_id == "ats"]
    assert [(d.attempt, d.error) for d in log] == [(1, "HTTP 503"), (2, "HTTP 500"), (3, None)]
    assert log[0].next_retry_at is not None and log[0].next_retry_at > log[0].finished_at
    # Everything delivered: the sweeper stops looking at this invitation.
    wait_for(lambda: world.store.invitation(interview).notified_at, timeout_s=20, what="the invitation settled")
    assert interview not in {r.id for r in world.store.invitations_completed_since(utcnow() - timedelta(days=1))}


def test_an_expired_invitation_is_complete_for_greenhouse(world):
    with Greenhouse(world.url, world.keys[0].key) as gh:
        r, _ = gh.send_test(TEST_ID, email="harry@example.com")
        interview = r.json()["partner_interview_id"]
        world.store.set_invitation(interview, expires_at=utcnow() - timedelta(seconds=1))
        wait_for(lambda: gh.statuses, timeout_s=30, what="the PATCH of an expired invitation")
        status = gh.statuses[0]
    assert status["partner_status"] == "complete" and status["partner_score"] == 0.0
    assert status["metadata"]["Status"] == "expired"


def test_a_private_patch_url_is_refused_without_the_test_switch(settings, tmp_path):
    s = settings.model_copy(
        update={"database_url": f"sqlite:///{tmp_path / 'db.sqlite'}", "invitation_sweep_s": 0.2, "smtp_host": ""}
    )
    store = Store(s.database_url)
    store.create_schema()
    key = org_key(store, "acme")
    with ServerThread(create_app(s, store=store)) as server, Greenhouse(server.url, key.key) as gh:
        r, _ = gh.send_test(TEST_ID, email="harry@example.com")
        interview = r.json()["partner_interview_id"]
        store.set_invitation(interview, expires_at=utcnow() - timedelta(seconds=1))
        wait_for(
            lambda: [d for d in store.deliveries(interview) if d.error and d.error != "sending"],
            timeout_s=30,
            what="the refused PATCH",
        )
        [attempt] = store.deliveries(interview)
        assert attempt.error == "refused: private address" and attempt.next_retry_at is None
        # Given up is settled too: nothing more is owed, so the sweeper leaves it.
        wait_for(lambda: store.invitation(interview).notified_at, timeout_s=20, what="the invitation settled")
        assert gh.patches == []
    store.close()


def test_response_error_is_accepted_and_logged(world, caplog):
    caplog.set_level("WARNING", logger="grader.service.api.greenhouse")
    body = {"message": "bad partner_score", "partner_interview_id": "x"}
    r = httpx.post(
        f"{world.url}/partners/greenhouse/response_error", json=body, headers=basic(world.keys[0].key), timeout=30
    )
    assert r.status_code == 200 and r.json() == {}
    assert any("bad partner_score" in rec.getMessage() for rec in caplog.records)
