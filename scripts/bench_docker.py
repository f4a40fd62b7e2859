"""Docker backend next to the process backend: per-run overhead and submit→report for a task.

    eval "$(scripts/docker-engine.sh env)"
    .venv/bin/python scripts/bench_docker.py --image "$(scripts/build-sandbox-image.sh)" \\
        [--runs 10] [--task torch-train-step]

Prints one JSON object:
  overhead_s: an empty job (no framework import, no probes) per backend: the sandbox's own cost.
  container_s: where the docker backend's overhead goes (create, attach+start, run to exit, remove).
  grade_s: Engine.grade of the task's reference (reference observations cached first) per backend,
           submit→report, p50/p95 over --runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.engine import Engine
from grader.models import Submission
from grader.references import ReferenceCache
from grader.sandbox.base import RunRequest
from grader.sandbox.docker import DockerSandbox
from grader.sandbox.process import ProcessSandbox
from grader.settings import Settings


def summary(samples: list[float]) -> dict:
    """p50, p95 (nearest rank), mean and n of timings in seconds."""
    s = sorted(samples)
    p95 = s[min(len(s) - 1, max(0, round(0.95 * len(s)) - 1))]
    return {
        "p50": round(statistics.median(s), 3),
        "p95": round(p95, 3),
        "mean": round(statistics.fmean(s), 3),
        "n": len(s),
    }


def empty_request() -> RunRequest:
    return RunRequest(
        job={"code": "pass\n", "probes": "", "imports": [], "plan": []},
        timeout_s=60,
        memory_mb=512,
        cpu_s=60,
        max_pids=64,
        file_size_mb=16,
        open_files=256,
        output_cap_bytes=65536,
        observation_cap_bytes=1 << 20,
    )


def time_runs(sandbox, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        result = sandbox.run(empty_request())
        out.append(time.perf_counter() - t)
        if result.sandbox_error or result.exit_code != 0:
            raise SystemExit(f"empty run failed: {result}")
    return out


def container_phases(sandbox: DockerSandbox, runs: int) -> dict:
    """Engine round trips of one container, without the harness (python -c pass)."""
    api = sandbox.client.api
    cfg = sandbox.container_config(empty_request())
    cfg = {**cfg, "command": None, "entrypoint": ["/opt/venv/bin/python", "-I", "-c", "pass"], "stdin_open": False}
    phases: dict[str, list[float]] = {"create": [], "start": [], "wait": [], "remove": []}
    for _ in range(runs):
        t0 = time.perf_counter()
        cid = api.create_container(**cfg)["Id"]
        t1 = time.perf_counter()
        api.start(cid)
        t2 = time.perf_counter()
        api.wait(cid)
        t3 = time.perf_counter()
        api.remove_container(cid, force=True)
        t4 = time.perf_counter()
        for k, v in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            phases[k].append(v)
    return {k: summary(v) for k, v in phases.items()}


def grade_times(engine: Engine, task_id: str, runs: int) -> list[float]:
    task = engine.task(task_id)
    engine.grade(Submission(task_id=task_id, code=task.spec.reference))  # reference observations cached
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        report = engine.grade(Submission(task_id=task_id, code=task.spec.reference))
        out.append(time.perf_counter() - t)
        if report.score != report.max_score:
            raise SystemExit(f"{task_id} reference graded {report.status.value} {report.score}: {report.message}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--image", default="dlgrader-sandbox:latest")
    ap.add_argument("--docker-host", default="", help="default: DOCKER_HOST")
    ap.add_argument("--task", default="torch-train-step")
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")

    with tempfile.TemporaryDirectory(prefix="dlgrader-bench-") as data:
        base = Settings(data_dir=Path(data), env="dev", reference_cache=False)
        dsettings = base.model_copy(
            update={"sandbox": "docker", "docker_image": args.image, "docker_host": args.docker_host}
        )
        process, docker = ProcessSandbox(settings=base), DockerSandbox(settings=dsettings)
        time_runs(docker, 1)  # first use: engine connection, image pages into the cache
        out = {
            "task": args.task,
            "runs": args.runs,
            "overhead_s": {
                "process": summary(time_runs(process, args.runs)),
                "docker": summary(time_runs(docker, args.runs)),
            },
            "container_s": container_phases(docker, args.runs),
            "grade_s": {
                "process": summary(
                    grade_times(Engine(base, sandbox=process, cache=ReferenceCache(None)), args.task, args.runs)
                ),
                "docker": summary(
                    grade_times(Engine(dsettings, sandbox=docker, cache=ReferenceCache(None)), args.task, args.runs)
                ),
            },
        }
        docker.close()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
