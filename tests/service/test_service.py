"""The service end to end with real parts: redis-server, `grader worker` (Celery) and `grader serve`
subprocesses, HTTP on 127.0.0.1, a webhook receiver; SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from datetime import UTC

import httpx
import pytest

from grader.models import Submission
from grader.service import webhooks
from grader.service.cluster import ClusterUnavailable, grade_via_cluster
from grader.service.dispatch import CeleryQueue
from grader.service.store import Store
from grader.settings import Settings
from tests.support.service import (
    DB_KINDS,
    FULL,
    MARKDOWN_HEAD,
    REFERENCE,
    STARTER,
    Receiver,
    auth,
    create_key,
    database,
    org_key,
    redis_server,
    service_env,
    start_api,
    start_worker,
    wait_for,
    wait_report,
)

SECRET = "whsec_service_test"
SLEEPY = "import time\ntime.sleep(6)\n" + REFERENCE
_dbs = itertools.count(1)  # each cluster gets its own Redis database: no stray messages between tests


@pytest.fixture(scope="module")
def redis_url():
    with redis_server() as url:
        yield url


def fresh_broker(redis_url: str) -> str:
    return f"{redis_url}/{next(_dbs) % 16}"


@dataclass
class Cluster:
    url: str
    keys: tuple[str, str]
    store: Store
    env: dict[str, str]


@pytest.fixture(scope="module", params=DB_KINDS)
def cluster(request, redis_url, tmp_path_factory):
    """Redis + one `grader worker` + `grader serve` in broker mode, on SQLite or PostgreSQL."""
    tmp = tmp_path_factory.mktemp(f"cluster-{request.param}")
    with database(request.param, tmp) as db_url:
        store = Store(db_url)
        store.create_schema()
        env = service_env(
            tmp / "data",
            broker_url=fresh_broker(redis_url),
            database_url=db_url,
            webhook_secret=SECRET,
            webhook_backoff_base_s=0.3,
            webhook_backoff_max_s=1,
            webhook_max_attempts=4,
            webhook_timeout_s=5,
        )
        worker = start_worker(env, tmp / "worker.log", concurrency=2)
        try:
            api, url = start_api(env, tmp / "api.log")
            try:
                yield Cluster(url, (org_key(store, "a").key, org_key(store, "b").key), store, env)
            finally:
                api.stop()
        finally:
            worker.stop()
            store.close()


def _submit(client: httpx.Client, key: str, **body) -> str:
    r = client.post(
        "/v1/submissions", json={"task_id": "numpy-standardize", "code": REFERENCE, **body}, headers=auth(key)
    )
    assert r.status_code == 202, r.text
    return r.json()["id"]


def _callback_secret(client: httpx.Client, key: str) -> str:
    """The key's default secret (signs callback_url deliveries), rotated to learn it."""
    r = client.post("/v1/webhooks/default/rotate", headers=auth(key))
    assert r.status_code == 200, r.text
    return r.json()["secret"]


def test_http_submission_graded_by_a_worker_with_a_signed_webhook(cluster):
    a, b = cluster.keys
    with Receiver() as rx, Receiver() as endpoint_rx, httpx.Client(base_url=cluster.url, timeout=30) as client:
        assert client.get("/readyz").json() == {"status": "ready"}
        secret = _callback_secret(client, a)
        endpoint = client.post("/v1/webhooks", json={"url": endpoint_rx.url}, headers=auth(a)).json()
        sid = _submit(client, a, callback_url=rx.url, metadata={"ats_id": "A-1"})
        body = wait_report(client, sid, a)
        assert body["result"] == "graded" and body["score"] == FULL
        wait_for(lambda: rx.requests and endpoint_rx.requests, timeout_s=30, what="the webhooks")
        headers, raw = rx.requests[0]
        assert webhooks.verify(secret, raw, headers["Grader-Signature"], now=time.time())
        with pytest.raises(webhooks.SignatureError):
            webhooks.verify(SECRET, raw, headers["Grader-Signature"])  # not the deployment's secret
        # The key's endpoint got the same event, signed with the endpoint's secret (a job per target).
        ep_headers, ep_raw = endpoint_rx.requests[0]
        assert ep_raw == raw and webhooks.verify(endpoint["secret"], ep_raw, ep_headers["Grader-Signature"])
        assert client.delete(f"/v1/webhooks/{endpoint['id']}", headers=auth(a)).status_code == 204
        event = rx.events()[0]
        assert headers["Grader-Event-Id"] == event["id"] and event["type"] == "submission.graded"
        assert event["owner_id"] == cluster.store.key_owner(a)
        assert event["data"]["submission"] == {
            "id": sid,
            "task_id": "numpy-standardize",
            "candidate_id": None,
            "metadata": {"ats_id": "A-1"},
        }
        assert event["data"]["report"]["score"] == FULL

        def both_logged():  # an attempt in flight is logged as "sending" until it ends
            log = client.get(f"/v1/submissions/{sid}/deliveries", headers=auth(a)).json()
            return log if len(log) == 2 and all(d["error"] != "sending" for d in log) else None

        log = wait_for(both_logged, timeout_s=10, what="delivery log")
        assert [(d["endpoint_id"], d["attempt"], d["status_code"]) for d in log] == [
            (None, 1, 200),
            (endpoint["id"], 1, 200),
        ]
        # Another key cannot see it.
        assert client.get(f"/v1/submissions/{sid}", headers=auth(b)).status_code == 404
        assert client.get(f"/v1/submissions/{sid}/deliveries", headers=auth(b)).status_code == 404
        metrics = client.get("/metrics").text
        assert 'grader_queue_depth{queue="cpu"} 0.0' in metrics and 'grader_queue_depth{queue="gpu"} 0.0' in metrics
        assert 'grader_submissions{status="graded"}' in metrics


