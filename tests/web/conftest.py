"""The dashboard against the real server on 127.0.0.1 (SQLite, the real embedded worker grading
in the sandbox) in Debian's headless Chromium. One server per module, graded once: organisation A
with a cohort of real submissions, organisation B with a user and nothing else."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from grader.service.api import create_app
from grader.service.store import Store
from grader.service.web.accounts import create_user
from tests.support.dashboard import PASSWORD, Dash, seed
from tests.support.service import ServerThread, free_port, org_key


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


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    yield ctx
    ctx.close()
