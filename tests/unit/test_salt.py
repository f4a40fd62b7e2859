"""The secret seed salt: generated once per deployment, 0600 on disk, refused empty outside dev."""

from __future__ import annotations

import stat

import pytest

from grader import salt
from grader.engine import Engine
from grader.grading import plan
from grader.settings import Settings


def test_the_cli_salt_is_generated_once_into_a_private_file(tmp_path):
    a = salt.file_salt(tmp_path)
    assert len(bytes.fromhex(a)) == 32
    assert salt.file_salt(tmp_path) == a
    mode = (tmp_path / salt.FILE_NAME).stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    assert salt.file_salt(tmp_path / "other") != a


def test_an_unset_salt_is_resolved_and_changes_the_hidden_inputs(tmp_path):
    s = Settings(data_dir=tmp_path, env="dev")
    assert s.seed_salt is None
    engine = Engine(s, sandbox=object())
    assert engine.settings.salt == salt.file_salt(tmp_path)
    task = engine.task("numpy-standardize")
    assert plan(task, salt=engine.settings.salt) != plan(task, salt="")
    assert Engine(Settings(data_dir=tmp_path, env="dev", seed_salt="x"), sandbox=object()).settings.salt == "x"


def test_an_empty_salt_is_refused_outside_dev(tmp_path):
    with pytest.raises(ValueError, match="GRADER_SEED_SALT"):
        Settings(data_dir=tmp_path, env="prod", webhook_secret="s", seed_salt="")
    assert Settings(data_dir=tmp_path, env="dev", seed_salt="").salt == ""
