"""Schemathesis fuzzes every operation of /openapi.json over real HTTP (uvicorn on 127.0.0.1), on
SQLite and PostgreSQL, with a valid API key: no input gives a 5xx, and every answer has a status
code the schema declares for its operation, that declared media type, and a body that matches the
declared schema (error bodies included). Generated ids are tried next to real ones (a queued and a
graded submission, a webhook endpoint, `default`), so the 200 bodies are checked too."""

from __future__ import annotations

import base64

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from grader.service.api import create_app
from grader.service.store import Store
from grader.submissions import parse_submission
from tests.support.service import DB_KINDS, REFERENCE, NoQueue, ServerThread, auth, database

EXAMPLES = 25  # per operation and generation mode (positive, negative)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def reference_report(tmp_path_factory, settings):
    """A real report (the reference, graded once in the process sandbox) for the graded submission."""
    from grader.sandbox.process import ProcessSandbox
    from tests.support.grading import grader_for

    return grader_for(ProcessSandbox(settings=settings), settings)("numpy-standardize", REFERENCE)


@pytest.fixture(scope="module", params=DB_KINDS)
def target(request, tmp_path_factory, settings, reference_report):
    """(server URL, key, real ids by path parameter) for one database kind."""
    with database(request.param, tmp_path_factory.mktemp("fuzz")) as url:
        s = settings.model_copy(update={"database_url": url, "broker_url": ""})
        store = Store(url)
        store.create_schema()
        key = store.create_key("fuzz").key
        owner = store.key_owner(key)
        sub = parse_submission(REFERENCE.encode(), task_id="numpy-standardize", max_kib=256, name="code")
        queued, _ = store.add_submission(sub, owner_id=owner, metadata={"k": [1, "v"]})
        graded, _ = store.add_submission(sub, owner_id=owner, callback_url="https://example.com/hook")
        store.start(graded.id)
        store.complete(graded.id, reference_report)
        endpoint = store.create_endpoint(owner, "https://example.com/endpoint")
        invitation = _invitation(store, owner)
        ids = {
            "invitation_id": [invitation],
            "submission_id": [queued.id, graded.id],
            "endpoint_id": ["default", endpoint.id],
            "task_id": ["numpy-standardize"],
        }
        with ServerThread(create_app(s, store=store, queue=NoQueue())) as server:
            yield server.url, key, ids
        store.close()


def _invitation(store, owner: str) -> str:
    from grader.catalog import TaskCatalog
    from grader.service.invitations import Invitations
    from grader.settings import Settings

    s = Settings(env="dev")
    invitations = Invitations(store=store, catalog=TaskCatalog.from_settings(s), settings=s, enqueue=lambda *a: None)
    row, _ = invitations.create(
        owner,
        task_ids=["numpy-standardize"],
        pack_id=None,
        candidate_name="Fuzz",
        candidate_email="fuzz@example.com",
        time_limit_minutes=30,
        expires_in_hours=1,
    )
    return row.id


def _headers(case, key: str) -> dict[str, str]:
    """Greenhouse's routes take the key as a Basic username; the rest a Bearer key."""
    if case.path.startswith("/partners/greenhouse/"):
        return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}
    return auth(key)


def _schema_document() -> dict:
    """The app's OpenAPI document, built without a server (the servers come per database, below;
    test_the_served_schema_is_the_one_fuzzed checks /openapi.json serves this very document)."""
    from grader.settings import Settings

    return create_app(Settings(env="dev"), store=object(), queue=NoQueue()).openapi()


DOCUMENT = _schema_document()
schema = schemathesis.openapi.from_dict(DOCUMENT)


@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_every_operation_answers_as_declared(case, target):
    url, key, ids = target
    case.call_and_validate(base_url=url, headers=_headers(case, key), checks=CHECKS)
    for name, real in ids.items():
        if name in (case.path_parameters or {}):
            for value in real:
                case.path_parameters = {**case.path_parameters, name: value}
                case.call_and_validate(base_url=url, headers=_headers(case, key), checks=CHECKS)


def test_the_served_schema_is_the_one_fuzzed(target):
    """/openapi.json serves the document fuzzed above, and it lists every /v1 route, health and metrics."""
    url, _, _ = target
    served = httpx.get(f"{url}/openapi.json", timeout=30).json()
    assert served == DOCUMENT
    assert {"/v1/submissions", "/v1/submissions/{submission_id}", "/v1/tasks", "/healthz", "/metrics"} <= set(
        served["paths"]
    )
