"""The one grading path, with a scripted sandbox: GPU turns, a reference checked before it is
trusted, a cache that re-validates what it reads, forged streams. No real sandbox needed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import SecretStr

from grader.engine import Engine
from grader.models import Status, Submission
from grader.references import ReferenceCache
from grader.sandbox import RunResult
from grader.settings import Settings
from grader.taskspec import load_task

INT1 = {"kind": "int", "type": "int", "value": 1}


def write_task(root: Path, *, needs_gpu: str = "optional", reference_raises: str | None = None) -> tuple[Path, Path]:
    tasks, rubrics = root / "tasks", root / "rubrics"
    folder = tasks / "synthetic"
    folder.mkdir(parents=True)
    (folder / "task.toml").write_text(
        'id = "synthetic"\nversion = "1"\ntitle = "t"\nframework = "numpy"\ndifficulty = "easy"\n'
        f'minutes = 1\nneeds_gpu = "{needs_gpu}"\nseeds = ["x"]\n'
    )
    for name in ("statement.md", "starter.py"):
        (folder / name).write_text("")
    (folder / "probes.py").write_text("def probe_p(mod, seed, trial):\n    return 1\n")
    (folder / "reference.py").write_text("REFERENCE = True\n")
    rubrics.mkdir()
    extra = f'reference_raises = "{reference_raises}"\n' if reference_raises else ""
    (rubrics / "synthetic.toml").write_text(
        'task = "synthetic"\ntrials = 2\n[[checks]]\nid = "value"\ntitle = "t"\npoints = 1\nprobe = "p"\n' + extra
    )
    return tasks, rubrics


def stream(job: dict, value_or_error: dict) -> bytes:
    lines = [{"event": "start"}, {"event": "ready"}]
    for item in job["plan"]:
        lines.append({"event": "observation", "probe": item["probe"], "trial": item["trial"], **value_or_error})
    lines.append({"event": "done"})
    return b"".join(json.dumps(m).encode() + b"\n" for m in lines)


class Scripted:
    """A sandbox that answers with a scripted observation per run: reference runs (the job's code
    is the reference) and candidate runs each get their own answer; it records every request."""

    backend = "scripted"

    def __init__(self, *, reference: dict | None = None, candidate=None) -> None:
        self.reference = reference or {"value": INT1}
        self.candidate = candidate or (lambda job: stream(job, {"value": INT1}))
        self.requests: list = []

    def run(self, request) -> RunResult:
        self.requests.append(request)
        is_reference = request.job["code"] == "REFERENCE = True\n"
        channel = stream(request.job, self.reference) if is_reference else self.candidate(request.job)
        return RunResult(channel=channel, stdout="", stderr="", exit_code=0)

    def candidate_requests(self):
        return [r for r in self.requests if r.job["code"] != "REFERENCE = True\n"]

    def close(self) -> None:
        pass


def engine_for(tmp_path, sandbox, **settings) -> tuple[Engine, object]:
    tasks, rubrics = write_task(tmp_path / "t", **settings.pop("task", {}))
    s = Settings(tasks_dir=tasks, rubrics_dir=rubrics, data_dir=tmp_path / "data", env="dev", **settings)
    return Engine(s, sandbox=sandbox), load_task("synthetic", tasks_dir=tasks, rubrics_dir=rubrics)


def submit(engine, code="x = 1\n"):
    return engine.grade(Submission(task_id="synthetic", code=code))


def test_consecutive_submissions_alternate_gpus(tmp_path):
    sandbox = Scripted()
    engine, _ = engine_for(tmp_path, sandbox, gpu_devices="0,1")
    reports = [submit(engine) for _ in range(4)]
    assert all(r.status is Status.graded for r in reports)
    assert [r.cuda_visible_devices for r in sandbox.candidate_requests()] == ["0", "1", "0", "1"]


def test_a_reference_that_raises_is_a_sandbox_error_never_a_match_and_is_not_cached(tmp_path):
    boom = {"error": {"type": "FileNotFoundError", "message": "no such dir", "traceback": ""}}
    sandbox = Scripted(reference=boom, candidate=lambda job: stream(job, boom))
    engine, _ = engine_for(tmp_path, sandbox)
    report = submit(engine)
    assert report.status is Status.sandbox_error and report.score is None and report.reference_failed
    assert (
        "synthetic" in report.message
        and "probe 'p', trial 0" in report.message
        and "FileNotFoundError" in report.message
    )
    assert not list((tmp_path / "data").rglob("*.json"))
    submit(engine)
    assert sum(1 for r in sandbox.requests if r.job["code"] == "REFERENCE = True\n") == 2  # retried, never cached


def test_a_declared_reference_error_is_ground_truth(tmp_path):
    boom = {"error": {"type": "RuntimeError", "message": "m", "traceback": ""}}
    sandbox = Scripted(reference=boom, candidate=lambda job: stream(job, boom))
    engine, _ = engine_for(tmp_path, sandbox, task={"reference_raises": "RuntimeError"})
    report = submit(engine)
    assert report.status is Status.graded and report.score == report.max_score
    sandbox.candidate = lambda job: stream(job, {"value": INT1})
    assert submit(engine).score == 0


def test_a_poisoned_cache_entry_is_never_used(tmp_path):
    sandbox = Scripted()
    engine, task = engine_for(tmp_path, sandbox)
    assert submit(engine).score == 1
    (entry,) = (tmp_path / "data" / "references").glob("*.json")
    boom = {"error": {"type": "FileNotFoundError", "message": "", "traceback": ""}}
    entry.write_text(json.dumps({"by_probe": {"p": {"0": boom, "1": boom}}}))
    fresh = Engine(engine.settings, sandbox=sandbox)  # a new process: nothing in memory
    report = submit(fresh)
    assert report.status is Status.graded and report.score == 1
    assert json.loads(entry.read_text())["by_probe"]["p"]["0"] == {"value": INT1}  # rewritten


def test_the_cache_key_covers_the_backend_and_the_salt(tmp_path):
    sandbox = Scripted()
    engine, _ = engine_for(tmp_path, sandbox)
    submit(engine)
    other = Scripted()
    other.backend = "other"
    submit(Engine(engine.settings, sandbox=other, cache=ReferenceCache(tmp_path / "data" / "references")))
    salted = Engine(
        engine.settings.model_copy(update={"seed_salt": SecretStr("s")}),
        sandbox=sandbox,
        cache=ReferenceCache(tmp_path / "data" / "references"),
    )
    submit(salted)
    assert len(list((tmp_path / "data" / "references").glob("*.json"))) == 3


@pytest.mark.parametrize(
    "forged",
    [
        {"value": {"kind": "tensor", "type": "torch.Tensor", "dtype": "float32", "shape": [3], "values": []}},
        {"value": {"kind": "int", "type": "int", "value": 10**400}},
        {"value": {"kind": "int", "type": "int"}},
        {"value": {"kind": "list", "type": "list", "items": [[[[]]]]}},
        {"value": {"kind": "float", "type": "float", "value": 1e308 * 10}},
    ],
)
def test_a_forged_or_malformed_observation_is_tampering_with_a_report(tmp_path, forged):
    sandbox = Scripted(candidate=lambda job: stream(job, forged))
    engine, _ = engine_for(tmp_path, sandbox)
    report = submit(engine)
    assert report.status is Status.runtime_error and report.score == 0
    assert "observation channel" in report.message


def test_deeply_nested_forgery_is_tampering_not_a_crash(tmp_path):
    def nested(job):
        deep = '{"kind": "list", "type": "list", "items": [' * 5000 + "]}" * 5000
        head = b'{"event": "start"}\n{"event": "ready"}\n'
        return head + b'{"event": "observation", "probe": "p", "trial": 0, "value": ' + deep.encode() + b"}\n"

    engine, _ = engine_for(tmp_path, Scripted(candidate=nested))
    report = submit(engine)
    assert report.status is Status.runtime_error and report.score == 0


def test_check_reference_finds_runs_that_differ(tmp_path):
    class Flaky(Scripted):
        n = 0

        def run(self, request):
            Flaky.n += 1
            self.reference = {"value": {"kind": "int", "type": "int", "value": Flaky.n}}
            return super().run(request)

    engine, task = engine_for(tmp_path, Flaky())
    defects = engine.check_reference(task)
    assert defects and "differ" in defects[0]
    steady, task = engine_for(tmp_path / "b", Scripted())
    assert steady.check_reference(task) == []