def test_webhook_failing_twice_gets_a_third_attempt(cluster):
    a, _ = cluster.keys
    with Receiver([500, 500]) as rx, httpx.Client(base_url=cluster.url, timeout=30) as client:
        secret = _callback_secret(client, a)
        sid = _submit(client, a, code=STARTER, callback_url=rx.url)
        wait_report(client, sid, a)

        def three_attempts():
            log = client.get(f"/v1/submissions/{sid}/deliveries", headers=auth(a)).json()
            return log if len(log) >= 3 and log[-1]["error"] != "sending" else None

        log = wait_for(three_attempts, timeout_s=30, what="three delivery attempts")
        assert [(d["attempt"], d["status_code"]) for d in log] == [(1, 500), (2, 500), (3, 200)]
        assert log[0]["next_retry_at"] and log[2]["next_retry_at"] is None and len({d["event_id"] for d in log}) == 1
        assert len(rx.requests) == 3 and len({h["Grader-Event-Id"] for h, _ in rx.requests}) == 1
        for headers, raw in rx.requests:
            webhooks.verify(secret, raw, headers["Grader-Signature"], now=time.time())
        # The failing webhook did not re-run the grading.
        assert cluster.store.get(sid, any_owner=True).attempts == 1


def _local(env: dict[str, str]) -> Settings:
    """Settings equal to a subprocess's environment, for using the store and queue in this process."""
    return Settings(**{k[len("GRADER_") :].lower(): v for k, v in env.items() if k.startswith("GRADER_")})


@pytest.mark.postgres
def test_worker_killed_mid_job_loses_no_submission(redis_url, tmp_path):
    with database("postgres", tmp_path) as db_url:
        env = service_env(
            tmp_path / "data", broker_url=fresh_broker(redis_url), database_url=db_url, visibility_timeout_s=2
        )
        settings = _local(env)
        store = Store(db_url)
        store.create_schema()
        first = start_worker(env, tmp_path / "worker-1.log", pool="solo")
        try:
            row, _ = store.add_submission(Submission(task_id="numpy-standardize", code=SLEEPY), owner_id=None)
            queue = CeleryQueue(settings)
            queue.enqueue(row.id, spec=_spec(settings), priority="interactive")
            wait_for(
                lambda: store.get(row.id, any_owner=True).status == "running", timeout_s=60, what="the job to start"
            )
            time.sleep(1)
        finally:
            first.kill()  # SIGKILL, mid-job
        assert store.get(row.id, any_owner=True).status == "running"
        second = start_worker(env, tmp_path / "worker-2.log", pool="solo")
        try:

            def completed():
                r = store.get(row.id, any_owner=True)
                return r if r.status == "completed" else None

            done = wait_for(completed, timeout_s=90, interval_s=0.5, what="the redelivered job")
        finally:
            second.stop()
            queue.stop()
        assert done.report["score"] == FULL and done.attempts == 2
        assert "workers.jobs.grade_submission" in second.output()
        store.close()


