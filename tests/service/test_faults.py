"""Faults, each with real processes: Redis and PostgreSQL restarted in the middle of a batch, the
webhook receiver down for several backoff periods, the API killed in the middle of a request, the
data dir's disk full. Each checks the store afterwards: nothing lost, nothing graded twice."""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.service.store import Store, SubmissionRow
from tests.support.service import (
    FULL,
    REFERENCE,
    ROOT,
    STARTER,
    Receiver,
    auth,
    create_key,
    free_port,
    grader_cmd,
    org_key,
    redis_server,
    service_env,
    start_api,
    start_worker,
    wait_for,
)


# --- private servers that a test may kill and restart -------------------------------------------------
class PrivateRedis:
    """A redis-server of this test's own, persisted as a deployment would (append-only file in its
    own directory), that can be SIGKILLed and started again on the same port with the same data."""

    def __init__(self, directory: Path) -> None:
        self.exe = shutil.which("redis-server")
        if self.exe is None:
            pytest.skip("redis-server is not installed")
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        assert self.exe is not None
        args = [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir)]
        args += ["--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--daemonize", "no"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.ping, timeout_s=20, what="redis-server")

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def client(self):
        import redis

        return redis.Redis(port=self.port, socket_connect_timeout=2, socket_timeout=5)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def __enter__(self) -> PrivateRedis:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.kill()


