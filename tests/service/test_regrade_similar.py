"""Regrades and similarity over real HTTP with the real embedded worker: a regrade after a rubric
fix makes a new report version traced to the rubric that produced it, the old one is kept; a
submission's similar ones are its organisation's copies, with the shared lines, and never the
starter or another organisation's code."""

from __future__ import annotations

import shutil

import httpx
import pytest

from grader.service.api import create_app
from grader.service.store import Store
from grader.taskspec import load_task
from tests.support.service import FULL, REFERENCE, ROOT, STARTER, ServerThread, auth, org_key, wait_for

TASK = "numpy-standardize"


def _submit(client, key, code, candidate=None) -> str:
    body = {"task_id": TASK, "code": code, **({"candidate_id": candidate} if candidate else {})}
    r = client.post("/v1/submissions", json=body, headers=auth(key))
    assert r.status_code == 202, r.text
    return r.json()["id"]


def _graded(client, key, sid, *, versions: int = 1) -> dict:
    def done():
        sub = client.get(f"/v1/submissions/{sid}", headers=auth(key)).json()
        if sub["status"] != "completed":
            return None
        vs = client.get(f"/v1/submissions/{sid}/versions", headers=auth(key)).json()
        return sub if len(vs) >= versions else None

    return wait_for(done, timeout_s=90, what=f"submission {sid} graded ({versions} versions)")


@pytest.fixture
def folders(tmp_path):
    """A copy of the task folders, so a test can fix a rubric."""
    tasks, rubrics = tmp_path / "tasks", tmp_path / "rubrics"
    shutil.copytree(ROOT / "tasks", tasks)
    shutil.copytree(ROOT / "rubrics", rubrics)
    return tasks, rubrics


def _app_settings(settings, tmp_path, tasks, rubrics):
    return settings.model_copy(
        update={
            "database_url": f"sqlite:///{tmp_path / 'db.sqlite'}",
            "broker_url": "",
            "embedded_workers": 1,
            "tasks_dir": tasks,
            "rubrics_dir": rubrics,
        }
    )


def test_a_regrade_after_a_rubric_fix_is_a_new_version_and_the_old_one_stays(settings, tmp_path, folders):
    tasks, rubrics = folders
    s = _app_settings(settings, tmp_path, tasks, rubrics)
    store = Store(s.database_url)
    store.create_schema()
    a, b = org_key(store, "a"), org_key(store, "b")
    before = load_task(TASK, tasks_dir=tasks, rubrics_dir=rubrics)
    with ServerThread(create_app(s, store=store)) as server, httpx.Client(base_url=server.url, timeout=60) as c:
        sid = _submit(c, a.key, REFERENCE)
        first = _graded(c, a.key, sid)
        assert first["score"] == FULL
        assert first["report"]["task_version"] == before.spec.version
        assert first["report"]["rubric_sha256"] == before.rubric_sha256 and len(before.rubric_sha256) == 64
        queued = _submit(c, a.key, STARTER)
        # Not graded yet (or graded: then the regrade is accepted); another organisation's: 404.
        assert c.post(f"/v1/submissions/{sid}/regrade", headers=auth(b.key)).status_code == 404
        assert c.post("/v1/tasks/no-such-task/regrade", headers=auth(a.key)).status_code == 404
        _graded(c, a.key, queued)

    # The task is fixed: the values check is worth more. A restarted service loads the new rubric.
    path = rubrics / f"{TASK}.toml"
    path.write_text(path.read_text().replace("points = 3", "points = 5", 1))
    after = load_task(TASK, tasks_dir=tasks, rubrics_dir=rubrics)
    assert after.rubric_sha256 != before.rubric_sha256 and after.rubric.max_score == FULL + 2
    with ServerThread(create_app(s, store=store)) as server, httpx.Client(base_url=server.url, timeout=60) as c:
        r = c.post(f"/v1/submissions/{sid}/regrade", headers=auth(a.key))
        assert r.status_code == 202 and r.json()["versions"] == 1, r.text
        again = c.post(f"/v1/submissions/{sid}/regrade", headers=auth(a.key))
        assert again.status_code in (202, 409)  # 409 while the first regrade is queued or running
        regraded = _graded(c, a.key, sid, versions=2)
        assert regraded["score"] == FULL + 2 and regraded["report"]["rubric_sha256"] == after.rubric_sha256
        versions = c.get(f"/v1/submissions/{sid}/versions", headers=auth(a.key)).json()
        assert [v["version"] for v in versions][:2] == [1, 2]
        assert versions[0]["score"] == FULL and versions[0]["rubric_sha256"] == before.rubric_sha256
        assert versions[1]["score"] == FULL + 2 and versions[1]["rubric_sha256"] == after.rubric_sha256
        old = c.get(f"/v1/submissions/{sid}/versions/1", headers=auth(a.key)).json()
        assert old["score"] == FULL and old["max_score"] == FULL
        assert c.get(f"/v1/submissions/{sid}/versions/99", headers=auth(a.key)).status_code == 404
        assert c.get(f"/v1/submissions/{sid}/versions", headers=auth(b.key)).status_code == 404

        # Bulk: every completed submission of the task, of this organisation only.
        _graded(c, a.key, sid, versions=len(versions))
        bulk = c.post(f"/v1/tasks/{TASK}/regrade", headers=auth(a.key))
        assert bulk.status_code == 202 and set(bulk.json()["submissions"]) == {sid, queued}
        assert c.post(f"/v1/tasks/{TASK}/regrade", headers=auth(b.key)).json()["count"] == 0
        _graded(c, a.key, queued, versions=2)
        assert _graded(c, a.key, sid, versions=len(versions) + 1)["score"] == FULL + 2
    store.close()


