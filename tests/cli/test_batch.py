"""`grader batch`: manifests, the results log and resume, CSV columns, the local grader loop, and
the command itself through real subprocesses (50 files, interrupted, then --resume)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from grader.batch import items as batch
from grader.batch.items import Item, ManifestError, Record, ResultsError, ResultsLog
from grader.models import CheckResult, Environment, Report, Status, Submission
from grader.settings import Settings
from grader.taskspec import load_task
from tests.support.grading import VARIANTS, parse_expectation

TASK = "numpy-standardize"
MAX = load_task(TASK, tasks_dir=Settings().tasks_dir, rubrics_dir=Settings().rubrics_dir).rubric.max_score
CORRECT_VARIANT = "correct_loop_columns"


# ---------------------------------------------------------------- helpers


def report(
    cid: str, task: str = "t", *, status: str = "graded", checks=(("a", 1.0, True), ("b", 2.0, False))
) -> Report:
    results = [
        CheckResult(id=c, title=c, points=p if ok else 0.0, max_points=p, passed=ok, feedback="", hidden=False)
        for c, p, ok in checks
    ]
    score = None if status == "sandbox_error" else sum(r.points for r in results)
    return Report(
        task_id=task,
        task_version="1",
        candidate_id=cid,
        status=Status(status),
        score=score,
        max_score=sum(p for _, p, _ in checks),
        checks=results,
        duration_s=0.1,
        environment=Environment(python="3.11"),
        submission_sha256="0" * 64,
        graded_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def rec(cid: str, task: str = "t", status: str = "graded", **kw) -> Record:
    return batch.record_of(Item(cid, task, Path(f"{cid}.py"), f"{cid}.py"), report(cid, task, status=status, **kw))


# ---------------------------------------------------------------- what to grade


def test_folder_items_are_py_files_by_stem_sorted(tmp_path):
    for name in ("bob.py", "alice.py", ".hidden.py", "notes.txt"):
        (tmp_path / name).write_text("x = 1\n")
    (tmp_path / "sub.py").mkdir()
    items = batch.load_items(tmp_path, TASK)
    assert [(i.candidate_id, i.task_id, i.path.name) for i in items] == [
        ("alice", TASK, "alice.py"),
        ("bob", TASK, "bob.py"),
    ]


def test_folder_needs_task_and_some_files(tmp_path):
    with pytest.raises(ManifestError, match="needs --task"):
        batch.load_items(tmp_path, None)
    with pytest.raises(ManifestError, match="no .py files"):
        batch.load_items(tmp_path, TASK)


def test_csv_manifest_resolves_paths_against_its_folder_and_defaults_task(tmp_path):
    m = tmp_path / "cohort" / "m.csv"
    m.parent.mkdir()
    m.write_text(
        "\ufeffcandidate_id,task_id,path,extra\nann,other-task,subs/ann.py,x\nben,,/abs/ben.py,y\n", encoding="utf-8"
    )
    items = batch.load_items(m, TASK)
    assert [(i.candidate_id, i.task_id, i.path) for i in items] == [
        ("ann", "other-task", m.parent / "subs" / "ann.py"),
        ("ben", TASK, Path("/abs/ben.py")),
    ]
    assert items[1].where == "m.csv line 3"


@pytest.mark.parametrize(
    "text, task, message",
    [
        (
            "candidate_id,file\nann,a.py\n",
            TASK,
            "m.csv line 1: the header must name candidate_id and path (missing path)",
        ),
        ("candidate_id,path\nann,a.py\n,b.py\n", TASK, "m.csv line 3: missing candidate_id"),
        ("candidate_id,path\nann,a.py\nben,\n", TASK, "m.csv line 3: missing path"),
        ("candidate_id,path\nann,a.py\n", None, "m.csv line 2: no task_id and no --task"),
        ('candidate_id,path\n"ann\nsmith",a.py\nann,a.py\nann\n', TASK, "m.csv line 5: missing path"),
        ("candidate_id,path\nann,a.py,extra\n", TASK, "m.csv line 2: more fields than the header has"),
        (
            "candidate_id,path\nann,a.py\nbob,b.py\nann,c.py\n",
            TASK,
            "m.csv line 4: candidate 'ann' for task 'numpy-standardize' is already listed (m.csv line 2)",
        ),
        ("candidate_id,path\n", TASK, "m.csv: the manifest lists no candidates"),
    ],
)
def test_csv_manifest_errors_name_the_line(tmp_path, text, task, message):
    m = tmp_path / "m.csv"
    m.write_text(text)
    with pytest.raises(ManifestError) as exc:
        batch.load_items(m, task)
    assert str(exc.value) == message


def test_jsonl_manifest(tmp_path):
    m = tmp_path / "m.jsonl"
    m.write_text('{"candidate_id": 17, "path": "a.py"}\n\n{"candidate_id": "b", "path": "b.py", "task_id": "x"}\n')
    items = batch.load_items(m, TASK)
    assert [(i.candidate_id, i.task_id, i.path, i.where) for i in items] == [
        ("17", TASK, tmp_path / "a.py", "m.jsonl line 1"),
        ("b", "x", tmp_path / "b.py", "m.jsonl line 3"),
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"candidate_id": "a", "path": "a.py"}\n{"candidate_id": "b", "path": \n', "m.jsonl line 2: not valid JSON"),
        ('["a", "a.py"]\n', "m.jsonl line 1: expected a JSON object"),
        ('{"candidate_id": "a", "path": ["a.py"]}\n', "m.jsonl line 1: path must be a string"),
        ('{"candidate_id": "a"}\n', "m.jsonl line 1: missing path"),
    ],
)
def test_jsonl_manifest_errors_name_the_line(tmp_path, text, message):
    m = tmp_path / "m.jsonl"
    m.write_text(text)
    with pytest.raises(ManifestError, match=message.replace("(", r"\(").replace("[", r"\[")):
        batch.load_items(m, TASK)


def test_other_inputs_are_refused(tmp_path):
    with pytest.raises(ManifestError, match="no such file or folder"):
        batch.load_items(tmp_path / "missing", TASK)
    (tmp_path / "m.txt").write_text("x")
    with pytest.raises(ManifestError, match="expected a folder, a .csv or a .jsonl"):
        batch.load_items(tmp_path / "m.txt", TASK)
    (tmp_path / "m.csv").write_bytes(b"candidate_id,path\n\xff,a.py\n")
    with pytest.raises(ManifestError, match="not UTF-8"):
        batch.load_items(tmp_path / "m.csv", TASK)


# ---------------------------------------------------------------- results log and resume


def test_log_appends_whole_lines_and_reads_them_back(tmp_path):
    path = tmp_path / "results.jsonl"
    log = ResultsLog(path, resume=False)
    log.append(rec("a"))
    log.append(rec("b", status="sandbox_error"))
    log.close()
    assert path.read_bytes().count(b"\n") == 2
    records, good, partial = batch.read_log(path)
    assert [(r.candidate_id, r.status, r.score) for r in records] == [
        ("a", "graded", 1.0),
        ("b", "sandbox_error", None),
    ]
    assert records[0].report.checks[1].id == "b" and good == path.stat().st_size and not partial


def test_existing_results_are_refused_without_resume(tmp_path):
    path = tmp_path / "results.jsonl"
    log = ResultsLog(path, resume=False)
    log.append(rec("a"))
    log.close()
    with pytest.raises(ResultsError, match="already holds 1 result"):
        ResultsLog(path, resume=False)
    assert batch.read_log(path)[0][0].candidate_id == "a"  # untouched


def test_resume_drops_a_cut_short_last_line_and_appends_after_the_good_part(tmp_path):
    path = tmp_path / "results.jsonl"
    whole = rec("a").model_dump_json() + "\n"
    path.write_text(whole + rec("b").model_dump_json()[:57])  # killed mid-write
    log = ResultsLog(path, resume=True)
    assert log.dropped_partial and [r.candidate_id for r in log.previous] == ["a"]
    log.append(rec("b"))
    log.close()
    assert [r.candidate_id for r in batch.read_log(path)[0]] == ["a", "b"]


def test_a_corrupt_line_before_the_end_is_an_error(tmp_path):
    path = tmp_path / "results.jsonl"
    path.write_text(rec("a").model_dump_json() + "\n{not json\n" + rec("b").model_dump_json() + "\n")
    with pytest.raises(ResultsError, match="results.jsonl line 2"):
        batch.read_log(path)


def test_to_do_skips_done_pairs_and_retries_sandbox_errors():
    items = [Item(c, t, Path(f"{c}.py"), "") for c in ("a", "b", "c", "d") for t in ("t", "u")]
    done = [
        rec("a"),
        rec("b", status="sandbox_error"),
        rec("c", status="sandbox_error"),
        rec("c"),
        rec("d", "u", status="timeout"),
    ]
    todo = [(i.candidate_id, i.task_id) for i in batch.to_do(items, done)]
    assert todo == [("a", "u"), ("b", "t"), ("b", "u"), ("c", "u"), ("d", "t")]


# ---------------------------------------------------------------- results.csv


def test_csv_has_fixed_columns_then_task_prefixed_checks_for_every_task():
    records = [
        rec("zed", "t"),
        rec("amy", "u", checks=(("x", 2.0, True),)),
        rec("amy", "t", status="sandbox_error"),
        rec("amy", "t"),  # a retry: the latest line wins
        batch.rejected(Item("=cmd|' /C calc'!A0", "t", Path("e.py"), ""), 3.0, "e.py: not UTF-8 text"),
    ]
    header, rows = batch.csv_table(records)
    assert header == ["candidate_id", "task_id", "status", "score", "max_score", "t:a", "t:b", "u:x", "message"]
    assert rows == [
        ["'=cmd|' /C calc'!A0", "t", "rejected", "", "3", "", "", "", "e.py: not UTF-8 text"],
        ["amy", "t", "graded", "1", "3", "1", "0", "", ""],
        ["amy", "u", "graded", "2", "2", "", "", "2", ""],
        ["zed", "t", "graded", "1", "3", "1", "0", "", ""],
    ]
    parsed = list(csv.reader(io.StringIO(batch.to_csv(records))))
    assert parsed[0] == header and parsed[1:] == rows


def test_csv_leaves_check_cells_empty_for_sandbox_errors():
    _, rows = batch.csv_table([rec("a", status="sandbox_error")])
    assert rows == [["a", "t", "sandbox_error", "", "3", "", "", ""]]


# ---------------------------------------------------------------- the grading loop


def subs(n: int) -> list[Submission]:
    return [Submission(task_id="t", code=f"# {i}", candidate_id=f"c{i}") for i in range(n)]


def test_grade_locally_runs_jobs_at_once_and_starts_nothing_after_a_stop():
    running, peak, lock, stop = [0], [0], threading.Lock(), batch.Stop()

    def grade(sub: Submission) -> Report:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return report(sub.candidate_id)

    got = []
    for sub, r in batch.grade_locally(grade, subs(20), jobs=3, stop=stop, max_scores={"t": 3}):
        assert r.candidate_id == sub.candidate_id
        got.append(sub.candidate_id)
        if len(got) == 4:
            stop.signal = signal.SIGINT
    assert peak[0] == 3
    assert 4 <= len(got) <= 4 + 3 - 1 and len(set(got)) == len(got)  # only the gradings in flight finished


def test_grade_locally_turns_a_grader_exception_into_a_sandbox_error():
    def grade(sub: Submission) -> Report:
        raise RuntimeError("boom")

    [(_, r)] = list(batch.grade_locally(grade, subs(1), jobs=2, stop=batch.Stop(), max_scores={"t": 3}))
    assert (
        r.status is Status.sandbox_error and r.score is None and r.max_score == 3 and "RuntimeError: boom" in r.message
    )


def test_run_batch_records_unreadable_files_as_rejected_and_grades_the_rest(tmp_path):
    (tmp_path / "ok.py").write_text("x = 1\n")
    (tmp_path / "bad.py").write_bytes(b"\xff\xfe")
    (tmp_path / "big.py").write_text("#" * 3000)
    items = [Item(n, "t", tmp_path / f"{n}.py", "") for n in ("ok", "bad", "big", "gone")]
    log = ResultsLog(tmp_path / "results.jsonl", resume=False)
    seen = []

    def grade_many(submissions):
        for s in submissions:
            yield s, report(s.candidate_id)

    batch.run_batch(items, grade_many=grade_many, log=log, max_scores={"t": 3.0}, max_kib=2, on_record=seen.append)
    log.close()
    by_id = {r.candidate_id: r for r in batch.read_log(tmp_path / "results.jsonl")[0]}
    assert [r.candidate_id for r in seen] == ["bad", "big", "gone", "ok"]
    assert by_id["ok"].status == "graded" and by_id["ok"].report is not None
    for cid, why in (("bad", "not UTF-8"), ("big", "over the 2 KiB limit"), ("gone", "no such file")):
        assert (
            by_id[cid].status == "rejected"
            and by_id[cid].score is None
            and by_id[cid].max_score == 3.0
            and why in by_id[cid].message
        )


# ---------------------------------------------------------------- the command, as a user runs it


def grader(*args, env, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
        **kw,
    )


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    return {"GRADER_DATA_DIR": str(tmp_path_factory.mktemp("batch-data")), "GRADER_BROKER_URL": ""}


def expected_score(code: str) -> float:
    """Full marks less the points of the checks the variant's `# expect:` line says it fails."""
    rubric = load_task(TASK, tasks_dir=Settings().tasks_dir, rubrics_dir=Settings().rubrics_dir).rubric
    exp = parse_expectation(code)
    assert exp["status"] == "graded"
    return rubric.max_score - sum(c.points for c in rubric.checks if c.id in exp["fail"])


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> tuple[Path, dict[str, float]]:
    """50 candidate files (copies of the numpy-standardize variants) and each one's expected score."""
    folder = tmp_path_factory.mktemp("cohort")
    variants = sorted((VARIANTS / TASK).glob("*.py"))
    expected = {}
    for i in range(50):
        v = variants[i % len(variants)]
        cid = f"cand{i:02d}-{v.stem}"
        (folder / f"{cid}.py").write_text(v.read_text())
        expected[cid] = expected_score(v.read_text())
    assert len(set(expected.values())) > 3  # a real mix of scores
    return folder, expected


def lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def interrupt_when(proc: subprocess.Popen, log: Path, at_least: int, sig: int) -> None:
    deadline = time.monotonic() + 240
    while lines(log) < at_least:
        assert proc.poll() is None, f"finished before it could be interrupted: {proc.communicate()}"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(sig)


@pytest.mark.slow
def test_fifty_files_interrupted_twice_then_resumed(cohort, env, tmp_path):
    folder, expected = cohort
    out = tmp_path / "out"
    log = out / "results.jsonl"
    cmd = [sys.executable, "-m", "grader", "batch", str(folder), "--task", TASK, "--out", str(out), "--jobs", "2"]
    started = time.monotonic()

    # 1. Ctrl-C: the gradings in flight finish and are recorded, nothing new starts, exit 130.
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **env})
    interrupt_when(proc, log, 5, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    first = lines(log)
    assert 5 <= first < 50 and "--resume" in err
    assert "not graded yet" in (out / "summary.html").read_text()  # outputs rebuilt from what was done
    assert len(list(csv.reader((out / "results.csv").open()))) == 1 + first

    # Without --resume the results are not overwritten or mixed.
    again = grader("batch", str(folder), "--task", TASK, "--out", str(out), env=env)
    assert again.returncode == 2 and "--resume" in again.stderr and lines(log) == first

    # 2. SIGKILL during the resumed run, then a half-written line as a kill mid-write leaves it.
    proc = subprocess.Popen(
        cmd + ["--resume"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **env}
    )
    interrupt_when(proc, log, first + 5, signal.SIGKILL)
    proc.communicate(timeout=60)
    second = lines(log)
    assert second < 50
    done = {json.loads(line)["candidate_id"] for line in log.read_text().splitlines()}
    pending = sorted(set(expected) - done)
    with log.open("a") as f:
        f.write(json.dumps({"candidate_id": pending[0], "task_id": TASK, "status": "graded", "score": MAX})[:40])

    # 3. --resume finishes the rest: exactly 50 rows, each candidate once, the expected scores.
    final = grader("batch", str(folder), "--task", TASK, "--out", str(out), "--jobs", "2", "--resume", env=env)
    assert final.returncode == 0, final.stderr
    assert "incomplete last line" in final.stderr and f"{second} of 50 already done" in final.stderr
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(records) == 50 and len({r["candidate_id"] for r in records}) == 50  # nothing graded twice
    rows = list(csv.DictReader((out / "results.csv").open()))
    assert len(rows) == 50 and {r["candidate_id"] for r in rows} == set(expected)
    assert {r["candidate_id"]: float(r["score"]) for r in rows} == expected
    assert all(r["status"] == "graded" and float(r["max_score"]) == MAX for r in rows)
    values_points = next(
        c.points
        for c in load_task(TASK, tasks_dir=Settings().tasks_dir, rubrics_dir=Settings().rubrics_dir).rubric.checks
        if c.id == "values"
    )
    assert float(rows[0][f"{TASK}:values"]) in (0.0, values_points)
    html = (out / "summary.html").read_text()
    assert "graded: 50" in html and "not graded yet" not in html
    print(f"50 files, two interruptions, resumed: {time.monotonic() - started:.1f} s")


def test_manifest_with_unreadable_and_missing_files_exits_0_with_rejected_rows(env, tmp_path):
    good = (VARIANTS / TASK / f"{CORRECT_VARIANT}.py").read_text()
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "ok.py").write_text(good)
    (tmp_path / "subs" / "latin1.py").write_bytes("# caf\xe9\n".encode("latin-1"))
    m = tmp_path / "m.jsonl"
    m.write_text(
        "".join(
            json.dumps(r) + "\n"
            for r in [
                {"candidate_id": "<script>alert(1)</script>", "task_id": TASK, "path": "subs/ok.py"},
                {"candidate_id": "latin", "task_id": TASK, "path": "subs/latin1.py"},
                {"candidate_id": "nobody", "task_id": TASK, "path": "subs/nobody.py"},
            ]
        )
    )
    out = tmp_path / "out"
    # --local: grade here even with a broker configured (nothing listens on port 1)
    r = grader(
        "batch",
        str(m),
        "--out",
        str(out),
        "--jobs",
        "2",
        "--local",
        env={**env, "GRADER_BROKER_URL": "redis://127.0.0.1:1/0"},
    )
    assert r.returncode == 0, r.stderr
    rows = {row["candidate_id"]: row for row in csv.DictReader((out / "results.csv").open())}
    assert float(rows["<script>alert(1)</script>"]["score"]) == MAX
    assert rows["latin"]["status"] == "rejected" and "not UTF-8" in rows["latin"]["message"]
    assert rows["nobody"]["status"] == "rejected" and "no such file" in rows["nobody"]["message"]
    html = (out / "summary.html").read_text()
    assert "<script>alert(1)" not in html and "rejected: 2" in html
    assert "3 result(s)" in r.stdout


