"""The warm pool: single-use sandboxes from a template that holds no secret, same grades as the
process backend. (Every hostile submission also runs on the pool: tests/sandbox/test_hostile.py.)"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
import uuid
from pathlib import Path

import pytest
from pydantic import SecretStr

from grader.engine import Engine
from grader.models import Submission
from grader.references import ReferenceCache
from grader.sandbox.pool import PooledSandbox
from grader.taskspec import load_task
from tests.support.grading import IS_ROOT
from tests.support.hostile import CORRECT

pytestmark = pytest.mark.slow
TASK = "torch-linear-model"
needs_root = pytest.mark.skipif(not IS_ROOT, reason="namespaces, cgroups and the sandbox uid need root")


def _task(settings, task_id=TASK):
    return load_task(task_id, tasks_dir=settings.tasks_dir, rubrics_dir=settings.rubrics_dir)


def _memory_contains(pid: int, needles: list[bytes]) -> dict[bytes, bool]:
    """Scan a process's writable memory (read as root through /proc/PID/mem) for byte strings."""
    found = dict.fromkeys(needles, False)
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
        for line in maps:
            fields = line.split()
            start, end = (int(x, 16) for x in fields[0].split("-"))
            if not fields[1].startswith("rw") or end - start > 512 * 2**20:
                continue
            try:
                mem.seek(start)
                chunk = mem.read(end - start)
            except (OSError, ValueError, OverflowError):
                continue
            for n in needles:
                found[n] = found[n] or n in chunk
    return found


def test_a_pooled_sandbox_is_never_reused(settings, grade_code_pooled, pool_sandbox):
    marker = uuid.uuid4().hex
    # The first submission leaves traces everywhere it can: a file, a patched library, a global.
    dirty = (
        _task(settings).spec.reference
        + f"""
import builtins, os, torch
open(os.path.join(os.environ.get("TMPDIR", "."), "trace-{marker}"), "w").write("x")
for d in ("/tmp", "/dev/shm"):
    try:
        open(d + "/trace-{marker}", "w").write("x")
    except OSError:
        pass
builtins.TRACE_{marker} = os.getpid()
torch.Tensor.__add__ = lambda self, other: self
"""
    )
    # The second one fails at import if it sees any of them (then it would not get full marks).
    check = (
        f"""
import builtins, glob, os, torch
assert not hasattr(builtins, "TRACE_{marker}"), "inherited a global from an earlier submission"
assert not glob.glob("/tmp/trace-{marker}") and not glob.glob("/dev/shm/trace-{marker}")
assert not glob.glob(os.path.join(os.environ.get("TMPDIR", "."), "trace-{marker}"))
assert (torch.ones(1) + torch.ones(1)).item() == 2.0, "torch still patched"
"""
        + _task(settings).spec.reference
    )
    before = pool_sandbox.created
    first = grade_code_pooled(TASK, dirty)
    second = grade_code_pooled(TASK, check)
    assert first.status.value == "graded"
    assert second.status.value == "graded" and second.score == second.max_score, second.message
    assert pool_sandbox.created >= before + 2  # one sandbox per run, never handed out twice


@needs_root
def test_the_template_holds_no_secret(settings, monkeypatch, tmp_path):
    """Neither the reference solution nor the grader's secrets ever reach the template's memory."""
    secret = f"whsec-{uuid.uuid4().hex}"
    monkeypatch.setenv("GRADER_WEBHOOK_SECRET", secret)
    s = settings.model_copy(update={"webhook_secret": SecretStr(secret)})
    ref_marker = f"REFERENCE_ONLY_{uuid.uuid4().hex}"
    sub_marker = f"SUBMISSION_ONLY_{uuid.uuid4().hex}"
    task = _task(s)
    task = dataclasses.replace(
        task, spec=task.spec.model_copy(update={"reference": task.spec.reference + f"\nMARK = {ref_marker!r}\n"})
    )
    pool = PooledSandbox(settings=s, size=1)
    try:
        cache = ReferenceCache(tmp_path)
        report = Engine(s, sandbox=pool, cache=cache).grade(
            Submission(task_id=TASK, code=task.spec.starter + f"\nMARK = {sub_marker!r}\n"), task=task
        )
        assert report.status.value == "graded"
        templates = list(pool._templates.values())
        assert len(templates) == 1
        found = _memory_contains(
            templates[0].pid, [ref_marker.encode(), sub_marker.encode(), secret.encode(), b"grader.sandbox.template"]
        )
    finally:
        pool.close()
    assert found[b"grader.sandbox.template"], "the scan must see what the template does hold"
    assert not found[ref_marker.encode()] and not found[sub_marker.encode()] and not found[secret.encode()]


