"""The interviewers' page in a real headless Chromium against the real server on 127.0.0.1: the
old /ui now leads to sign-in, then to the submit form; the code is graded by the real embedded
worker and the submission's page shows the report when it is ready (tests/web has the rest)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from grader.service.api import create_app
from grader.service.store import Store
from grader.service.web.accounts import create_user
from tests.support.service import FULL, REFERENCE, ServerThread


def test_sign_in_pick_task_submit_and_see_the_report(settings, tmp_path, browser):
    s = settings.model_copy(
        update={"database_url": f"sqlite:///{tmp_path / 'db.sqlite'}", "broker_url": "", "embedded_workers": 1}
    )
    store = Store(s.database_url)
    store.create_schema()
    org = store.create_org("Interviewers")
    create_user(store, org_name=org.name, email="ivy@example.com", password="interview-pass")
    with ServerThread(create_app(s, store=store)) as server:
        page = browser.new_page()
        page.goto(server.url + "/ui")
        expect(page).to_have_url(re.compile(r"/login\?next=/submit$"))
        page.get_by_label("Email").fill("ivy@example.com")
        page.get_by_label("Password").fill("interview-pass")
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(server.url + "/submit")
        page.select_option("#task", "numpy-standardize")
        assert "def standardize" in page.input_value("#code")  # the starter
        page.fill("#code", REFERENCE)
        page.fill("#candidate", "cand-7")
        page.get_by_role("button", name="Grade it").click()
        expect(page).to_have_url(re.compile(r"/submissions/[0-9a-f-]{36}$"))
        expect(page.locator("#status")).to_contain_text("graded", timeout=60_000)
        expect(page.locator("#score")).to_contain_text(f"{FULL:g} / {FULL:g}")
        sid = page.url.rsplit("/", 1)[1]
        row = store.get(sid, owner_id=org.id)
        assert row is not None and row.candidate_id == "cand-7" and row.priority == "interactive"
        # Bad input shows the server's message on the form, with the code kept.
        page.goto(server.url + "/")
        expect(page).to_have_url(server.url + "/submit")
        page.fill("#code", "x" * (s.max_submission_kib * 1024 + 1))
        page.get_by_role("button", name="Grade it").click()
        expect(page.locator("#submit-error")).to_contain_text("KiB limit")
        assert len(page.input_value("#code")) == s.max_submission_kib * 1024 + 1
    store.close()