class PrivatePostgres:
    """A PostgreSQL cluster of this test's own (initdb into a temporary directory, run as the
    postgres user when the test runs as root), on its own port and socket directory: stopping it
    affects nobody else."""

    def __init__(self) -> None:
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        self.bin = Path(bins[-1]).parent
        self.root = Path(tempfile.mkdtemp(prefix="dlgrader-pg-"))
        self.data, self.sock, self.log = self.root / "data", self.root / "sock", self.root / "postgres.log"
        self.sock.mkdir()
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.root, "postgres")
            shutil.chown(self.sock, "postgres")
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")

    def _run(self, tool: str, *args: str) -> None:
        out = subprocess.run(
            [*self.as_user, str(self.bin / tool), *args], capture_output=True, text=True, timeout=120, cwd=self.root
        )
        assert out.returncode == 0, f"{tool} failed: {out.stdout}\n{out.stderr}"

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 -c max_connections=100"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", opts, "start")

    def stop(self, mode: str = "immediate") -> None:
        """immediate: like a crash (no shutdown checkpoint, every connection dropped)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def __enter__(self) -> PrivatePostgres:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(AssertionError, subprocess.SubprocessError):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


# --- helpers ------------------------------------------------------------------------------------------------
def rows(store: Store) -> list[SubmissionRow]:
    with Session(store.engine) as s:
        return list(s.scalars(select(SubmissionRow).order_by(SubmissionRow.created_at)))


def submit(client: httpx.Client, key: str, code: str, idem: str, *, retry_for_s: float = 120, **extra) -> str:
    """POST a submission the way a careful client does: on a 503 or a broken connection, retry the
    same request with the same Idempotency-Key until it is accepted (202)."""
    body = {"task_id": "numpy-standardize", "code": code, **extra}
    deadline = time.monotonic() + retry_for_s
    while True:
        try:
            r = client.post("/v1/submissions", json=body, headers={**auth(key), "Idempotency-Key": idem})
            if r.status_code == 202:
                return r.json()["id"]
            assert r.status_code == 503, r.text
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"submission {idem} not accepted within {retry_for_s:g} s"
        time.sleep(0.5)


def one(store: Store, sid: str) -> SubmissionRow:
    row = store.get(sid, any_owner=True)
    assert row is not None, sid
    return row


def all_completed(store: Store, n: int) -> list[SubmissionRow] | None:
    got = rows(store)
    return got if len(got) >= n and all(r.status == "completed" for r in got) else None


def check_graded_once(done: list[SubmissionRow], expected: dict[str, str], *, attempts: int | None = 1) -> None:
    """Every expected submission (idempotency key -> code) is one row, completed with its report;
    `attempts` (when given) is how many times each was graded."""
    by_key = Counter(r.idempotency_key for r in done)
    assert by_key == Counter(expected.keys()), by_key
    for r in done:
        assert r.status == "completed" and r.report is not None and r.graded_at is not None, r.id
        assert r.started_at is not None and r.created_at <= r.started_at <= r.graded_at, r.id
        assert r.result_status == "graded", (r.id, r.report.get("message"))
        if attempts is not None:
            assert r.attempts == attempts, (r.id, r.attempts)
        want_full = REFERENCE in expected[r.idempotency_key or ""]
        assert (r.report["score"] == FULL) is want_full, (r.id, r.report["score"])


def broker_idle(rds: PrivateRedis) -> bool:
    """No job waiting, reserved or unacknowledged in Redis."""
    with rds.client() as r:
        waiting = sum(r.llen(k) for k in r.scan_iter("cpu*") if r.type(k) == b"list")
        return waiting == 0 and r.hlen("unacked") == 0


# --- Redis ----------------------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.redis
@pytest.mark.parametrize("down_s", [3, 20], ids=["down-3s", "down-20s"])
def test_redis_killed_and_restarted_mid_batch_loses_nothing_and_grades_each_once(tmp_path, down_s):
    """16 submissions to 2 workers; Redis is SIGKILLed while jobs are queued and running, and
    started again down_s later (append-only file: what it had acknowledged survives). Clients retry
    503s with their Idempotency-Key. Every submission is graded exactly once, and the workers
    outlive the outage."""
    with PrivateRedis(tmp_path / "redis") as rds:
        db = f"sqlite:///{tmp_path / 'grader.db'}"
        store = Store(db)
        store.create_schema()
        key = org_key(store, "a").key
        env = service_env(
            tmp_path / "data", broker_url=f"{rds.url}/0", database_url=db, visibility_timeout_s=10, job_retry_delay_s=1
        )
        workers = [start_worker(env, tmp_path / f"worker-{i}.log", concurrency=1) for i in (1, 2)]
        api, url = start_api(env, tmp_path / "api.log")
        expected = {f"redis-{i}": REFERENCE if i % 2 == 0 else STARTER for i in range(16)}

        def outage() -> None:  # once a job is running: kill Redis, and bring it back down_s later
            wait_for(lambda: any(r.status == "running" for r in rows(store)), timeout_s=120, what="a running job")
            rds.kill()
            time.sleep(down_s)
            rds.start()

        fault = threading.Thread(target=outage, daemon=True)
        try:
            fault.start()
            with httpx.Client(base_url=url, timeout=30) as client:
                for idem, code in expected.items():
                    submit(client, key, code, idem)
            fault.join(timeout=150)
            assert not fault.is_alive()
            done = wait_for(lambda: all_completed(store, 16), timeout_s=240, interval_s=1, what="16 gradings")
            # Jobs whose acknowledgement was lost come back after the visibility timeout: let them,
            # and check that they graded nothing again.
            wait_for(lambda: broker_idle(rds), timeout_s=60, interval_s=1, what="the broker to drain")
            time.sleep(2)
            check_graded_once(rows(store), expected)
            assert len(done) == 16
            for w in workers:
                assert w.popen.poll() is None, f"a worker died with Redis:\n{w.output()[-3000:]}"
        finally:
            api.stop()
            for w in workers:
                w.stop()
            store.close()


# --- PostgreSQL ---------------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_restarted_mid_batch(tmp_path):
    """10 submissions; the database crashes (immediate stop) while they are graded and stays down
    longer than the job retries last. Meanwhile the API answers 503 with a clear detail (submit,
    read, the key check) and /readyz names the database; once it is back everything completes."""
    with PrivatePostgres() as pg, redis_server() as redis_url:
        store = Store(pg.url)
        store.create_schema()
        key = org_key(store, "a").key
        env = service_env(
            tmp_path / "data",
            broker_url=f"{redis_url}/0",
            database_url=pg.url,
            job_retry_delay_s=1,
            job_max_retries=2,
            visibility_timeout_s=60,
        )
        worker = start_worker(env, tmp_path / "worker.log", concurrency=2)
        api, url = start_api(env, tmp_path / "api.log")
        expected = {f"pg-{i}": REFERENCE if i % 2 == 0 else STARTER for i in range(10)}
        try:
            with httpx.Client(base_url=url, timeout=30) as client:
                ids = [submit(client, key, code, idem) for idem, code in list(expected.items())[:8]]
                wait_for(lambda: any(r.status == "running" for r in rows(store)), timeout_s=60, what="a running job")
                pg.stop()
                r = client.post(
                    "/v1/submissions",
                    json={"task_id": "numpy-standardize", "code": REFERENCE},
                    headers={**auth(key), "Idempotency-Key": "pg-8"},
                )
                assert r.status_code == 503, r.text
                assert r.json()["detail"].startswith("database unavailable: "), r.text
                assert "SELECT" not in r.text and "Traceback" not in r.text
                r = client.get(f"/v1/submissions/{ids[0]}", headers=auth(key))
                assert r.status_code == 503 and r.json()["detail"].startswith("database unavailable: "), r.text
                ready = client.get("/readyz")
                assert ready.status_code == 503 and ready.json()["failed"] == ["database"], ready.text
                time.sleep(8)  # longer than job_max_retries * job_retry_delay_s
                pg.start()
                for idem in ("pg-8", "pg-9"):
                    submit(client, key, expected[idem], idem)
                assert client.get("/readyz").json() == {"status": "ready"}
            done = wait_for(lambda: all_completed(store, 10), timeout_s=180, interval_s=1, what="10 gradings")
            # A grading interrupted by the crash before its report was saved is graded again.
            check_graded_once(done, expected, attempts=None)
            assert all(r.attempts <= 2 for r in done), [(r.id, r.attempts) for r in done]
        finally:
            api.stop()
            worker.stop()
            store.close()


# --- webhooks ---------------------------------------------------------------------------------------------------
def receiver_on(port: int) -> Receiver:
    """A Receiver listening on a given port (the one the callback_urls name)."""
    rx = Receiver()
    handler = rx.httpd.RequestHandlerClass
    rx.httpd.server_close()
    rx.httpd = type(rx.httpd)(("127.0.0.1", port), handler)
    rx.thread = threading.Thread(target=rx.httpd.serve_forever, daemon=True)
    return rx


@pytest.mark.slow
@pytest.mark.redis
def test_webhook_receiver_down_for_several_backoffs_gets_each_event_once(tmp_path):
    """Nothing listens on the callback port while 4 submissions are graded and their first attempts
    fail (several backoff periods); then the receiver comes up: each event arrives exactly once."""
    port = free_port()
    callback = f"http://127.0.0.1:{port}/hook"
    with redis_server() as redis_url:
        db = f"sqlite:///{tmp_path / 'grader.db'}"
        store = Store(db)
        store.create_schema()
        key = org_key(store, "a").key
        env = service_env(
            tmp_path / "data",
            broker_url=f"{redis_url}/0",
            database_url=db,
            webhook_allow_private=True,
            webhook_backoff_base_s=0.5,
            webhook_backoff_max_s=1.5,
            webhook_max_attempts=30,
            webhook_timeout_s=5,
        )
        worker = start_worker(env, tmp_path / "worker.log", concurrency=2)
        api, url = start_api(env, tmp_path / "api.log")
        try:
            with httpx.Client(base_url=url, timeout=30) as client:
                ids = [submit(client, key, REFERENCE, f"hook-{i}", callback_url=callback) for i in range(4)]

            def failed_attempts(sid: str) -> int:
                return sum(d.error not in (None, "sending") for d in store.deliveries(sid))  # finished, failed

            wait_for(lambda: all(failed_attempts(s) >= 3 for s in ids), timeout_s=120, what="3 failed attempts each")
            with receiver_on(port) as rx:

                def delivered():
                    got = {h["Grader-Event-Id"] for h, _ in rx.requests}
                    return len(got) == 4

                wait_for(delivered, timeout_s=60, what="the 4 events")
                time.sleep(4)  # longer than the longest backoff: no late duplicate
                events = Counter(h["Grader-Event-Id"] for h, _ in rx.requests)
                assert sorted(events.values()) == [1, 1, 1, 1], events
                assert {e["data"]["submission"]["id"] for e in rx.events()} == set(ids)
            for sid in ids:
                log = store.deliveries(sid)
                assert [d.error is None for d in log].count(True) == 1 and log[-1].status_code == 200
                assert all(d.error is not None for d in log[:-1]) and len(log) >= 4
                assert [d.attempt for d in log] == list(range(1, len(log) + 1))
                assert len({d.event_id for d in log}) == 1
                assert one(store, sid).attempts == 1  # the webhook did not re-grade
        finally:
            api.stop()
            worker.stop()
            store.close()


# --- the API killed in the middle of a request -----------------------------------------------------------
def _request_bytes(url: str, key: str, idem: str, body: bytes) -> bytes:
    host = url.removeprefix("http://")
    head = (
        f"POST /v1/submissions HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n"
        f"Idempotency-Key: {idem}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _send(url: str, data: bytes) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    sock.sendall(data)
    return sock


@contextlib.contextmanager
def silent_broker() -> Iterator[str]:
    """A TCP server that accepts connections and never answers: a broker that hangs. An API
    publishing to it has stored the submission and waits, so a kill lands between the two."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(srv.accept()[0])

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        yield f"redis://127.0.0.1:{srv.getsockname()[1]}/0"
    finally:
        stop.set()
        t.join(timeout=5)
        for c in held:
            c.close()
        srv.close()