@pytest.mark.parametrize(
    "make, args, needle",
    [
        (None, ["batch", "{tmp}/missing", "--task", TASK, "--out", "{tmp}/o"], "no such file or folder"),
        ("folder", ["batch", "{tmp}/in", "--out", "{tmp}/o"], "needs --task"),
        ("folder", ["batch", "{tmp}/in", "--task", "no-such-task", "--out", "{tmp}/o"], "unknown task 'no-such-task'"),
        ("manifest", ["batch", "{tmp}/m.csv", "--out", "{tmp}/o"], "m.csv line 3: missing path"),
        ("unknown", ["batch", "{tmp}/m.csv", "--out", "{tmp}/o"], "m.csv line 2: unknown task 'nope'"),
        ("folder", ["batch", "{tmp}/in", "--task", TASK, "--out", "{tmp}/in/a.py"], "exists and is not a folder"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(env, tmp_path, make, args, needle):
    if make == "folder":
        (tmp_path / "in").mkdir()
        (tmp_path / "in" / "a.py").write_text("x = 1\n")
    elif make == "manifest":
        (tmp_path / "m.csv").write_text(f"candidate_id,task_id,path\na,{TASK},a.py\nb,{TASK},\n")
    elif make == "unknown":
        (tmp_path / "m.csv").write_text("candidate_id,task_id,path\na,nope,a.py\n")
    r = grader(*[a.format(tmp=tmp_path) for a in args], env=env)
    assert r.returncode == 2
    err = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(err) == 1 and needle in err[0], r.stderr
    assert not (tmp_path / "o" / "results.jsonl").exists()


def test_sandbox_errors_exit_1_and_are_retried_on_resume(env, tmp_path):
    """A broken reference is the grader's fault: sandbox_error, exit 1; once fixed, --resume regrades."""
    settings = Settings()
    tasks, rubrics = tmp_path / "tasks", tmp_path / "rubrics"
    shutil.copytree(settings.tasks_dir / TASK, tasks / TASK)
    rubrics.mkdir()
    shutil.copy(settings.rubrics_dir / f"{TASK}.toml", rubrics)
    reference = (tasks / TASK / "reference.py").read_text()
    (tasks / TASK / "reference.py").write_text("raise RuntimeError('broken reference')\n" + reference)
    folder = tmp_path / "in"
    folder.mkdir()
    for name in (CORRECT_VARIANT, "bug_ddof1"):
        shutil.copy(VARIANTS / TASK / f"{name}.py", folder)
    env = {**env, "GRADER_TASKS_DIR": str(tasks), "GRADER_RUBRICS_DIR": str(rubrics)}
    out = tmp_path / "out"
    args = ["batch", str(folder), "--task", TASK, "--out", str(out), "--jobs", "2"]

    first = grader(*args, env=env)
    assert first.returncode == 1 and "2 sandbox_error" in first.stderr, first.stderr
    rows = list(csv.DictReader((out / "results.csv").open()))
    assert [(r["status"], r["score"]) for r in rows] == [("sandbox_error", ""), ("sandbox_error", "")]

    (tasks / TASK / "reference.py").write_text(reference)
    second = grader(*args, "--resume", env=env)
    assert second.returncode == 0, second.stderr
    assert lines(out / "results.jsonl") == 4  # the retries are appended; the latest record wins
    rows = {r["candidate_id"]: r for r in csv.DictReader((out / "results.csv").open())}
    assert {c: r["status"] for c, r in rows.items()} == {"bug_ddof1": "graded", CORRECT_VARIANT: "graded"}
    assert {c: float(r["score"]) for c, r in rows.items()} == {
        c: expected_score((folder / f"{c}.py").read_text()) for c in rows
    }
    assert float(rows["bug_ddof1"]["score"]) < MAX == float(rows[CORRECT_VARIANT]["score"])
