"""Grade one submission: plan probes, run candidate and reference in sandboxes, judge, score, report."""

from __future__ import annotations

import functools
import hashlib
import platform
import signal
import subprocess
from datetime import UTC, datetime

from grader import integrity, scoring
from grader import judge as judging
from grader.models import Environment, NeedsGpu, Report, Status, Submission
from grader.observations import Observations, parse_channel
from grader.sandbox import RunRequest, RunResult, Sandbox
from grader.settings import Settings
from grader.taskspec import Task
from grader.versions import framework_versions

IMPORTS = {"torch": ["numpy", "torch"], "tensorflow": ["numpy", "tensorflow"], "numpy": ["numpy"]}


def plan(task: Task, *, salt: str = "") -> list[dict]:
    """Every (probe, trial) to run, with a seed derived from the task version (and an optional salt)."""
    items = []
    for probe in task.rubric.probes():
        for trial in range(task.rubric.trials):
            digest = hashlib.sha256(f"{salt}:{task.id}:{task.spec.version}:{probe}:{trial}".encode()).digest()
            items.append({"probe": probe, "trial": trial, "seed": int.from_bytes(digest[:4], "big") % 2**31})
    return items


def gpu_for(task: Task, settings: Settings, turn: int) -> str:
    """CUDA_VISIBLE_DEVICES for one sandbox of this task: the worker's GPU for this `turn` (one
    GPU per sandbox, taken in turn), or "" when the task never uses one or the worker has none."""
    devices = list(settings.gpu_devices)
    if task.spec.needs_gpu is NeedsGpu.never or not devices:
        return ""
    return devices[turn % len(devices)]


@functools.cache
def device_label(cuda_visible_devices: str) -> str:
    """ "cpu", or the GPU model read with nvidia-smi (never by initialising CUDA in this process)."""
    if not cuda_visible_devices:
        return "cpu"
    first = cuda_visible_devices.split(",")[0].strip()
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader", "-i", first],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        name = out.stdout.strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        name = f"gpu {first}"
    return f"cuda ({name})"


def request_for(task: Task, code: str, items: list[dict], settings: Settings, cuda: str = "") -> RunRequest:
    """The sandbox request: job for the harness plus limits (task metadata over settings)."""
    limits = task.spec.limits
    job: dict[str, object] = {
        "code": code,
        "probes": task.spec.probes,
        "imports": IMPORTS[task.spec.framework.value],
        "plan": items,
    }
    if cuda and settings.gpu_memory_mb:
        job["gpu_memory_mb"] = settings.gpu_memory_mb
    return RunRequest(
        job=job,
        timeout_s=limits.timeout_s or settings.timeout_s,
        memory_mb=limits.memory_mb or settings.memory_mb,
        cpu_s=settings.cpu_s,
        max_pids=settings.max_pids,
        file_size_mb=settings.file_size_mb,
        open_files=settings.open_files,
        output_cap_bytes=settings.output_cap_kib * 1024,
        observation_cap_bytes=settings.observation_cap_mb * 1024 * 1024,
        cuda_visible_devices=cuda,
    )


def environment(device: str = "cpu") -> Environment:
    v = framework_versions()
    return Environment(
        python=platform.python_version(), torch=v["torch"], tensorflow=v["tensorflow"], numpy=v["numpy"], device=device
    )


def status_of(run: RunResult, obs: Observations) -> tuple[Status, str]:
    """Status and a one-line message from what the sandbox and the channel say."""
    if run.sandbox_error:
        return Status.sandbox_error, f"sandbox error: {run.sandbox_error}"
    if not obs.ready and not obs.tampered:
        # The submission's code had not run yet: the grader's own setup failed or was too slow.
        why = (
            "timed out"
            if run.timed_out
            else "ran out of memory"
            if run.memory_exceeded
            else f"exit {run.exit_code}, signal {run.signal}"
        )
        return (
            Status.sandbox_error,
            f"sandbox error: the harness failed before running the submission ({why}): {run.stderr.strip()[-300:]}",
        )
    if obs.tampered:
        return (
            Status.runtime_error,
            f"the submission wrote to the grader's observation channel ({obs.tampered}); no points awarded",
        )
    if obs.compile_error:
        ce = obs.compile_error
        return Status.compile_error, f"syntax error on line {ce['line']}: {ce['message']}" + (
            f"\n    {ce['text'].strip()}" if ce["text"] else ""
        )
    errors = [o["error"]["type"] for p in obs.by_probe.values() for o in p.values() if "error" in o]
    if run.memory_exceeded or "MemoryError" in errors or (obs.import_error or {}).get("type") == "MemoryError":
        return Status.memory_exceeded, "the submission exceeded its memory limit"
    if run.timed_out or run.signal == signal.SIGXCPU:
        return Status.timeout, "the submission exceeded its time limit"
    if obs.import_error:
        ie = obs.import_error
        first = ie["message"].splitlines()[0] if ie["message"] else ""
        return Status.runtime_error, f"importing the submission raised {ie['type']}: {first}".rstrip(": ")
    if run.signal is not None:
        name = signal.Signals(run.signal).name if run.signal in signal.Signals._value2member_map_ else str(run.signal)
        return Status.crashed, f"the submission's process was killed by signal {name}"
    if not obs.done:
        return (
            Status.runtime_error,
            f"the submission's process exited before grading finished (exit code {run.exit_code})",
        )
    return Status.graded, ""