DISGUISED = (
    REFERENCE.replace("mean", "mu").replace("std", "sigma").replace("out", "result")
    + "\n\n# helper left over from debugging\ndef _unused(a):\n    return a\n"
)


def test_similar_lists_copies_of_the_organisation_with_shared_lines(settings, tmp_path, folders):
    tasks, rubrics = folders
    s = _app_settings(settings, tmp_path, tasks, rubrics)
    store = Store(s.database_url)
    store.create_schema()
    a, b = org_key(store, "a"), org_key(store, "b")
    with ServerThread(create_app(s, store=store)) as server, httpx.Client(base_url=server.url, timeout=60) as c:
        original = _submit(c, a.key, REFERENCE, "alice")
        copy = _submit(c, a.key, DISGUISED, "mallory")
        starter = _submit(c, a.key, STARTER, "sam")
        elsewhere = _submit(c, b.key, REFERENCE, "bob")  # the same code in another organisation
        for key, sid in ((a.key, original), (a.key, copy), (a.key, starter), (b.key, elsewhere)):
            _graded(c, key, sid)
        similar = c.get(f"/v1/submissions/{original}/similar", headers=auth(a.key)).json()
        ids = [m["submission_id"] for m in similar]
        assert elsewhere not in ids and original not in ids
        top = similar[0]
        assert top["submission_id"] == copy and top["candidate_id"] == "mallory" and top["flagged"]
        assert top["shared_tokens"] >= 15 and top["regions"] and top["score"] >= 0.7
        region = top["regions"][0]
        assert 1 <= region["a_first"] <= region["a_last"] and 1 <= region["b_first"] <= region["b_last"]
        # The starter's code never counts: the untouched starter is not flagged against anything.
        for m in c.get(f"/v1/submissions/{starter}/similar", headers=auth(a.key)).json():
            assert not m["flagged"], m
        assert c.get(f"/v1/submissions/{original}/similar", headers=auth(b.key)).status_code == 404
        assert c.get(f"/v1/submissions/{elsewhere}/similar", headers=auth(b.key)).json() == []
        # A fingerprint stored in an older format is left out (not a 500) until a regrade redoes it.
        old = store.fingerprint_of(copy)
        store.save_fingerprint(copy, org_id=a.org_id, task_id=TASK, data={**old.data, "format": 1})
        assert copy not in [
            m["submission_id"] for m in c.get(f"/v1/submissions/{original}/similar", headers=auth(a.key)).json()
        ]
        assert c.get(f"/v1/submissions/{copy}/similar", headers=auth(a.key)).json() == []
        assert c.post(f"/v1/submissions/{copy}/regrade", headers=auth(a.key)).status_code == 202
        wait_for(
            lambda: (
                copy
                in [
                    m["submission_id"] for m in c.get(f"/v1/submissions/{original}/similar", headers=auth(a.key)).json()
                ]
            ),
            timeout_s=90,
            what="the regraded copy fingerprinted again",
        )
    store.close()
