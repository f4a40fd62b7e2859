"""The dashboard against the real server on 127.0.0.1 (SQLite, the real embedded worker grading
in the sandbox) in Debian's headless Chromium. One server per module, graded once: organisation A
with a cohort of real submissions, organisation B with a user and nothing else."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from grader.service.api import create_app
from grader.service.store import Store
from grader.service.web.accounts import create_user
from tests.support.service import REFERENCE, STARTER, ServerThread, auth, free_port, org_key, wait_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
TASK = "numpy-standardize"
PASSWORD = "correct horse battery"
# A runtime error whose traceback the candidate's own code prints to stderr: innermost frame line 11.
TRACEBACK_CODE = """import traceback

import numpy as np


def standardize(X):
    return (X - X.mean(axis=0)) / X.std(axis=0)


def load_columns():
    raise KeyError("missing column")


try:
    load_columns()
except KeyError:
    traceback.print_exc()
    raise
"""
TRACEBACK_LINE = 11
SYNTAX_CODE = "import numpy as np\n\n\ndef standardize(X)\n    return X\n"
SYNTAX_LINE = 4


@dataclass
class Dash:
    url: str
    store: Store
    org_a: str
    org_b: str
    key_a: str
    email_a: str = "ada@acme.example"
    email_b: str = "bob@other.example"
    subs: dict[str, str] = field(default_factory=dict)  # name -> submission id


def seed(client: httpx.Client, key: str) -> dict[str, str]:
    """A small real cohort, submitted through the API and graded by the embedded worker."""
    cohort = {
        "full": ("cand-full", REFERENCE),
        "starter": ("cand-starter", STARTER),
        "traceback": ("cand-trace", TRACEBACK_CODE),
        "syntax": ("cand-syntax", SYNTAX_CODE),
        "injection": ('=HYPERLINK("http://x")', REFERENCE.replace("import numpy as np", "import numpy as np  # copy")),
    }
    ids = {}
    for name, (candidate, code) in cohort.items():
        r = client.post(
            "/v1/submissions", json={"task_id": TASK, "code": code, "candidate_id": candidate}, headers=auth(key)
        )
        assert r.status_code == 202, r.text
        ids[name] = r.json()["id"]
    for sid in ids.values():
        wait_report(client, sid, key, timeout_s=180)
    return ids


@pytest.fixture(scope="module")
def dash(settings, tmp_path_factory) -> Iterator[Dash]:
    tmp = tmp_path_factory.mktemp("web")
    port = free_port()
    s = settings.model_copy(
        update={
            "database_url": f"sqlite:///{tmp / 'db.sqlite'}",
            "broker_url": "",
            "embedded_workers": 1,
            "public_url": f"http://127.0.0.1:{port}",
            "smtp_host": "",
        }
    )
    store = Store(s.database_url)
    store.create_schema()
    key_a, key_b = org_key(store, "acme"), org_key(store, "other")
    d = Dash(url="", store=store, org_a=key_a.org_id, org_b=key_b.org_id, key_a=key_a.key)
    create_user(store, org_name=store.org(d.org_a).name, email=d.email_a, password=PASSWORD)
    create_user(store, org_name=store.org(d.org_b).name, email=d.email_b, password=PASSWORD)
    with (
        ServerThread(create_app(s, store=store), port=port) as server,
        httpx.Client(base_url=server.url, timeout=60) as client,
    ):
        d.url = server.url
        d.subs = seed(client, d.key_a)
        yield d
    store.close()


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("no chromium on PATH (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    yield ctx
    ctx.close()


def sign_in(page, dash: Dash, email: str | None = None, password: str = PASSWORD, *, path: str = "/submissions"):
    """Sign in through the form, starting from path (the sign-in page brings the user back there)."""
    page.goto(dash.url + path)
    page.get_by_label("Email").fill(email or dash.email_a)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    return page


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
