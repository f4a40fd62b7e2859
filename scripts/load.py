"""Load on the grading service in broker mode: many clients submit at once, then every report is
awaited and checked: none lost, none graded twice.

    # start redis-server, 2 `grader worker` and `grader serve` (SQLite) here, run, stop them:
    .venv/bin/python scripts/load.py --start [--submissions 500] [--clients 20] [--workers 2]

    # or against a running service (the database URL is needed for the exactly-once checks):
    .venv/bin/python scripts/load.py --url http://127.0.0.1:8000 --key gk_... --database postgresql+psycopg://...

The submissions cycle through the references and starters of --tasks (default numpy-standardize
and torch-tensor-basics), each with its own Idempotency-Key; a 503 or a broken connection is
retried with the same key. Prints one JSON object:
  lost: submissions not completed by --timeout-s; graded_twice: rows graded more than once
  (attempts > 1), rows beyond one per Idempotency-Key, and grading jobs that saved a report more
  than once (counted in the workers' logs with --start);
  latency_s: submit→report (the store's created_at→graded_at) p50/p95/max; grading_s: the
  grading alone (started_at→graded_at), without the wait in the queue;
  throughput_per_s: submissions / seconds from the first submit to the last report.
Exit status 1 when anything was lost or graded twice.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from grader.service.store import Store, SubmissionRow  # noqa: E402

DEFAULT_TASKS = "numpy-standardize,torch-tensor-basics"


# --- the service, when --start ----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if predicate():
                return
        time.sleep(0.2)
    raise SystemExit(f"load: timed out waiting for {what}")


class Started:
    """redis-server (unless --broker), N `grader worker` and `grader serve`, each in its own session
    with its output in a log file under the run's directory."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="dlgrader-load-"))
        self.procs: list[tuple[str, subprocess.Popen]] = []
        self.args = args

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.dir / f"{name}.log", "wb")
        p = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append((name, p))
        return p

    def log(self, name: str) -> str:
        return (self.dir / f"{name}.log").read_text(errors="replace")

    def start(self) -> tuple[str, str, str]:
        """(API URL, key, database URL)."""
        args = self.args
        broker = args.broker
        if not broker:
            exe = shutil.which("redis-server")
            if exe is None:
                raise SystemExit("load: redis-server is not installed (or pass --broker)")
            port = free_port()
            self._spawn(
                "redis",
                [exe, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(self.dir), "--save", ""],
                dict(os.environ),
            )
            broker = f"redis://127.0.0.1:{port}/0"
            import redis

            wait(lambda: redis.Redis.from_url(broker, socket_connect_timeout=0.5).ping(), 20, "redis-server")
        database = args.database or f"sqlite:///{self.dir / 'grader.db'}"
        store = Store(database)
        store.create_schema()
        key = store.create_key(f"load-{uuid.uuid4().hex[:6]}").key
        store.close()
        env = {k: v for k, v in os.environ.items() if not k.startswith("GRADER_")}
        env.update(
            {
                "GRADER_BROKER_URL": broker,
                "GRADER_DATABASE_URL": database,
                "GRADER_DATA_DIR": str(self.dir / "data"),
                "GRADER_SANDBOX": args.sandbox,
                "GRADER_ENV": "dev",
                "PYTHONUNBUFFERED": "1",
            }
        )
        py = [sys.executable, "-m", "grader"]
        for i in range(args.workers):
            conc = str(args.concurrency)
            self._spawn(f"worker-{i + 1}", [*py, "worker", "--queues", "cpu", "--concurrency", conc], env)
        for i in range(args.workers):
            wait(lambda i=i: "ready." in self.log(f"worker-{i + 1}"), 90, f"worker {i + 1}")
        port = free_port()
        self._spawn("api", [*py, "serve", "--host", "127.0.0.1", "--port", str(port)], env)
        url = f"http://127.0.0.1:{port}"
        wait(lambda: httpx.get(f"{url}/readyz", timeout=2).status_code == 200, 90, "grader serve")
        return url, key, database

    def stop(self) -> None:
        for _, p in reversed(self.procs):  # the API first, then the workers (warm shutdown), then Redis
            if p.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=10)

    def report_saving_jobs(self) -> int:
        """How many grading jobs saved a report (Celery logs their result 'completed'; a job that
        found its submission already graded returns 'skipped')."""
        n = 0
        for name, _ in self.procs:
            if name.startswith("worker-"):
                for line in self.log(name).splitlines():
                    n += "grade_submission[" in line and "succeeded" in line and "'completed'" in line
        return n