def _spec(settings: Settings, task_id: str = "numpy-standardize"):
    from grader.taskspec import load_task

    return load_task(task_id, tasks_dir=settings.tasks_dir, rubrics_dir=settings.rubrics_dir).spec


def test_interactive_jobs_are_picked_before_batch_ones(redis_url, tmp_path):
    env = service_env(
        tmp_path / "data", broker_url=fresh_broker(redis_url), database_url=f"sqlite:///{tmp_path / 'db.sqlite'}"
    )
    settings = _local(env)
    store = Store(settings.database_url)
    store.create_schema()
    queue = CeleryQueue(settings)
    spec = _spec(settings)
    ids = {}
    # Batch jobs first, the interactive one last: FIFO order would grade it last.
    for name, priority in (
        ("batch-1", "batch"),
        ("batch-2", "batch"),
        ("batch-3", "batch"),
        ("interactive", "interactive"),
    ):
        row, _ = store.add_submission(
            Submission(task_id="numpy-standardize", code=REFERENCE, candidate_id=name), owner_id=None, priority=priority
        )
        queue.enqueue(row.id, spec=spec, priority=priority)
        ids[name] = row.id
    assert queue.depth() == {"gpu": 0, "cpu": 4}
    worker = start_worker(env, tmp_path / "worker.log", pool="solo")
    try:
        wait_for(
            lambda: len(store.completed_among(list(ids.values()))) == 4,
            timeout_s=90,
            interval_s=0.5,
            what="four gradings",
        )
    finally:
        worker.stop()
        queue.stop()
    started = {name: store.get(sid, any_owner=True).started_at for name, sid in ids.items()}
    assert started["interactive"] < min(started[n] for n in ("batch-1", "batch-2", "batch-3")), started
    store.close()


def test_grade_via_cluster_yields_each_report(redis_url, tmp_path):
    env = service_env(
        tmp_path / "data", broker_url=fresh_broker(redis_url), database_url=f"sqlite:///{tmp_path / 'db.sqlite'}"
    )
    settings = _local(env)
    Store(settings.database_url).create_schema()
    subs = [
        Submission(task_id="numpy-standardize", code=code, candidate_id=name)
        for name, code in (("ref", REFERENCE), ("starter", STARTER), ("broken", "def standardize(:\n"))
    ]
    worker = start_worker(env, tmp_path / "worker.log", concurrency=2)
    try:
        results = list(grade_via_cluster(settings, subs, timeout_s=120))
    finally:
        worker.stop()
    by_name = {sub.candidate_id: report for sub, report in results}
    assert sorted(by_name) == ["broken", "ref", "starter"]
    assert by_name["ref"].score == FULL and by_name["ref"].candidate_id == "ref"
    assert by_name["starter"].score < 12
    assert by_name["broken"].status.value == "compile_error"
    rows = Store(settings.database_url).pending()
    assert rows == []  # everything stored was completed


