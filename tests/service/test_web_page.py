"""The interviewers' page in a real headless Chromium against the real server on 127.0.0.1."""

from __future__ import annotations

import shutil

import pytest

from grader.service.api import create_app
from grader.service.store import Store
from tests.support.service import FULL, HTML_HEAD, REFERENCE, ServerThread

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def browser():
    if CHROMIUM is None:
        pytest.skip("no chromium on PATH (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


def test_paste_key_pick_task_submit_and_see_the_report(settings, tmp_path, browser):
    s = settings.model_copy(
        update={"database_url": f"sqlite:///{tmp_path / 'db.sqlite'}", "broker_url": "", "embedded_workers": 1}
    )
    store = Store(s.database_url)
    store.create_schema()
    key = store.create_key("interviewer").key
    with ServerThread(create_app(s, store=store)) as server:
        page = browser.new_page()
        page.goto(server.url + "/")
        assert page.url.endswith("/ui")
        page.fill("#api-key", key)
        page.click("#save-key")
        page.wait_for_selector("#task option[value='numpy-standardize']", state="attached")
        page.select_option("#task", "numpy-standardize")
        page.wait_for_function("document.querySelector('#code').value.includes('def standardize')")  # the starter
        page.fill("#code", REFERENCE)
        page.fill("#candidate", "cand-7")
        page.click("#submit")
        page.wait_for_function("document.querySelector('#status').textContent.includes('completed')", timeout=60_000)
        assert f"graded, score {FULL:g} / {FULL:g}" in page.text_content("#status")
        report = page.frame_locator("#report")
        assert report.locator("h1").text_content() == HTML_HEAD[4:-5]
        # The key survives a reload (localStorage) and bad input shows the server's message.
        page.reload()
        assert page.input_value("#api-key") == key
        page.wait_for_selector("#task option[value='numpy-standardize']", state="attached")
        page.select_option("#task", "numpy-standardize")
        page.fill("#code", "x" * (s.max_submission_kib * 1024 + 1))
        page.click("#submit")
        page.wait_for_function("document.querySelector('#status').textContent.startsWith('Rejected')")
        assert "KiB limit" in page.text_content("#status")
        page.fill("#api-key", "wrong")
        page.click("#save-key")
        page.wait_for_function("document.querySelector('#status').textContent.includes('invalid API key')")
    store.close()
