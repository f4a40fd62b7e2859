"""Task and rubric loading: validation errors are clear, ids match folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.settings import Settings
from grader.taskspec import TaskInvalid, TaskNotFound, load_all, load_task

S = Settings()


def test_every_task_loads_with_at_least_four_checks_and_a_hidden_one():
    tasks = load_all(tasks_dir=S.tasks_dir, rubrics_dir=S.rubrics_dir)
    assert tasks
    for t in tasks:
        assert len(t.rubric.checks) >= 4, t.id
        assert any(c.hidden for c in t.rubric.checks), t.id
        assert not any(c.hidden for c in t.rubric.checks) or t.spec.statement.strip()
        probes = {c.probe for c in t.rubric.checks}
        for p in probes:
            assert f"def probe_{p}(" in t.spec.probes, f"{t.id}: probe_{p} missing"
        assert "reference" not in t.spec.public()


def test_unknown_and_path_like_ids_are_not_found():
    for bad in ("nope", "../tasks", ".hidden", ""):
        with pytest.raises(TaskNotFound):
            load_task(bad, tasks_dir=S.tasks_dir, rubrics_dir=S.rubrics_dir)


def test_a_broken_rubric_is_reported(tmp_path: Path):
    tasks, rubrics = tmp_path / "tasks", tmp_path / "rubrics"
    shutil.copytree(S.tasks_dir / "torch-linear-model", tasks / "torch-linear-model")
    rubrics.mkdir()
    (rubrics / "torch-linear-model.toml").write_text('task = "torch-linear-model"\n[[checks]]\nid = "x"\n')
    with pytest.raises(TaskInvalid, match="torch-linear-model"):
        load_task("torch-linear-model", tasks_dir=tasks, rubrics_dir=rubrics)


def test_fingerprint_follows_edits(tmp_path: Path):
    tasks, rubrics = tmp_path / "tasks", tmp_path / "rubrics"
    shutil.copytree(S.tasks_dir / "torch-linear-model", tasks / "torch-linear-model")
    shutil.copytree(S.rubrics_dir, rubrics)
    before = load_task("torch-linear-model", tasks_dir=tasks, rubrics_dir=rubrics).fingerprint
    with open(tasks / "torch-linear-model" / "probes.py", "a") as fh:
        fh.write("\n# edited\n")
    after = load_task("torch-linear-model", tasks_dir=tasks, rubrics_dir=rubrics).fingerprint
    assert before != after


def test_a_check_naming_a_missing_probe_is_a_load_error(tmp_path):
    import shutil

    from grader.settings import Settings
    from grader.taskspec import TaskInvalid, load_task

    s = Settings()
    shutil.copytree(s.tasks_dir / "numpy-standardize", tmp_path / "tasks" / "numpy-standardize")
    (tmp_path / "rubrics").mkdir()
    text = (s.rubrics_dir / "numpy-standardize.toml").read_text().replace('probe = "basic"', 'probe = "basci"', 1)
    (tmp_path / "rubrics" / "numpy-standardize.toml").write_text(text)
    import pytest

    with pytest.raises(TaskInvalid, match=r"numpy-standardize.toml line \d+: check 'output_shape' names probe 'basci'"):
        load_task("numpy-standardize", tasks_dir=tmp_path / "tasks", rubrics_dir=tmp_path / "rubrics")