# --- the clients -----------------------------------------------------------------------------------------
def workload(tasks: list[str], n: int) -> list[tuple[str, str]]:
    """n (task_id, code) pairs cycling through each task's reference and starter."""
    codes = []
    for t in tasks:
        for kind in ("reference", "starter"):
            codes.append((t, (ROOT / "tasks" / t / f"{kind}.py").read_text()))
    return [codes[i % len(codes)] for i in range(n)]


async def submit_all(url: str, key: str, items: list[tuple[str, str]], clients: int, run: str) -> dict[str, dict]:
    """Each client takes the next item and submits it (retrying 503s and broken connections with the
    same Idempotency-Key); {idempotency key: {"id", "submitted"}}."""
    todo: asyncio.Queue = asyncio.Queue()
    for i, item in enumerate(items):
        todo.put_nowait((f"{run}-{i}", item))
    out: dict[str, dict] = {}
    headers = {"Authorization": f"Bearer {key}"}

    async def client() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            while not todo.empty():
                idem, (task_id, code) = todo.get_nowait()
                t0 = time.time()
                for _ in range(120):
                    try:
                        r = await http.post(
                            "/v1/submissions",
                            json={"task_id": task_id, "code": code, "candidate_id": idem},
                            headers={**headers, "Idempotency-Key": idem},
                        )
                    except httpx.TransportError:
                        await asyncio.sleep(0.5)
                        continue
                    if r.status_code == 202:
                        out[idem] = {"id": r.json()["id"], "submitted": t0, "task_id": task_id}
                        break
                    if r.status_code != 503:
                        raise SystemExit(f"load: POST {idem}: {r.status_code} {r.text[:300]}")
                    await asyncio.sleep(0.5)
                else:
                    raise SystemExit(f"load: {idem} never accepted")

    await asyncio.gather(*(client() for _ in range(clients)))
    return out