def test_pool_grades_like_the_process_backend(settings, grade_code, grade_code_pooled):
    for task_id in ("torch-train-step", "numpy-standardize", "tf-tensors-variables"):
        t = _task(settings, task_id)
        for code in (t.spec.reference, t.spec.starter):
            a, b = grade_code(task_id, code), grade_code_pooled(task_id, code)
            assert (a.status, a.score, [c.passed for c in a.checks]) == (
                b.status,
                b.score,
                [c.passed for c in b.checks],
            )


def test_concurrent_submissions_each_get_their_own_report(settings, grade_code_pooled):
    t = _task(settings, "torch-train-step")
    codes = [t.spec.reference, t.spec.starter] * 3
    results: dict[int, object] = {}
    threads = [
        threading.Thread(target=lambda i=i, c=c: results.__setitem__(i, grade_code_pooled("torch-train-step", c)))
        for i, c in enumerate(codes)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for i, r in results.items():
        assert r.status.value == "graded"
        assert (r.score == r.max_score) == (i % 2 == 0)


@needs_root
def test_sandbox_sees_only_its_own_descriptors(grade_code_pooled):
    code = (
        """
import os
fds = sorted(int(f) for f in os.listdir("/proc/self/fd"))
# stdin, stdout, stderr, the observation channel, and the fd listdir itself opened.
assert len(fds) <= 5, fds
"""
        + CORRECT
    )
    report = grade_code_pooled(TASK, code)
    assert report.status.value == "graded" and report.score == report.max_score, report.message


@needs_root
def test_spawn_mode_pre_starts_and_warms_fresh_processes(settings):
    """The GPU path (no fork after CUDA init), run here on the CPU."""
    s = settings.model_copy(update={"pool_mode": "spawn", "sandbox": "pool"})
    with Engine(s) as engine:
        t = engine.task("torch-train-step")
        full = engine.grade(Submission(task_id=t.id, code=t.spec.reference))
        low = engine.grade(Submission(task_id=t.id, code=t.spec.starter))
        assert not engine.sandbox._templates  # no template: each sandbox warmed itself
    assert full.status.value == "graded" and full.score == full.max_score and full.warnings == []
    assert low.status.value == "graded" and low.score < low.max_score


def test_a_template_that_cannot_start_falls_back_to_a_fresh_process(settings, tmp_path):
    pool = PooledSandbox(settings=settings, size=1)
    try:
        from grader.grading import request_for

        t = _task(settings, "numpy-standardize")
        request = request_for(t, t.spec.reference, [{"probe": "x", "trial": 0, "seed": 1}], settings)
        request = dataclasses.replace(request, job={**request.job, "imports": ["no_such_module_dlgrader"]})
        result = pool.run(request)
    finally:
        pool.close()
    assert any(re.search(r"warm pool unavailable .*no_such_module_dlgrader", w) for w in result.warnings), (
        result.warnings
    )


@needs_root
def test_closing_the_pool_leaves_no_process_or_cgroup(settings):
    pool = PooledSandbox(settings=settings, size=2)
    t = _task(settings, "numpy-standardize")
    cache = ReferenceCache(None)
    report = Engine(settings, sandbox=pool, cache=cache).grade(Submission(task_id=t.id, code=t.spec.reference), task=t)
    assert report.status.value == "graded"
    for _ in range(200):  # the pool refills in the background
        idle = pool.idle_slots()
        if len(idle) == 2:
            break
        time.sleep(0.05)
    assert len(idle) == 2
    launchers = [s.launcher_pid for s in idle]
    template_pid = next(iter(pool._templates.values())).pid
    groups = [s.cgroup.memory for s in idle if s.cgroup]
    pool.close()
    assert not Path(f"/proc/{template_pid}").exists() or "zombie" in Path(f"/proc/{template_pid}/status").read_text()
    assert groups and all(not g.exists() for g in groups)
    for pid in launchers:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()


@needs_root
def test_an_idle_sandbox_that_died_is_skipped_not_handed_out(settings):
    import os
    import signal

    pool = PooledSandbox(settings=settings, size=2)
    try:
        t = _task(settings, "numpy-standardize")
        cache = ReferenceCache(None)
        assert (
            Engine(settings, sandbox=pool, cache=cache)
            .grade(Submission(task_id=t.id, code=t.spec.reference), task=t)
            .status.value
            == "graded"
        )
        for _ in range(200):
            idle = pool.idle_slots()
            if len(idle) == 2:
                break
            time.sleep(0.05)
        for slot in idle:  # an operator (or the OOM killer) kills every idle sandbox
            os.kill(slot.launcher_pid, signal.SIGKILL)
        time.sleep(0.2)
        report = Engine(settings, sandbox=pool, cache=cache).grade(
            Submission(task_id=t.id, code=t.spec.reference), task=t
        )
    finally:
        pool.close()
    assert report.status.value == "graded" and report.score == report.max_score, report.message


@needs_root
def test_a_short_time_limit_starts_when_a_prespawned_sandbox_is_warm(settings, tmp_path):
    """A pre-spawned sandbox taken while still importing torch: the submission's clock starts when
    the harness is warm, so a 2 s limit is the submission's 2 s, not the grader's warm-up."""
    from tests.support.grading import grader_for

    s = settings.model_copy(update={"pool_mode": "spawn"})
    pool = PooledSandbox(settings=s, size=1)
    try:
        run = grader_for(pool, s, cache=ReferenceCache(tmp_path))
        t = _task(s)
        # The reference (task limits) takes the first sandbox; the next one is still warming.
        report = run(TASK, t.spec.reference, timeout_s=2)
        looping = run(TASK, "while True:\n    pass\n", timeout_s=2)
    finally:
        pool.close()
    assert report.status.value == "graded" and report.score == report.max_score, report.message
    assert looping.status.value == "timeout", looping.message


FINGERPRINT = (Path(__file__).parent / "fixtures" / "fingerprint.py").read_text()


def _fingerprint(grade, task_id: str) -> dict:
    report = grade(task_id, FINGERPRINT)
    lines = [line for line in report.stdout.splitlines() if line.startswith("FINGERPRINT ")]
    assert lines, (report.status, report.message, report.stderr[-2000:])
    import json

    data = json.loads(lines[0].removeprefix("FINGERPRINT "))
    workdir = data["state"]["cwd"]
    text = json.dumps(data["state"], sort_keys=True).replace(workdir, "<workdir>")
    return {"state": json.loads(text), "draws": data["draws"]}


@pytest.mark.parametrize(
    "task_id", ["numpy-standardize", "torch-linear-model", "tf-train-step"], ids=["numpy", "torch", "tensorflow"]
)
def test_a_pool_sandbox_is_indistinguishable_from_a_fresh_interpreter(task_id, grade_code, grade_code_pooled):
    # tempdir, cwd, environment, sys.path and flags, warnings filters, signal dispositions and
    # mask, rlimits, descriptors, threads, locale, umask, the frameworks' global settings.
    fresh = _fingerprint(grade_code, task_id)
    pooled = _fingerprint(grade_code_pooled, task_id)
    differing = {k for k in fresh["state"] | pooled["state"] if fresh["state"].get(k) != pooled["state"].get(k)}
    assert not differing, {k: (fresh["state"].get(k), pooled["state"].get(k)) for k in differing}
    assert fresh["state"]["tempdir"] == "<workdir>"
    # What a fresh interpreter draws from the OS differs between two pool sandboxes too.
    again = _fingerprint(grade_code_pooled, task_id)
    for name in ("random", "numpy", "torch"):
        if name in pooled["draws"]:
            assert pooled["draws"][name] != again["draws"][name], name
