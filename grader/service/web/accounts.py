"""Dashboard users: argon2 password hashes, and creating a user with one clear error per problem.
Shared by the sign-in page and `grader users` (no web framework imported here)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from grader.service.api.fields import EMAIL
from grader.service.store import DEFAULT_ORG, Organisation, Store, User, UserExists

MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # argon2 takes any length; this only bounds the work a request can ask for
_hasher = PasswordHasher()
# Verified against when the email is unknown, so that answer takes as long as a wrong password.
_DUMMY = _hasher.hash("not a password of anyone's")


class BadUser(ValueError):
    """A user that cannot be created: why, in one line."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password: str) -> None:
    if not password.strip():
        raise BadUser("the password must not be empty")
    if len(password) < MIN_PASSWORD:
        raise BadUser(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise BadUser(f"the password must have at most {MAX_PASSWORD} characters")


def create_user(store: Store, *, org_name: str, email: str, password: str) -> User:
    """A new user of the organisation named org_name (BadUser: unknown org, bad email or password, taken)."""
    org: Organisation | None = None
    if org_name.strip() == DEFAULT_ORG:
        org = store.default_org()  # the organisation of keys made without --org, made on first need
    elif org_name.strip():
        org = store.org_named(org_name)
    if org is None:
        raise BadUser(f"no organisation {org_name.strip()!r} (create it with `grader orgs create --name NAME`)")
    email = email.strip()
    if len(email) > 254 or not EMAIL.match(email):
        raise BadUser(f"{email!r} is not an email address")
    check_password(password)
    try:
        return store.create_user(org.id, email, hash_password(password))
    except UserExists as exc:
        raise BadUser(str(exc)) from None


def authenticate(store: Store, email: str, password: str) -> User | None:
    """The user if the password is theirs; None otherwise. An unknown email costs the same argon2
    verification as a wrong password, so the time does not tell which it was."""
    if len(password) > MAX_PASSWORD:
        return None
    user = store.user_by_email(email) if len(email) <= 254 else None
    try:
        _hasher.verify(user.password_hash if user is not None else _DUMMY, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        store.set_password_hash(user.id, hash_password(password))
    return user
