"""A Greenhouse stand-in: a real HTTP server on 127.0.0.1 that plays Greenhouse's side of its
Assessment Partner API (https://developers.greenhouse.io/assessment.html). It calls the partner's
list_tests, send_test (with a PATCH url of its own) and test_status with HTTP Basic (the API key as
the username, an empty password), receives the partner's PATCH, answers it with a scripted status,
and on each PATCH calls test_status and checks every documented field and type."""

from __future__ import annotations

import base64
import itertools
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

STATUS_FIELDS = {"partner_status", "partner_profile_url", "partner_score", "metadata"}


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


def check_status(body: Any) -> dict[str, Any]:
    """test_status's answer as Greenhouse documents it: exactly the four keys, never missing; a
    string status; once complete a string profile url and a number score; metadata flat with
    JavaScript primitives as values."""
    assert isinstance(body, dict) and set(body) == STATUS_FIELDS, body
    assert isinstance(body["partner_status"], str) and body["partner_status"]
    if body["partner_status"] == "complete":
        assert isinstance(body["partner_profile_url"], str) and body["partner_profile_url"].startswith("http")
        assert isinstance(body["partner_score"], int | float) and not isinstance(body["partner_score"], bool)
    else:
        assert body["partner_score"] is None
    meta = body["metadata"]
    assert meta is None or (
        isinstance(meta, dict)
        and all(
            isinstance(k, str) and isinstance(v, str | int | float) and not isinstance(v, bool) for k, v in meta.items()
        )
    ), meta
    return body


class Greenhouse:
    """The stand-in. `partner` is the grader's base URL, `key` the organisation's API key."""

    def __init__(self, partner: str, key: str, *, patch_statuses: list[int] | None = None) -> None:
        self.partner = partner.rstrip("/")
        self.key = key
        self.patch_statuses = list(patch_statuses or [])
        self.patches: list[dict[str, Any]] = []  # each PATCH received: path, headers, and the status it triggered
        self.statuses: list[dict[str, Any]] = []
        self.errors: list[BaseException] = []
        self._ids = itertools.count(1)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_PATCH(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                status = outer.patch_statuses.pop(0) if outer.patch_statuses else 200
                record = {"path": self.path, "headers": dict(self.headers.items()), "answered": status}
                outer.patches.append(record)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")
                if status == 200:  # Greenhouse's answer to a completed test: ask for its status
                    threading.Thread(target=outer._status_for, args=(record,), daemon=True).start()

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.interviews: dict[str, str] = {}  # our take-home path -> partner_interview_id
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Greenhouse:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- what Greenhouse calls -------------------------------------------------------------------
    def list_tests(self, key: str | None = None) -> httpx.Response:
        return httpx.get(f"{self.partner}/partners/greenhouse/list_tests", headers=basic(key or self.key), timeout=30)

    def send_test(self, partner_test_id: str, *, email: str, key: str | None = None, path: str | None = None):
        """send_test for a candidate; returns (response, the PATCH url given)."""
        path = path or f"/integrations/testing_partners/take_home_tests/{next(self._ids)}"
        body = {
            "partner_test_id": partner_test_id,
            "candidate": {
                "first_name": "Harry",
                "last_name": "Potter",
                "preferred_name": None,
                "email": email,
                "phone_number": "123-456-7890",
                "resume_url": "https://example.com/resume",
                "greenhouse_profile_url": "https://app.greenhouse.io/people/17681532?application_id=26234709",
            },
            "sent_by": "recruiter@example.com",
            "url": self.url + path,
        }
        r = httpx.post(
            f"{self.partner}/partners/greenhouse/send_test", json=body, headers=basic(key or self.key), timeout=60
        )
        if r.status_code == 200:
            self.interviews[path] = r.json()["partner_interview_id"]
        return r, self.url + path

    def test_status(self, partner_interview_id: str, key: str | None = None) -> httpx.Response:
        return httpx.get(
            f"{self.partner}/partners/greenhouse/test_status",
            params={"partner_interview_id": partner_interview_id},
            headers=basic(key or self.key),
            timeout=30,
        )

    def _status_for(self, record: dict[str, Any]) -> None:
        try:
            interview = self.interviews[record["path"]]
            r = self.test_status(interview)
            assert r.status_code == 200, r.text
            self.statuses.append({"partner_interview_id": interview, **check_status(r.json())})
        except BaseException as exc:  # noqa: BLE001 - kept for the test to raise
            self.errors.append(exc)