def grade(
    task: Task,
    submission: Submission,
    *,
    items: list[dict],
    reference: Observations,
    cuda: str,
    device: str,
    sandbox: Sandbox,
    settings: Settings,
    started: datetime,
) -> Report:
    """Run the candidate under the planned probes and judge it against the (validated)
    reference observations; every failure of the candidate becomes a status. Called by Engine,
    which plans, picks the device and provides the reference once."""
    env = environment(device)
    run = sandbox.run(request_for(task, submission.code, items, settings, cuda))
    obs = parse_channel(run.channel, items)
    status, message = status_of(run, obs)
    if status is Status.sandbox_error:
        return _report(task, submission, status, message, None, [], run, env, started)
    verdicts = {}
    for check in task.rubric.checks:
        if obs.tampered or obs.compile_error or obs.import_error:
            verdicts[check.id] = judging.Verdict(False, "the submission " + _NOT_RUN[status], "not_run")
        else:
            verdicts[check.id] = judging.judge(
                check, obs.by_probe.get(check.probe, {}), reference.by_probe.get(check.probe, {})
            )
    results, total = scoring.score(task.rubric, verdicts)
    report = _report(task, submission, status, message, total, results, run, env, started)
    return report.model_copy(update={"error_line": error_line(obs)})


def error_line(obs: Observations) -> int | None:
    """Where the submission failed before its checks could run: a syntax error's line, or the
    innermost line of the submission in the traceback of its import."""
    if obs.compile_error and isinstance(obs.compile_error.get("line"), int):
        return obs.compile_error["line"]
    return judging.failing_line(obs.import_error)


def grader_error(submission: Submission, message: str, *, max_score: float = 0.0, task_version: str = "?") -> Report:
    """A sandbox_error report for a failure before any grading could start (no task loaded, or the
    grader itself raised): no checks, no score, the message says why."""
    return Report(
        task_id=submission.task_id,
        task_version=task_version,
        candidate_id=submission.candidate_id,
        status=Status.sandbox_error,
        score=None,
        max_score=max_score,
        checks=[],
        message=message,
        duration_s=0.0,
        environment=Environment(python=platform.python_version()),
        submission_sha256=submission.sha256,
        graded_at=datetime.now(UTC),
    )


def failed(
    task: Task, submission: Submission, status: Status, message: str, *, device: str, started: datetime
) -> Report:
    """A report for a grading that could not run the candidate (the grader's fault)."""
    return _report(task, submission, status, message, None, [], RunResult(b"", "", ""), environment(device), started)


_NOT_RUN = {
    Status.graded: "was graded",
    Status.compile_error: "does not compile",
    Status.runtime_error: "failed before its checks could run",
    Status.timeout: "ran out of time",
    Status.memory_exceeded: "ran out of memory",
    Status.crashed: "crashed",
    Status.sandbox_error: "could not be graded (the grader's fault)",
}


def _report(task, submission, status, message, total, results, run, env, started) -> Report:
    if not results:
        results, _ = scoring.score(
            task.rubric,
            {c.id: judging.Verdict(False, "the submission " + _NOT_RUN[status], "not_run") for c in task.rubric.checks},
        )
    return Report(
        task_id=task.id,
        task_version=task.spec.version,
        rubric_sha256=task.rubric_sha256,
        candidate_id=submission.candidate_id,
        status=status,
        score=None if status is Status.sandbox_error else total or 0.0,
        max_score=task.rubric.max_score,
        checks=results,
        message=message,
        warnings=run.warnings,
        integrity=integrity.scan(submission.code),
        stdout=run.stdout,
        stderr=run.stderr,
        duration_s=round((datetime.now(UTC) - started).total_seconds(), 3),
        environment=env,
        submission_sha256=submission.sha256,
        graded_at=started,
    )
