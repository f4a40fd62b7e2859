"""Hostile submissions: each is contained, gets a report with the right status and score, leaves
no process behind, and the next submission still grades right."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

import pytest

from tests.support.grading import IS_ROOT
from tests.support.hostile import (
    CORRECT,
    EXITS_AT_IMPORT,
    FAKE_REPORT,
    FORGED_ON_EVERY_FD,
    PATCHED_COMPARISONS,
    TASK,
    WRONG,
    WRONG_SCORE,
)

needs_root = pytest.mark.skipif(not IS_ROOT, reason="namespaces, cgroups and the sandbox uid need root")


def processes_with(token: str) -> list[int]:
    """Pids whose command line contains token (a marker the hostile code puts on its children)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if token.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


@pytest.fixture(params=["process", "pool"])
def grade_code(request):
    """Every hostile case runs on both backends: a fresh process, and a warm pooled sandbox."""
    return request.getfixturevalue("grade_code" if request.param == "process" else "grade_code_pooled")


@pytest.fixture
def next_grades_right(grade_code):
    """After each hostile test, a correct submission still gets full marks."""
    yield
    report = grade_code(TASK, CORRECT)
    assert report.status.value == "graded" and report.score == report.max_score


pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("next_grades_right")]


def test_fake_report_on_stdout_gains_nothing(grade_code):
    report = grade_code(TASK, f"print({FAKE_REPORT!r})\n" + WRONG)
    assert report.score == WRONG_SCORE
    assert FAKE_REPORT in report.stdout  # captured for the interviewer, never parsed


def test_forged_data_on_every_fd_gains_nothing(grade_code):
    report = grade_code(TASK, FORGED_ON_EVERY_FD)
    assert report.score == 0
    assert report.status.value == "runtime_error"
    assert "observation channel" in report.message


def test_patched_comparisons_gain_nothing(grade_code):
    report = grade_code(TASK, PATCHED_COMPARISONS)
    assert report.status.value == "graded"
    assert report.score == WRONG_SCORE


def test_float_subclass_that_equals_everything_is_seen_as_its_value(grade_code):
    code = """
import torch
class Liar(torch.Tensor):
    def __eq__(self, other):
        return True
    def allclose(self, *a, **k):
        return True
class MyModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = torch.nn.Linear(2, 1)
    def forward(self, inputs):
        return (self.dense(inputs) * 0 + 7).as_subclass(Liar)
"""
    report = grade_code(TASK, code)
    assert report.status.value == "graded"
    assert report.score == WRONG_SCORE


@pytest.mark.parametrize("code", [70, 71, 1])
def test_exiting_with_the_launchers_own_codes_inside_forward_is_the_candidates_runtime_error(grade_code, code):
    # The launcher reports its own failures on a descriptor the candidate never holds, so no exit
    # code a submission picks passes for a grader fault.
    hostile = CORRECT.replace("return self.dense(inputs)", f"import os; os._exit({code})")
    report = grade_code(TASK, hostile)
    assert report.status.value == "runtime_error", report.message
    assert f"exit code {code}" in report.message and report.score < report.max_score
    assert not [c for c in report.checks if c.passed and c.id in ("output_values", "trains")]


@pytest.mark.parametrize("exit_code", EXITS_AT_IMPORT)
def test_exit_at_import_is_a_runtime_error(grade_code, exit_code):
    report = grade_code(TASK, exit_code + "\n" + CORRECT)
    assert report.status.value == "runtime_error"
    assert report.score == 0


@needs_root
def test_killing_the_parent_fails_and_gains_nothing(grade_code):
    code = (
        """
import os, signal
for target in (os.getppid(), 1, -1):
    try:
        os.kill(target, signal.SIGKILL)
    except OSError as exc:
        print("kill", target, "failed:", type(exc).__name__)
try:
    group = os.getpgid(os.getppid())
    if group not in (0, os.getpgid(0)):  # not our own group: that would be suicide, not an attack
        os.killpg(group, signal.SIGKILL)
except OSError as exc:
    print("killpg failed:", type(exc).__name__)
"""
        + WRONG
    )
    report = grade_code(TASK, code)
    assert report.status.value == "graded"
    assert report.score == WRONG_SCORE
    assert "kill" in report.stdout and "failed" in report.stdout


@needs_root
def test_searching_the_disk_for_the_reference_finds_nothing(grade_code, settings):
    roots = [str(settings.tasks_dir), str(settings.rubrics_dir), str(settings.data_dir), str(Path(__file__).parent)]
    code = f"""
import os
found = []
# Other sandboxes' work dirs and anything the grader left in /tmp (the venv may live there too,
# bound back read-only for the interpreter: skip big files, nothing secret is that large).
scratch = [os.path.join("/tmp", n) for n in os.listdir("/tmp") if n.startswith(("dlgrader", "pytest"))]
for root in {roots!r} + scratch:
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames:
            path = os.path.join(dirpath, name)
            if path.startswith(os.getcwd()):
                continue  # its own submission file
            try:
                if os.path.getsize(path) > 1 << 20:
                    continue
                with open(path, errors="ignore") as fh:
                    text = fh.read()
            except OSError:
                continue
            if "class MyModel" in text or "by_probe" in text:
                found.append(path)
print("FOUND", found)
for path in found:
    try:
        exec(open(path).read())
        break
    except Exception:
        pass
else:
{chr(10).join("    " + line for line in WRONG.strip().splitlines())}
"""
    report = grade_code(TASK, code)
    assert "FOUND []" in report.stdout, report.stdout
    assert report.score == WRONG_SCORE