def test_grade_via_cluster_without_a_reachable_broker(tmp_path):
    from tests.support.service import free_port

    settings = Settings(data_dir=tmp_path, broker_url=f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(ClusterUnavailable, match="cannot reach the broker at redis://127.0.0.1:"):
        next(grade_via_cluster(settings, [Submission(task_id="numpy-standardize", code=REFERENCE)]))
    with pytest.raises(ClusterUnavailable, match="GRADER_BROKER_URL is not set"):
        next(grade_via_cluster(Settings(data_dir=tmp_path), []))


def test_embedded_serve_end_to_end(tmp_path):
    """`grader serve` with no broker: keys from the CLI, a submission left queued by a previous run,
    a new one over HTTP, a signed webhook — all in one process with SQLite."""
    data = tmp_path / "data"
    env = service_env(data, webhook_secret=SECRET, embedded_workers=1)
    key = create_key(env, "interviewer")
    store = Store.from_settings(Settings(data_dir=data, database_url=""))
    store.create_schema()
    owner = store.key_owner(key)
    left, _ = store.add_submission(Submission(task_id="numpy-standardize", code=STARTER), owner_id=owner)
    api, url = start_api(env, tmp_path / "serve.log")
    try:
        with Receiver() as rx, httpx.Client(base_url=url, timeout=30) as client:
            assert "embedded mode" in api.output()
            secret = _callback_secret(client, key)
            sid = _submit(client, key, callback_url=rx.url)
            assert wait_report(client, sid, key)["score"] == FULL
            assert wait_report(client, left.id, key)["score"] < 12
            wait_for(lambda: rx.requests, timeout_s=20, what="the webhook")
            headers, raw = rx.requests[0]
            webhooks.verify(secret, raw, headers["Grader-Signature"], now=time.time())
            md = client.get(f"/v1/submissions/{sid}/report?format=markdown", headers=auth(key)).text
            assert md.startswith(MARKDOWN_HEAD)
    finally:
        api.stop()
    assert (data / "grader.db").is_file()
    store.close()


def test_worker_command_refuses_bad_input(tmp_path):
    import subprocess

    from tests.support.service import ROOT, grader_cmd

    def run(*args, **extra):
        return subprocess.run(
            grader_cmd("worker", *args),
            env=service_env(tmp_path, **extra),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )

    for args, extra, message in (
        ((), {}, "GRADER_BROKER_URL is not set"),
        (("--queues", "gpu,tpu"), {"broker_url": "redis://127.0.0.1:1/0"}, "unknown queue(s) tpu"),
        (("--gpu", "zero"), {"broker_url": "redis://127.0.0.1:1/0"}, "expected GPU indexes"),
    ):
        out = run(*args, **extra)
        assert out.returncode == 2 and message in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_routing_by_the_tasks_gpu_needs():
    from grader.models import NeedsGpu
    from grader.service.dispatch import queue_for

    spec = _spec(Settings())
    for needs, gpu_workers, expected in (
        ("never", True, "cpu"),
        ("required", False, "gpu"),
        ("optional", True, "gpu"),
        ("optional", False, "cpu"),
    ):
        assert queue_for(spec.model_copy(update={"needs_gpu": NeedsGpu(needs)}), gpu_workers=gpu_workers) == expected


def test_only_the_graders_own_faults_are_retried(tmp_path):
    """run_submission: sandbox_error is retried until attempts run out; a candidate's error is final."""
    from datetime import datetime

    from grader.models import Environment, Report, Status
    from grader.service.worker import Outcome, run_submission

    class Engine:  # stands in for grader.engine.Engine: returns the statuses it is given, in order
        def __init__(self, statuses):
            self.statuses, self.calls = list(statuses), 0

        def task(self, task_id):
            return None

        def grade(self, submission, task=None):
            self.calls += 1
            return Report(
                task_id=submission.task_id,
                task_version="1",
                status=self.statuses.pop(0),
                score=None,
                max_score=12,
                checks=[],
                duration_s=0,
                environment=Environment(python="3"),
                submission_sha256=submission.sha256,
                graded_at=datetime.now(UTC),
            )

    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.create_schema()
    flaky, _ = store.add_submission(Submission(task_id="numpy-standardize", code="a"), owner_id=None)
    engine = Engine([Status.sandbox_error, Status.sandbox_error, Status.graded])
    assert run_submission(flaky.id, store=store, engine=engine, max_retries=3)[0] is Outcome.retry
    assert store.get(flaky.id, any_owner=True).status == "queued"
    assert run_submission(flaky.id, store=store, engine=engine, max_retries=3)[0] is Outcome.retry
    assert run_submission(flaky.id, store=store, engine=engine, max_retries=3)[0] is Outcome.done
    assert (
        run_submission(flaky.id, store=store, engine=engine, max_retries=3)[0] is Outcome.skipped and engine.calls == 3
    )
    broken, _ = store.add_submission(Submission(task_id="numpy-standardize", code="b"), owner_id=None)
    assert (
        run_submission(broken.id, store=store, engine=Engine([Status.runtime_error]), max_retries=3)[0] is Outcome.done
    )
    down, _ = store.add_submission(Submission(task_id="numpy-standardize", code="c"), owner_id=None)
    always = Engine([Status.sandbox_error] * 5)
    outcomes = [run_submission(down.id, store=store, engine=always, max_retries=1)[0] for _ in range(3)]
    assert outcomes == [Outcome.retry, Outcome.done, Outcome.skipped]
    assert store.get(down.id, any_owner=True).result_status == "sandbox_error"


def test_worker_side_modules_do_not_import_torch(tmp_path):
    """A GPU worker must never initialise CUDA itself: nothing it loads imports torch."""
    import subprocess
    import sys

    from tests.support.service import ROOT

    code = (
        "import sys, workers.celery_app, grader.service.jobs, grader.engine, grader.service.dispatch, "
        "grader.service.api; print('torch' in sys.modules, 'tensorflow' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=service_env(tmp_path, broker_url="redis://127.0.0.1:1/0"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False"]
