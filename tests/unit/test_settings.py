"""Settings say what they mean: choices are checked, lists are lists, secrets are not printed."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from grader.settings import Settings


def test_gpu_devices_come_from_a_comma_list(monkeypatch, tmp_path):
    monkeypatch.setenv("GRADER_GPU_DEVICES", "0, 1")
    assert Settings(data_dir=tmp_path).gpu_devices == ["0", "1"]
    monkeypatch.setenv("GRADER_GPU_DEVICES", "")
    assert Settings(data_dir=tmp_path).gpu_devices == []


def test_a_gpu_device_that_is_not_an_index_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("GRADER_GPU_DEVICES", "cuda:0")
    with pytest.raises(ValidationError, match="GPU indexes"):
        Settings(data_dir=tmp_path)


@pytest.mark.parametrize(
    ("name", "bad"), [("isolation", "stricter"), ("sandbox", "vm"), ("pool_mode", "thread"), ("env", "production")]
)
def test_choices_outside_their_set_are_refused(name, bad, tmp_path):
    with pytest.raises(ValidationError, match=name):
        Settings(data_dir=tmp_path, **{name: bad})


def test_secrets_are_not_in_the_settings_repr(tmp_path):
    s = Settings(data_dir=tmp_path, webhook_secret="whsec-top-secret", seed_salt="salt-top-secret")
    assert "top-secret" not in repr(s) and "top-secret" not in str(s.model_dump())
    assert s.webhook_secret.get_secret_value() == "whsec-top-secret" and s.salt == "salt-top-secret"


def test_default_secrets_are_refused_outside_dev(tmp_path):
    with pytest.raises(ValidationError, match="GRADER_WEBHOOK_SECRET"):
        Settings(data_dir=tmp_path, env="prod")
