"""`grader batch` and similarity: each result's `similar` files in results.jsonl (same task only),
and summary.html's flagged pairs side by side, escaped."""

from __future__ import annotations

import json
from pathlib import Path

from grader.batch import items as batch
from grader.batch import summary
from grader.batch.items import Item, Record, Similar
from grader.settings import Settings
from grader.similarity.disguise import disguise
from grader.taskspec import load_task
from tests.support.cli import grader
from tests.support.grading import VARIANTS

TASK = "numpy-standardize"
OTHER = "torch-fix-shape"


def starter(task_id: str) -> str:
    return load_task(task_id, tasks_dir=Settings().tasks_dir, rubrics_dir=Settings().rubrics_dir).spec.starter


def test_similar_of_compares_files_of_the_same_task_only(tmp_path):
    original = (VARIANTS / TASK / "correct_loop_columns.py").read_text()
    files = {
        "orig": original,
        "copy": disguise(original, "combined", starter=starter(TASK), seed=3),
        "indep": (VARIANTS / TASK / "correct_nan_to_num.py").read_text(),
    }
    items = []
    for cid, code in files.items():
        (tmp_path / f"{cid}.py").write_text(code)
        items.append(Item(cid, TASK, tmp_path / f"{cid}.py", ""))
    (tmp_path / "same.py").write_text(original)  # identical code, but for another task
    items.append(Item("same", OTHER, tmp_path / "same.py", ""))
    items.append(Item("gone", TASK, tmp_path / "gone.py", ""))  # unreadable: left out
    out = batch.similar_of(items, {TASK: starter(TASK), OTHER: starter(OTHER)}, max_kib=64)
    assert out[("copy", TASK)][0].candidate_id == "orig" and out[("copy", TASK)][0].flagged
    assert out[("orig", TASK)][0].candidate_id == "copy"
    assert not any(s.flagged for s in out[("indep", TASK)])
    assert out[("same", OTHER)] == []
    assert ("gone", TASK) not in out
    assert all(s.candidate_id != "same" for v in out.values() for s in v)


EVIL = "<script>alert(1)</script>"


def test_summary_shows_each_flagged_pair_once_with_marked_lines_escaped():
    a = Record(
        candidate_id="a" + EVIL,
        task_id="t",
        file="a.py",
        status="rejected",
        score=None,
        max_score=1,
        similar=[
            Similar(candidate_id="b", file="b.py", score=0.9, shared_tokens=40, flagged=True, regions=[(2, 2, 1, 1)])
        ],
    )
    b = a.model_copy(
        update={
            "candidate_id": "b",
            "file": "b.py",
            "similar": [
                Similar(
                    candidate_id=a.candidate_id,
                    file="a.py",
                    score=0.9,
                    shared_tokens=40,
                    flagged=True,
                    regions=[(1, 1, 2, 2)],
                ),
                Similar(candidate_id="c", file="c.py", score=0.3, shared_tokens=5, flagged=False),
            ],
        }
    )
    html = summary.render([a, b], sources={"a.py": f"x = 1\ny = '{EVIL}'\n", "b.py": f"y = '{EVIL}'\n"})
    assert EVIL not in html
    assert html.count('class="flagged"') == 1 and "Flagged similar pairs" in html
    assert html.count("<mark>") == 2 and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "source not available" not in html
    plain = summary.render([a.model_copy(update={"similar": []})])
    assert "Flagged similar pairs" not in plain


def test_batch_writes_similar_and_the_flagged_section(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    original = (VARIANTS / TASK / "correct_loop_columns.py").read_text()
    (folder / "orig.py").write_text(original)
    (folder / "copy.py").write_text(disguise(original, "combined", starter=starter(TASK), seed=3))
    (folder / "indep.py").write_text((VARIANTS / TASK / "correct_nan_to_num.py").read_text())
    out = tmp_path / "out"
    env = {"GRADER_DATA_DIR": str(tmp_path / "data"), "GRADER_BROKER_URL": ""}
    r = grader("batch", str(folder), "--task", TASK, "--out", str(out), "--jobs", "2", env_extra=env)
    assert r.returncode == 0, r.stderr
    recs = {json.loads(line)["candidate_id"]: json.loads(line) for line in (out / "results.jsonl").open()}
    assert set(recs) == {"orig", "copy", "indep"}
    top = recs["copy"]["similar"][0]
    assert set(top) >= {"file", "score", "shared_tokens", "flagged"}
    assert top["candidate_id"] == "orig" and Path(top["file"]).name == "orig.py" and top["flagged"]
    assert not any(s["flagged"] for s in recs["indep"]["similar"])
    html = (out / "summary.html").read_text()
    assert html.count('class="flagged"') == 1 and 'data-a="copy" data-b="orig"' in html
    assert "<mark>" in html and "source not available" not in html
