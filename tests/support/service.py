"""Shared helpers for the service tests: free ports, a real redis-server, PostgreSQL schemas,
uvicorn servers, `grader worker` / `grader serve` subprocesses, a webhook receiver."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_BASE = os.environ.get("GRADER_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REFERENCE = (ROOT / "tasks" / "numpy-standardize" / "reference.py").read_text()


def _numpy_task():
    from grader.taskspec import load_task

    return load_task("numpy-standardize", tasks_dir=ROOT / "tasks", rubrics_dir=ROOT / "rubrics")


# The reference's full marks and the task version, read from the task (not copied into tests).
FULL = _numpy_task().rubric.max_score
VERSION = _numpy_task().spec.version
MARKDOWN_HEAD = f"# numpy-standardize (v{VERSION}): {FULL:g} / {FULL:g}"
HTML_HEAD = f"<h1>numpy-standardize: {FULL:g} / {FULL:g}</h1>"
STARTER = (ROOT / "tasks" / "numpy-standardize" / "starter.py").read_text()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Callable[[], object], *, timeout_s: float, interval_s: float = 0.2, what: str = "condition"):
    """Poll predicate until it returns something truthy; fail the test after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            value = predicate()
        except (httpx.HTTPError, OSError):
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(interval_s)


# --- Redis ------------------------------------------------------------------------------------------
@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A private redis-server on a free port; yields redis://127.0.0.1:PORT."""
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    try:
        wait_for(lambda: _redis_ping(redis, port), timeout_s=10, what="redis-server")
        yield f"redis://127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait(timeout=10)


def _redis_ping(redis, port: int) -> bool:
    try:
        return redis.Redis(port=port, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


# --- PostgreSQL ---------------------------------------------------------------------------------------
@contextlib.contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh schema in the test database; yields a URL whose connections use it; dropped after."""
    from sqlalchemy import create_engine, text

    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_BASE)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {PG_BASE}: {type(exc).__name__}")
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextlib.contextmanager
def database(kind: str, tmp_path: Path) -> Iterator[str]:
    """A database URL of the given kind ("sqlite" or "postgres"), fresh for this test."""
    if kind == "postgres":
        with postgres_schema() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'grader.db'}"


DB_KINDS = [pytest.param("sqlite", id="sqlite"), pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)]


# --- servers and processes -----------------------------------------------------------------------------
class ServerThread:
    """A real uvicorn server for an app, on 127.0.0.1 in a thread of this process."""

    def __init__(self, app, *, port: int | None = None) -> None:
        import uvicorn

        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        wait_for(lambda: self.server.started, timeout_s=30, what="uvicorn")
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


def service_env(data_dir: Path, **extra: object) -> dict[str, str]:
    """Environment for a grader subprocess: its own data dir, the process sandbox, webhooks allowed to
    the receivers on 127.0.0.1."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADER_")}
    env.update(
        {
            "GRADER_DATA_DIR": str(data_dir),
            "GRADER_SANDBOX": "process",
            "GRADER_ENV": "dev",
            "GRADER_WEBHOOK_ALLOW_PRIVATE": "true",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update({f"GRADER_{k.upper()}": str(v) for k, v in extra.items()})
    return env


class Proc:
    """A subprocess in its own session (so SIGKILL reaches its sandboxes too), output to a log file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._fh = open(log, "wb")
        self.popen = subprocess.Popen(
            args, env=env, cwd=ROOT, stdout=self._fh, stderr=subprocess.STDOUT, start_new_session=True
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)
        self._fh.close()

    def stop(self) -> None:
        """SIGTERM (Celery's warm shutdown, uvicorn's graceful exit), then SIGKILL if need be."""
        self.kill(signal.SIGTERM)


def grader_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "grader", *args]


def start_worker(
    env: dict[str, str], log: Path, *, queues: str = "cpu", pool: str = "threads", concurrency: int = 2
) -> Proc:
    """A real `grader worker` (a Celery worker) subprocess, ready when it logs 'ready'."""
    proc = Proc(grader_cmd("worker", "--queues", queues, "--pool", pool, "--concurrency", str(concurrency)), env, log)
    wait_for(lambda: "ready." in proc.output() or proc.popen.poll() is not None, timeout_s=60, what="celery worker")
    assert proc.popen.poll() is None, f"worker exited:\n{proc.output()[-3000:]}"
    return proc


def start_api(env: dict[str, str], log: Path) -> tuple[Proc, str]:
    """A real `grader serve` subprocess on a free port; returns it and its base URL."""
    port = free_port()
    proc = Proc(grader_cmd("serve", "--host", "127.0.0.1", "--port", str(port)), env, log)
    url = f"http://127.0.0.1:{port}"
    wait_for(
        lambda: proc.popen.poll() is not None or httpx.get(f"{url}/healthz", timeout=2).status_code == 200,
        timeout_s=60,
        what="grader serve",
    )
    assert proc.popen.poll() is None, f"grader serve exited:\n{proc.output()[-3000:]}"
    return proc, url


def create_key(env: dict[str, str], name: str) -> str:
    """`grader keys create --name NAME` in a subprocess; the printed key."""
    out = subprocess.run(
        grader_cmd("keys", "create", "--name", name), env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def wait_report(client: httpx.Client, sid: str, key: str, *, timeout_s: float = 60) -> dict:
    """Poll GET /v1/submissions/{id} until completed; the response body."""

    def done():
        body = client.get(f"/v1/submissions/{sid}", headers=auth(key)).json()
        return body if body.get("status") == "completed" else None

    return wait_for(done, timeout_s=timeout_s, interval_s=0.3, what=f"submission {sid} to be graded")


# --- webhook receiver ------------------------------------------------------------------------------------
class Receiver:
    """An HTTP server on 127.0.0.1 that records POSTs and answers with the next scripted status
    (and `headers`, e.g. a Location); `url` is its http://127.0.0.1:PORT/hook."""

    def __init__(
        self, statuses: list[int] | None = None, headers: dict[str, str] | None = None, host: str = "127.0.0.1"
    ) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses = list(statuses or [])
        self.headers = dict(headers or {})
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.requests.append(({k: v for k, v in self.headers.items()}, body))
                status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                for name, value in outer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        class Server(ThreadingHTTPServer):
            address_family = socket.AF_INET6 if ":" in host else socket.AF_INET

        self.httpd = Server((host, 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://{f'[{host}]' if ':' in host else host}:{self.port}/hook"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def events(self) -> list[dict]:
        return [json.loads(b) for _, b in self.requests]


# --- a queue that grades nothing -----------------------------------------------------------------------------
class NoQueue:
    """A stand-in for the API's queue that records what is enqueued and grades nothing."""

    def __init__(self) -> None:
        self.enqueued: list[str] = []

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def ping(self) -> None: ...

    def depth(self) -> dict[str, int]:
        return {}

    def enqueue(self, submission_id: str, **_) -> None:
        self.enqueued.append(submission_id)


def org_key(store, name: str):
    """A new key in a new organisation of its own: keys made this way see nothing of each other's."""
    org = store.create_org(f"org-{name}-{uuid.uuid4().hex[:8]}")
    return store.create_key(name, org_id=org.id)
