"""`grader users create/list` as a user runs them: the password from stdin, stored as an argon2
hash, and one line on stderr with exit 2 for every bad input."""

from __future__ import annotations

import pytest

from grader.service.store import Store
from grader.service.web.accounts import authenticate
from tests.support.cli import grader


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return {"GRADER_DATA_DIR": str(tmp_path / "data"), "GRADER_DATABASE_URL": "", "GRADER_BROKER_URL": ""}


def _org(env, name: str) -> None:
    assert grader("orgs", "create", "--name", name, env_extra=env).returncode == 0


def _one_error(out, text: str) -> None:
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and text in lines[0], out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""


def test_create_then_list_and_the_password_is_an_argon2_hash(env, tmp_path):
    _org(env, "ACME")
    _org(env, "Other")
    out = grader("users", "create", "--org", "ACME", "--email", "Ada@Example.com", input="s3cret-pass\n", env_extra=env)
    assert out.returncode == 0, out.stderr
    assert "created user ada@example.com" in out.stderr
    assert (
        grader(
            "users", "create", "--org", "Other", "--email", "bob@example.com", input="another-pass\n", env_extra=env
        ).returncode
        == 0
    )
    listed = grader("users", "list", env_extra=env)
    assert listed.returncode == 0
    assert "ada@example.com" in listed.stdout and "ACME" in listed.stdout and "bob@example.com" in listed.stdout
    only = grader("users", "list", "--org", "ACME", env_extra=env).stdout
    assert "ada@example.com" in only and "bob@example.com" not in only
    store = Store(f"sqlite:///{tmp_path / 'data' / 'grader.db'}")
    user = store.user_by_email("ada@example.com")
    assert user is not None and user.id == out.stdout.strip()
    assert user.password_hash.startswith("$argon2id$") and "s3cret-pass" not in user.password_hash
    assert authenticate(store, "ada@example.com", "s3cret-pass") is not None
    assert authenticate(store, "ada@example.com", "wrong-pass") is None
    assert authenticate(store, "nobody@example.com", "s3cret-pass") is None
    store.close()


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["--org", "Nope", "--email", "a@example.com"], "long-enough", "no organisation 'Nope'"),
        (["--org", "ACME", "--email", "a@example.com"], "", "must not be empty"),
        (["--org", "ACME", "--email", "a@example.com"], "short", "at least 8 characters"),
        (["--org", "ACME", "--email", "not-an-email"], "long-enough", "is not an email address"),
        (["--org", "ACME", "--email", "taken@example.com"], "long-enough", "already exists"),
        (["--org", "ACME", "--email", "TAKEN@example.com"], "long-enough", "already exists"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(env, args, password, message):
    _org(env, "ACME")
    first = grader(
        "users", "create", "--org", "ACME", "--email", "taken@example.com", input="first-pass\n", env_extra=env
    )
    assert first.returncode == 0, first.stderr
    _one_error(grader("users", "create", *args, input=password + "\n", env_extra=env), message)
    assert grader("users", "list", env_extra=env).stdout.count("@") == 1  # nothing else stored


def test_list_of_an_unknown_org(env):
    _one_error(grader("users", "list", "--org", "Nope", env_extra=env), "no organisation 'Nope'")


def test_a_user_of_the_default_organisation_sees_what_keys_without_org_made(tmp_path):
    env = {"GRADER_DATA_DIR": str(tmp_path), "GRADER_DATABASE_URL": ""}
    out = grader(
        "users", "create", "--org", "default", "--email", "me@example.com", input="long-enough\n", env_extra=env
    )
    assert out.returncode == 0, out.stderr
    key = grader("keys", "create", "--name", "ci", env_extra=env)
    assert key.returncode == 0 and "'default'" in key.stderr
    assert "me@example.com" in grader("users", "list", "--org", "default", env_extra=env).stdout