@needs_root
def test_sandbox_runs_unprivileged_with_scrubbed_env_and_closed_stdin(grade_code, monkeypatch):
    monkeypatch.setenv("GRADER_WEBHOOK_SECRET", "s3cret-value")
    monkeypatch.setenv("GRADER_BROKER_URL", "redis://127.0.0.1:6379/0")
    code = (
        """
import os, sys
print("UID", os.getuid(), os.geteuid(), os.getgid())
print("ENV", sorted(os.environ))
print("STDIN", repr(sys.stdin.read()))
print("SECRET" if "s3cret" in str(os.environ) else "CLEAN")
"""
        + CORRECT
    )
    report = grade_code(TASK, code)
    assert report.score == report.max_score
    assert "UID 65534 65534 65534" in report.stdout
    assert "CLEAN" in report.stdout and "GRADER_" not in report.stdout
    assert "STDIN ''" in report.stdout


@needs_root
def test_network_is_unreachable(grade_code):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.5)
    port = server.getsockname()[1]
    code = (
        f"""
import socket
for port in ({port}, 6379, 5432):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2)
        print("CONNECTED", port)
    except OSError as exc:
        print("BLOCKED", port, type(exc).__name__)
"""
        + CORRECT
    )
    report = grade_code(TASK, code)
    assert "CONNECTED" not in report.stdout
    assert f"BLOCKED {port}" in report.stdout
    with pytest.raises(socket.timeout):
        server.accept()
    server.close()
    assert report.score == report.max_score
    assert not any("network" in w for w in report.warnings)


@needs_root
def test_writes_outside_the_work_dir_fail_and_nothing_is_left(grade_code, settings):
    token = uuid.uuid4().hex
    targets = [
        f"/tmp/pwned-{token}",
        f"/var/tmp/pwned-{token}",
        f"/dev/shm/pwned-{token}",
        str(settings.tasks_dir / f"pwned-{token}"),
    ]
    code = (
        f"""
import os
for path in {targets!r}:
    try:
        with open(path, "w") as fh:
            fh.write("x")
        print("WROTE", path)
    except OSError as exc:
        print("DENIED", path, type(exc).__name__)
with open("scratch.txt", "w") as fh:  # the private work dir is writable
    fh.write("ok")
print("WORKDIR", os.getcwd())
"""
        + CORRECT
    )
    report = grade_code(TASK, code)
    assert report.score == report.max_score
    for path in targets:
        assert not Path(path).exists(), path
    workdir = report.stdout.split("WORKDIR ")[1].split()[0]
    assert not Path(workdir).exists()  # removed afterwards


@needs_root
def test_infinite_loop_times_out_and_its_setsid_children_die(grade_code):
    token = uuid.uuid4().hex
    code = (
        f"""
import os, subprocess
if os.fork() == 0:
    os.setsid()
    os.execv("/bin/sleep", ["/bin/sleep", "1000 {token}"] if False else ["/bin/sh", "-c", "sleep 1000; echo {token}"])
while True:
    pass
"""
        + CORRECT
    )
    report = grade_code(TASK, code, timeout_s=6)
    assert report.status.value == "timeout"
    assert report.score == 0
    assert processes_with(token) == []


@needs_root
def test_memory_bomb_is_memory_exceeded(grade_code):
    code = (
        """
blocks = []
while True:
    blocks.append(b"\\x01" * (64 * 2**20))
"""
        + CORRECT
    )
    report = grade_code(TASK, code, memory_mb=700, timeout_s=60)
    assert report.status.value == "memory_exceeded", report.message
    assert report.score == 0


@needs_root
def test_fork_storm_is_contained(grade_code):
    token = uuid.uuid4().hex
    code = (
        f"""
import os
os.environ["MARK"] = "{token}"
while True:
    try:
        if os.fork() == 0:
            os.execv("/bin/sh", ["/bin/sh", "-c", "sleep 1000; echo {token}"])
    except OSError:
        pass
"""
        + CORRECT
    )
    report = grade_code(TASK, code, timeout_s=8)
    assert report.status.value == "timeout"
    assert report.score == 0
    assert processes_with(token) == []


def test_huge_output_is_capped(grade_code, settings):
    code = (
        """
import sys
chunk = "x" * (1 << 20)
for _ in range(200):
    sys.stdout.write(chunk)
sys.stdout.flush()
"""
        + CORRECT
    )
    report = grade_code(TASK, code)
    assert report.score == report.max_score
    cap = settings.output_cap_kib * 1024
    assert len(report.stdout) < cap + 200
    assert "more bytes not kept" in report.stdout


def test_probe_results_before_a_crash_are_kept(grade_code):
    # forward works on the first calls, then the process dies mid-grading: earlier checks keep points.
    code = (
        CORRECT
        + """
import os
_calls = [0]
_forward = MyModel.forward
def forward(self, inputs):
    _calls[0] += 1
    if _calls[0] > 4:
        os._exit(0)
    return _forward(self, inputs)
MyModel.forward = forward
"""
    )
    report = grade_code(TASK, code)
    assert report.status.value == "runtime_error"
    passed = {c.id for c in report.checks if c.passed}
    assert {"is_module", "one_linear_2_1", "output_shape"} <= passed
    assert "trains" not in passed


def test_segfault_is_crashed(grade_code):
    code = "import ctypes\nctypes.string_at(0)\n" + CORRECT
    report = grade_code(TASK, code)
    assert report.status.value == "crashed"
    assert "SIGSEGV" in report.message
    assert report.score == 0