@pytest.mark.slow
@pytest.mark.redis
def test_api_killed_mid_request_then_a_retry_with_the_same_key_makes_one_submission(tmp_path):
    """`grader serve` is SIGKILLed (1) while a large body is still arriving, (2) after the
    submission is stored but before its job is published (the broker hangs), (3) right after the
    whole request is written. The API restarts on the same database; the client's retry with the
    same Idempotency-Key gives one row, graded once."""
    import json

    with redis_server() as redis_url:
        db = f"sqlite:///{tmp_path / 'grader.db'}"
        store = Store(db)
        store.create_schema()
        key = org_key(store, "a").key
        env = service_env(tmp_path / "data", broker_url=f"{redis_url}/0", database_url=db)
        big = REFERENCE + "\n# " + "x" * 200_000 + "\n"
        cases = {"slow-body": big, "stored-not-queued": REFERENCE, "just-sent": STARTER}

        def body(code: str) -> bytes:
            return json.dumps({"task_id": "numpy-standardize", "code": code}).encode()

        # (1) half of a 200 KB body sent, then the kill
        api, url = start_api(env, tmp_path / "api-1.log")
        data = _request_bytes(url, key, "slow-body", body(cases["slow-body"]))
        sock = _send(url, data[: len(data) // 2])
        time.sleep(0.5)
        api.kill()
        sock.close()
        assert rows(store) == []

        # (2) stored, then the publish hangs: the kill lands between storing and queueing
        with silent_broker() as hung:
            api, url = start_api({**env, "GRADER_BROKER_URL": hung}, tmp_path / "api-2.log")
            sock = _send(url, _request_bytes(url, key, "stored-not-queued", body(cases["stored-not-queued"])))
            wait_for(lambda: len(rows(store)) == 1, timeout_s=30, what="the row to be stored")
            time.sleep(0.5)
            api.kill()
            sock.close()
        assert [(r.idempotency_key, r.status) for r in rows(store)] == [("stored-not-queued", "queued")]

        # (3) the whole request written, the kill right after
        api, url = start_api(env, tmp_path / "api-3.log")
        sock = _send(url, _request_bytes(url, key, "just-sent", body(cases["just-sent"])))
        api.kill()
        sock.close()

        worker = start_worker(env, tmp_path / "worker.log", concurrency=2)
        api, url = start_api(env, tmp_path / "api-4.log")
        try:
            with httpx.Client(base_url=url, timeout=30) as client:
                ids = {idem: submit(client, key, code, idem) for idem, code in cases.items()}
                again = {idem: submit(client, key, code, idem) for idem, code in cases.items()}
                assert again == ids
            done = wait_for(lambda: all_completed(store, 3), timeout_s=120, interval_s=0.5, what="3 gradings")
            time.sleep(3)  # a duplicate job, if one was queued, would run now
            check_graded_once(rows(store), cases)
            assert {r.id for r in done} == set(ids.values())
        finally:
            api.stop()
            worker.stop()
            store.close()


# --- the data dir's disk full --------------------------------------------------------------------------------
@contextlib.contextmanager
def small_tmpfs(size: str = "2m") -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mnt = Path(tempfile.mkdtemp(prefix="dlgrader-full-"))
    out = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)], capture_output=True)
    if out.returncode != 0:
        mnt.rmdir()
        pytest.skip(f"cannot mount a tmpfs: {out.stderr.decode(errors='replace').strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
        with contextlib.suppress(OSError):
            mnt.rmdir()


def fill(directory: Path) -> Path:
    """Write a file until the filesystem is full."""
    path = directory / "filler"
    try:
        with open(path, "wb") as fh:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
    except OSError as exc:  # full while writing, or already full at the first block
        assert exc.errno == errno.ENOSPC
    return path


@pytest.mark.slow
@pytest.mark.root
def test_data_dir_disk_full(tmp_path):
    """`grader serve` (embedded) with its SQLite database on a 4 MiB tmpfs: once the disk is full a
    submission is a 507 saying so (not a 500, not a hang), the database stays consistent, and after
    space is freed everything is stored and graded. `grader grade` says it in one line."""
    with small_tmpfs("4m") as data:
        env = service_env(data, embedded_workers=1, job_retry_delay_s=1)
        key = create_key(env, "a")
        api, url = start_api(env, tmp_path / "api.log")
        try:
            with httpx.Client(base_url=url, timeout=30) as client:
                first = submit(client, key, REFERENCE, "before")
                wait_for(
                    lambda: client.get(f"/v1/submissions/{first}", headers=auth(key)).json()["status"] == "completed",
                    timeout_s=60,
                    what="the first grading",
                )
                filler = fill(data)
                refused = None
                for i in range(200):  # the WAL may still have room for a few: go until it has not
                    r = client.post(
                        "/v1/submissions",
                        json={"task_id": "numpy-standardize", "code": REFERENCE + f"# {i}\n" + "#" * 4000},
                        headers={**auth(key), "Idempotency-Key": f"full-{i}"},
                    )
                    assert r.status_code in (202, 507), r.text
                    if r.status_code == 507:
                        refused = (i, r.json()["detail"])
                        break
                assert refused is not None, "never refused"
                assert "disk is full" in refused[1], refused
                assert client.get(f"/v1/submissions/{first}", headers=auth(key)).status_code == 200
                con = sqlite3.connect(data / "grader.db")
                assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
                refused_key = f"full-{refused[0]}"
                assert con.execute(
                    "SELECT count(*) FROM submissions WHERE idempotency_key = ?", (refused_key,)
                ).fetchone() == (0,)
                con.close()
                filler.unlink()
                after = submit(client, key, STARTER, "after")
                # the refused request, retried with its key, is stored now
                submit(client, key, REFERENCE + f"# {refused[0]}\n" + "#" * 4000, f"full-{refused[0]}")
                store = Store(f"sqlite:///{data / 'grader.db'}")
                try:
                    done = wait_for(lambda: all_completed(store, 1), timeout_s=180, interval_s=1, what="all gradings")
                    assert all(r.report is not None and r.attempts >= 1 for r in done)
                    assert len({r.idempotency_key for r in done}) == len(done)
                    assert after in {r.id for r in done}
                    with Session(store.engine) as s:
                        assert s.scalar(select(func.count()).select_from(SubmissionRow)) == len(done)
                finally:
                    store.close()
            con = sqlite3.connect(data / "grader.db")
            assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            con.close()
        finally:
            api.stop()
        # `grader grade` with a full data dir (no salt file yet: it has to write one): one clear line
        for name in os.listdir(data):
            p = data / name
            shutil.rmtree(p) if p.is_dir() else p.unlink()
        fill(data)
        out = subprocess.run(
            grader_cmd(
                "grade", str(ROOT / "tasks" / "numpy-standardize" / "reference.py"), "--task", "numpy-standardize"
            ),
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 2, out.stdout + out.stderr
        assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr, out.stderr
        assert "no space left" in out.stderr.lower() and str(data) in out.stderr, out.stderr


@pytest.mark.slow
@pytest.mark.redis
def test_a_job_published_twice_is_graded_once(tmp_path):
    """A replay publishes the job of a still-queued submission again (the API cannot know whether a
    killed or timed-out first request had published it): with two idle workers both copies start at
    once. One grades; the other waits for it and then finds the report."""
    from grader.models import Submission
    from grader.service.dispatch import CeleryQueue
    from grader.settings import Settings
    from grader.taskspec import load_task

    with redis_server() as redis_url:
        db = f"sqlite:///{tmp_path / 'grader.db'}"
        env = service_env(tmp_path / "data", broker_url=f"{redis_url}/0", database_url=db, job_retry_delay_s=1)
        settings = Settings.model_validate(
            {k[len("GRADER_") :].lower(): v for k, v in env.items() if k.startswith("GRADER_")}
        )
        store = Store(db)
        store.create_schema()
        workers = [start_worker(env, tmp_path / f"worker-{i}.log", concurrency=1) for i in (1, 2)]
        queue = CeleryQueue(settings)
        spec = load_task("numpy-standardize", tasks_dir=settings.tasks_dir, rubrics_dir=settings.rubrics_dir).spec
        try:
            sleepy = "import time\ntime.sleep(4)\n" + REFERENCE
            subs = []
            for i in range(3):
                row, _ = store.add_submission(
                    Submission(task_id="numpy-standardize", code=sleepy), owner_id=None, idempotency_key=f"twice-{i}"
                )
                queue.enqueue(row.id, spec=spec, priority="interactive")
                queue.enqueue(row.id, spec=spec, priority="interactive")  # the replay's copy
                subs.append(row.id)
            done = wait_for(lambda: all_completed(store, 3), timeout_s=120, interval_s=0.5, what="3 gradings")
            wait_for(lambda: queue.depth()["cpu"] == 0, timeout_s=30, what="the copies to be consumed")
            time.sleep(3)
            assert sorted(r.id for r in done) == sorted(subs)
            check_graded_once(rows(store), {f"twice-{i}": REFERENCE for i in range(3)})
        finally:
            queue.stop()
            for w in workers:
                w.stop()
            store.close()


def test_embedded_queue_grades_a_submission_queued_twice_once(tmp_path):
    """The embedded mode's form of the same race: two threads, the submission put twice."""
    from datetime import UTC, datetime

    from grader.models import Environment, Report, Status, Submission
    from grader.service.dispatch import EmbeddedQueue
    from grader.settings import Settings

    class SlowEngine:  # stands in for grader.engine.Engine
        calls = 0

        def task(self, task_id):
            return None

        def grade(self, submission, task=None):
            SlowEngine.calls += 1
            time.sleep(1.5)
            return Report(
                task_id=submission.task_id,
                task_version="1",
                status=Status.graded,
                score=1,
                max_score=1,
                checks=[],
                duration_s=0,
                environment=Environment(python="3"),
                submission_sha256=submission.sha256,
                graded_at=datetime.now(UTC),
            )

        def close(self):
            pass

    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.create_schema()
    settings = Settings(data_dir=tmp_path, embedded_workers=2, job_retry_delay_s=0.2)
    q = EmbeddedQueue(store=store, settings=settings, engine_factory=SlowEngine)
    q.start()
    try:
        row, _ = store.add_submission(Submission(task_id="numpy-standardize", code="x"), owner_id=None)
        q.enqueue(row.id, spec=None, priority="interactive")  # type: ignore[arg-type]
        q.enqueue(row.id, spec=None, priority="interactive")  # type: ignore[arg-type]
        wait_for(lambda: one(store, row.id).status == "completed", timeout_s=20, what="the grading")
        time.sleep(1)
        assert SlowEngine.calls == 1 and one(store, row.id).attempts == 1
    finally:
        q.stop()
        store.close()
