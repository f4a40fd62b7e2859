"""`grader bench`: grade the same submissions several ways and compare latency, throughput, memory.

Paths (each skipped, with the reason in the output, where it cannot run here):
- naive:  a fresh `python` process per submission running the same probes (the process backend);
- local:  the warm pool, in this process (what `grader batch` and the embedded server use);
- celery: a real Redis (started on a free port) and a real `grader worker`, through grade_via_cluster;
- docker: the docker backend, when an engine answers at DOCKER_HOST.
Latency is per submission, submitted one at a time (submit -> report). Throughput is for all of a
task's submissions at once with --jobs parallel gradings (the worker gets --jobs threads). Reference
observations are computed before timing starts (they are cached per task version in production).
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from grader.engine import Engine
from grader.grading import request_for
from grader.models import Report, Submission
from grader.sandbox.pool import PooledSandbox
from grader.settings import Settings

TASKS = ("torch-train-step", "tf-train-step")
GPU_TASK = "torch-amp-train-step"


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def _pss_kib(pid: int) -> int:
    """Proportional set size: pages shared by forked sandboxes are split between them, not
    counted once per process as RSS would."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _tree_memory_mb(root: int) -> float:
    """Memory (PSS) of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _pss_kib(pid)
        stack.extend(children.get(pid, []))
    return total / 1024


class MemorySampler:
    """Peak memory (PSS) of this process tree (grader, templates, sandboxes, workers)."""

    def __init__(self, interval_s: float = 0.1) -> None:
        self.interval_s, self.peak_mb = interval_s, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, _tree_memory_mb(os.getpid()))
            self._stop.wait(self.interval_s)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def submissions_for(engine: Engine, task_id: str, n: int) -> list[Submission]:
    """n submissions of a task: alternately its reference (correct) and its starter (buggy)."""
    t = engine.task(task_id)
    return [
        Submission(task_id=task_id, code=(t.spec.reference if i % 2 == 0 else t.spec.starter), candidate_id=f"c{i}")
        for i in range(n)
    ]


def measure(
    grade_one: Callable[[Submission], Report],
    grade_many: Callable[[list[Submission]], list[Report]],
    subs: list[Submission],
    *,
    latency_n: int,
    before_each: Callable[[], None] = lambda: None,
) -> dict:
    """Latency one at a time over latency_n submissions (before_each, untimed, runs before each),
    then throughput over all of them."""
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    with MemorySampler() as mem:
        for sub in subs[:latency_n]:
            before_each()
            t0 = time.perf_counter()
            report = grade_one(sub)
            latencies.append(time.perf_counter() - t0)
            statuses[report.status.value] = statuses.get(report.status.value, 0) + 1
        t0 = time.perf_counter()
        reports = grade_many(subs)
        wall = time.perf_counter() - t0
    for r in reports:
        statuses[r.status.value] = statuses.get(r.status.value, 0) + 1
    return {
        "latency_p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "latency_p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "latency_samples": len(latencies),
        "throughput_per_s": round(len(subs) / wall, 2),
        "throughput_samples": len(subs),
        "peak_pss_mb": round(mem.peak_mb),
        "statuses": statuses,
    }


def _engine_path(
    engine: Engine, jobs: int
) -> tuple[Callable[[Submission], Report], Callable[[list[Submission]], list[Report]]]:
    def many(subs: list[Submission]) -> list[Report]:
        with ThreadPoolExecutor(max_workers=jobs) as ex:
            return list(ex.map(lambda s: engine.grade(s), subs))

    return (lambda s: engine.grade(s)), many


def sandbox_overhead_ms(engine: Engine, task_id: str, runs: int = 15) -> float:
    """p50 of a sandbox run with nothing to do: no probes and an empty submission."""
    t = engine.task(task_id)
    request = request_for(t, "", [], engine.settings)
    engine.sandbox.run(request)  # warm up (template start)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        engine.sandbox.run(request)
        times.append(time.perf_counter() - t0)
    return round(percentile(times, 0.5) * 1000, 1)


def _prime(engine: Engine, tasks: Iterable[str]) -> None:
    """Reference observations and templates ready before any timing."""
    for task_id in tasks:
        t = engine.task(task_id)
        engine.grade(Submission(task_id=task_id, code=t.spec.starter))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CeleryCluster:
    """A private redis-server and one `grader worker` with `jobs` threads, for the benchmark."""

    def __init__(self, settings: Settings, jobs: int) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            raise RuntimeError("redis-server not installed")
        self.dir = tempfile.mkdtemp(prefix="dlgrader-bench-")
        port = _free_port()
        self.redis = subprocess.Popen(
            [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("GRADER_")},
            "GRADER_BROKER_URL": f"redis://127.0.0.1:{port}/0",
            "GRADER_DATA_DIR": str(settings.data_dir),
            "GRADER_DATABASE_URL": f"sqlite:///{self.dir}/bench.db",
            "GRADER_SANDBOX": settings.sandbox,
        }
        self.log = open(Path(self.dir) / "worker.log", "w+")
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "grader", "worker", "--queues", "cpu", "--concurrency", str(jobs)],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            self.log.seek(0)
            if "ready." in self.log.read():
                break
            if self.worker.poll() is not None:
                raise RuntimeError("worker exited")
            time.sleep(0.2)
        else:
            raise RuntimeError("worker did not become ready")
        self.settings = Settings(
            data_dir=settings.data_dir,
            broker_url=self.env["GRADER_BROKER_URL"],
            database_url=self.env["GRADER_DATABASE_URL"],
        )

    def path(self):
        from grader.service.cluster import grade_via_cluster

        def one(sub: Submission) -> Report:
            return next(grade_via_cluster(self.settings, [sub], priority="interactive", poll_s=0.005))[1]

        def many(subs: list[Submission]) -> list[Report]:
            return [r for _, r in grade_via_cluster(self.settings, subs, priority="batch", poll_s=0.02)]

        return one, many

    def close(self) -> None:
        for proc in (self.worker, self.redis):
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def run(
    settings: Settings,
    *,
    n: int,
    naive_n: int,
    jobs: int,
    skip: set[str],
    progress: Callable[[str], None] = lambda s: None,
) -> dict:
    """The whole benchmark; a JSON-ready dict."""
    out: dict = {
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "gpu": _gpu_name(),
        },
        "n_per_task": n,
        "naive_n_per_task": naive_n,
        "jobs": jobs,
        "paths": {},
        "skipped": {},
        "overhead_ms": {},
    }
    tasks = [t for t in TASKS if importlib.util.find_spec(t.split("-")[0].replace("tf", "tensorflow")) is not None]
    for t in set(TASKS) - set(tasks):
        out["skipped"][t] = "framework not installed"
    base = settings.model_copy(update={"data_dir": Path(tempfile.mkdtemp(prefix="dlgrader-bench-data-"))})
    try:
        naive = Engine(base.model_copy(update={"sandbox": "process"}))
        subs = {t: submissions_for(naive, t, n) for t in tasks}
        if "naive" not in skip:
            progress("naive: priming references")
            _prime(naive, tasks)
            out["overhead_ms"]["naive"] = sandbox_overhead_ms(naive, "torch-train-step", runs=3)
            out["paths"]["naive"] = {}
            for t in tasks:
                progress(f"naive: {t}")
                out["paths"]["naive"][t] = measure(*_engine_path(naive, jobs), subs[t][:naive_n], latency_n=naive_n)
        naive.close()
        pooled = Engine(base.model_copy(update={"sandbox": "pool", "pool_size": max(2, jobs)}))
        progress("local: priming references and warm pools")
        _prime(pooled, tasks)
        out["overhead_ms"]["pool"] = sandbox_overhead_ms(pooled, "torch-train-step")
        pool = pooled.sandbox
        assert isinstance(pool, PooledSandbox)
        stats = pool.stats()
        out["pool"] = {
            "size_per_framework": pool.size,
            "template_rss_mb": {k: round(v or 0) for k, v in stats["template_rss_mb"].items()},
            "tree_pss_mb_idle": round(_tree_memory_mb(os.getpid())),
        }
        out["paths"]["local"] = {}
        for t in tasks:
            progress(f"local (warm pool): {t}")
            out["paths"]["local"][t] = measure(*_engine_path(pooled, jobs), subs[t], latency_n=n)
        pooled.close()
        if "celery" not in skip:
            try:
                progress("celery: starting redis-server and a worker")
                cluster = CeleryCluster(base.model_copy(update={"sandbox": "pool"}), jobs)
            except (RuntimeError, OSError) as exc:
                out["skipped"]["celery"] = str(exc)
            else:
                try:
                    one, many = cluster.path()
                    for t in tasks:
                        one(subs[t][0])  # the worker's references and templates
                    out["paths"]["celery"] = {}
                    for t in tasks:
                        progress(f"celery: {t}")
                        out["paths"]["celery"][t] = measure(one, many, subs[t], latency_n=n)
                finally:
                    cluster.close()
        if "docker" not in skip:
            _docker(out, base, subs, jobs, n, progress)
        if "gpu" not in skip:
            _gpu(out, base, jobs, naive_n, progress)
    finally:
        shutil.rmtree(base.data_dir, ignore_errors=True)
    out["ratios_vs_naive"] = {
        path: {t: round(out["paths"]["naive"][t]["latency_p50_ms"] / max(v[t]["latency_p50_ms"], 1e-9), 1) for t in v}
        for path, v in out["paths"].items()
        if path != "naive" and "naive" in out["paths"] and all(t in out["paths"]["naive"] for t in v)
    }
    out["throughput_ratios_vs_naive"] = {
        path: {
            t: round(v[t]["throughput_per_s"] / max(out["paths"]["naive"][t]["throughput_per_s"], 1e-9), 1) for t in v
        }
        for path, v in out["paths"].items()
        if path != "naive" and "naive" in out["paths"] and all(t in out["paths"]["naive"] for t in v)
    }
    return out


def _docker(out: dict, base: Settings, subs: dict, jobs: int, n: int, progress) -> None:
    try:
        import docker

        docker.from_env(timeout=5).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means: no engine here
        out["skipped"]["docker"] = f"no Docker engine answers at DOCKER_HOST ({type(exc).__name__})"
        return
    engine = Engine(base.model_copy(update={"sandbox": "docker"}))
    k = max(4, n // 4)
    try:
        _prime(engine, ["torch-train-step"])
        out["overhead_ms"]["docker"] = sandbox_overhead_ms(engine, "torch-train-step", runs=5)
        progress("docker (a cold container per submission): torch-train-step")
        out["paths"]["docker"] = {
            "torch-train-step": measure(*_engine_path(engine, jobs), subs["torch-train-step"][:k], latency_n=k)
        }
    finally:
        engine.close()
    # Pre-started containers: latency when one is ready (interactive traffic spaced out), and
    # throughput when a burst drains the pool (each container pays its own framework import).
    warm = Engine(base.model_copy(update={"sandbox": "docker", "docker_pool_size": max(2, jobs)}))
    from grader.sandbox.docker import DockerSandbox

    warm_sandbox = warm.sandbox
    assert isinstance(warm_sandbox, DockerSandbox)
    try:
        _prime(warm, ["torch-train-step"])

        def ready() -> None:
            deadline = time.monotonic() + 120
            while not warm_sandbox.idle_containers() and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(3.0)  # its harness is importing torch (~2 s here): let it finish

        progress("docker (pre-started containers): torch-train-step")
        out["paths"]["docker-pool"] = {
            "torch-train-step": measure(
                *_engine_path(warm, jobs), subs["torch-train-step"][:k], latency_n=k, before_each=ready
            )
        }
    finally:
        warm.close()


def _gpu_name() -> str | None:
    try:
        res = subprocess.run(
            ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return res.stdout.strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return None


def _gpu(out: dict, base: Settings, jobs: int, naive_n: int, progress) -> None:
    if _gpu_name() is None:
        out["skipped"]["gpu"] = "no NVIDIA GPU (nvidia-smi) on this machine"
        return
    gpu = base.model_copy(update={"gpu_devices": ["0"]})
    out["paths"].setdefault("gpu-naive", {})
    out["paths"].setdefault("gpu-pool", {})
    for label, sandbox in (("gpu-naive", "process"), ("gpu-pool", "pool")):
        engine = Engine(gpu.model_copy(update={"sandbox": sandbox}))
        try:
            progress(f"{label}: {GPU_TASK}")
            subs = submissions_for(engine, GPU_TASK, naive_n if sandbox == "process" else max(naive_n, 10))
            _prime(engine, [GPU_TASK])
            out["paths"][label][GPU_TASK] = measure(*_engine_path(engine, 1), subs, latency_n=len(subs))
        finally:
            engine.close()


def table_rows(result: dict) -> list[list[str]]:
    rows = []
    for path, per_task in result["paths"].items():
        for t, m in per_task.items():
            ratio = result.get("ratios_vs_naive", {}).get(path, {}).get(t)
            rows.append(
                [
                    path,
                    t,
                    f"{m['latency_p50_ms']:.0f}",
                    f"{m['latency_p95_ms']:.0f}",
                    f"{m['throughput_per_s']:.2f}",
                    f"{m['peak_pss_mb']}",
                    "" if ratio is None else f"{ratio:g}×",
                    json.dumps(m["statuses"]),
                ]
            )
    return rows
