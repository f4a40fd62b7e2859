"""`grader orgs` and `grader keys --org` as a user runs them: keys land in the organisation named,
bad input is one line and exit 2."""

from __future__ import annotations

import pytest

from grader.service.store import Store
from tests.support.cli import grader


@pytest.fixture
def env(tmp_path):
    return {"GRADER_DATA_DIR": str(tmp_path), "GRADER_DATABASE_URL": ""}


def _store(tmp_path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'grader.db'}")
    store.create_schema()
    return store


def test_orgs_and_keys_in_them(env, tmp_path):
    made = grader("orgs", "create", "--name", "ACME", env_extra=env)
    assert made.returncode == 0, made.stderr
    org_id = made.stdout.strip()
    key = grader("keys", "create", "--name", "alice", "--org", "ACME", env_extra=env)
    assert key.returncode == 0 and "'ACME'" in key.stderr, key.stderr
    plain = grader("keys", "create", "--name", "bob", env_extra=env)
    assert plain.returncode == 0 and "'default'" in plain.stderr
    store = _store(tmp_path)
    assert store.key_owner(key.stdout.strip()) == org_id
    assert store.key_owner(plain.stdout.strip()) == store.default_org().id != org_id
    store.close()
    listed = grader("orgs", "list", env_extra=env).stdout
    assert "ACME" in listed and "default" in listed
    keys = grader("keys", "list", "--org", "ACME", env_extra=env).stdout
    assert "alice" in keys and "bob" not in keys


@pytest.mark.parametrize(
    "args, says",
    [
        (("orgs", "create", "--name", "  "), "--name must not be empty"),
        (("keys", "create", "--name", "x", "--org", "Nope"), "no organisation 'Nope'"),
        (("keys", "list", "--org", "Nope"), "no organisation 'Nope'"),
    ],
)
def test_bad_input_is_one_line(env, args, says):
    out = grader(*args, env_extra=env)
    assert out.returncode == 2 and says in out.stderr, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


def test_a_taken_name_is_refused(env):
    assert grader("orgs", "create", "--name", "ACME", env_extra=env).returncode == 0
    again = grader("orgs", "create", "--name", "ACME", env_extra=env)
    assert again.returncode == 2 and "already exists" in again.stderr