async def await_reports(url: str, key: str, ids: list[str], clients: int, timeout_s: float) -> dict[str, dict]:
    """Poll GET /v1/submissions/{id} (clients at a time) until each is completed or timeout_s
    passes; {id: body} of the completed ones."""
    done: dict[str, dict] = {}
    pending = list(ids)
    deadline = time.monotonic() + timeout_s
    headers = {"Authorization": f"Bearer {key}"}
    sem = asyncio.Semaphore(clients)
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:

        async def poll(sid: str) -> None:
            async with sem:
                with contextlib.suppress(httpx.TransportError):
                    r = await http.get(f"/v1/submissions/{sid}", headers=headers)
                    if r.status_code == 200 and r.json().get("status") == "completed":
                        done[sid] = r.json()

        while pending and time.monotonic() < deadline:
            await asyncio.gather(*(poll(s) for s in pending))
            pending = [s for s in pending if s not in done]
            if pending:
                await asyncio.sleep(1.0)
    return done


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def machine() -> dict:
    info: dict[str, object] = {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    with contextlib.suppress(OSError, ValueError):
        mem = Path("/proc/meminfo").read_text().split("\n")[0].split()
        info["mem_gib"] = round(int(mem[1]) / 2**20, 1)
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    return info


def run(args: argparse.Namespace) -> dict:
    tasks = [t for t in args.tasks.split(",") if t]
    load_start = round(os.getloadavg()[0], 2)  # the machine may be shared: say how busy it was
    started = Started(args) if args.start else None
    try:
        if started is not None:
            url, key, database = started.start()
        else:
            if not (args.url and args.key):
                raise SystemExit("load: give --start, or --url and --key (and --database for the checks)")
            url, key, database = args.url, args.key, args.database
        items = workload(tasks, args.submissions)
        run_id = f"load-{uuid.uuid4().hex[:8]}"
        t0 = time.time()
        accepted = asyncio.run(submit_all(url, key, items, args.clients, run_id))
        submit_s = time.time() - t0
        ids = [v["id"] for v in accepted.values()]
        done = asyncio.run(await_reports(url, key, ids, args.clients, args.timeout_s))
        result: dict = {
            "submissions": args.submissions,
            "clients": args.clients,
            "workers": args.workers if started else None,
            "concurrency": args.concurrency if started else None,
            "tasks": tasks,
            "accepted": len(accepted),
            "completed": len(done),
            "lost": args.submissions - len(done),
            "submit_s": round(submit_s, 2),
            "scores": dict(Counter(f"{b['task_id']}:{b.get('score')}" for b in done.values())),
        }
        if database:
            store = Store(database)
            with Session(store.engine) as s:
                rows = list(s.scalars(select(SubmissionRow).where(SubmissionRow.idempotency_key.like(f"{run_id}-%"))))
            store.close()
            per_key = Counter(r.idempotency_key for r in rows)
            twice = [r.id for r in rows if r.attempts != 1]
            extra_rows = sum(n - 1 for n in per_key.values())
            lat = sorted(r.grading_s for r in rows if r.grading_s is not None)
            service = sorted((r.graded_at - r.started_at).total_seconds() for r in rows if r.graded_at and r.started_at)
            last = max((r.graded_at.timestamp() for r in rows if r.graded_at is not None), default=t0)
            result.update(
                {
                    "rows": len(rows),
                    "graded_twice": len(twice) + extra_rows,
                    "attempts": dict(Counter(r.attempts for r in rows)),
                    "latency_s": {
                        "p50": round(pct(lat, 50), 2),
                        "p95": round(pct(lat, 95), 2),
                        "max": round(lat[-1], 2) if lat else None,
                    },
                    # started→graded: the grading itself (its last attempt), without the wait in the queue
                    "grading_s": {"p50": round(pct(service, 50), 2), "p95": round(pct(service, 95), 2)},
                    "wall_s": round(last - t0, 2),
                    "throughput_per_s": round(len(done) / (last - t0), 3) if last > t0 else None,
                }
            )
        if started is not None:
            jobs = started.report_saving_jobs()
            result["report_saving_jobs"] = jobs  # one per submission when nothing was graded twice
            result["graded_twice"] = result.get("graded_twice", 0) + max(0, jobs - len(done))
        result["machine"] = machine()
        result["loadavg_1m"] = {"start": load_start, "end": round(os.getloadavg()[0], 2)}
        return result
    finally:
        if started is not None:
            started.stop()
            if not args.keep:
                shutil.rmtree(started.dir, ignore_errors=True)
            else:
                print(f"load: logs and database kept in {started.dir}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--start", action="store_true", help="start redis-server, workers and grader serve here")
    p.add_argument("--url", help="a running `grader serve` (without --start)")
    p.add_argument("--key", help="an API key of that service")
    p.add_argument("--database", default="", help="the service's database URL (SQLite in a temp dir with --start)")
    p.add_argument("--broker", default="", help="with --start: use this Redis instead of starting one")
    p.add_argument("--submissions", type=int, default=500)
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--workers", type=int, default=2, help="with --start: `grader worker` processes")
    p.add_argument("--concurrency", type=int, default=1, help="with --start: grading threads per worker")
    p.add_argument("--sandbox", default="pool", help="with --start: GRADER_SANDBOX of the workers (pool: the default)")
    p.add_argument("--tasks", default=DEFAULT_TASKS, help="comma-separated task ids (references and starters)")
    p.add_argument("--timeout-s", type=float, default=3600)
    p.add_argument("--keep", action="store_true", help="with --start: keep the logs and database")
    args = p.parse_args(argv)
    result = run(args)
    print(json.dumps(result, indent=2))
    return 1 if result["lost"] or result.get("graded_twice") else 0


if __name__ == "__main__":
    sys.exit(main())
