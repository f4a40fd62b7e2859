"""The dashboard tests' shared parts: a small real cohort (with a runtime error whose traceback
the candidate prints, and a syntax error), who signs in, and signing in in a browser page."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from grader.service.store import Store
from tests.support.service import REFERENCE, STARTER, auth, wait_report

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


def sign_in(page, dash: Dash, email: str | None = None, password: str = PASSWORD, *, path: str = "/submissions"):
    """Sign in through the form, starting from path (the sign-in page brings the user back there)."""
    page.goto(dash.url + path)
    page.get_by_label("Email").fill(email or dash.email_a)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    return page
