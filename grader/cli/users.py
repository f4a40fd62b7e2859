"""`grader users create` and `grader users list`: the people who sign in to the dashboard."""

from __future__ import annotations

import sys

import typer

from grader.cli.common import fail, open_store, org_or_fail

app = typer.Typer()
users_app = typer.Typer(no_args_is_help=True, help="Manage dashboard users (only an argon2 hash of each password).")
app.add_typer(users_app, name="users")


def _read_password() -> str:
    """A hidden prompt (twice) on a terminal; otherwise the first line of stdin."""
    if sys.stdin.isatty():
        return typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@users_app.command("create")
def users_create(
    org: str = typer.Option(..., "--org", help="the organisation the user belongs to ('default': keys' default one)"),
    email: str = typer.Option(..., "--email", help="what the user signs in with (unique)"),
) -> None:
    """Create a user; the password is read from a hidden prompt, or from stdin's first line."""
    from grader.service.web.accounts import BadUser, create_user

    password = _read_password()
    with open_store() as store:
        try:
            user = create_user(store, org_name=org, email=email, password=password)
        except BadUser as exc:
            fail(str(exc))
        except Exception as exc:  # noqa: BLE001 - one line for the user
            fail(f"cannot store the user: {type(exc).__name__}: {str(exc).splitlines()[0]}")
    typer.echo(user.id)
    typer.echo(f"created user {user.email} in {org.strip()!r}; they sign in at /login", err=True)


@users_app.command("list")
def users_list(org: str = typer.Option("", "--org", help="only this organisation's users")) -> None:
    """List users (email, creation time, organisation)."""
    with open_store() as store:
        names = {o.id: o.name for o in store.orgs()}
        org_id = org_or_fail(store, org) if org.strip() else None
        for u in store.users(org_id=org_id):
            typer.echo(f"{u.email}  {u.created_at:%Y-%m-%d %H:%M}  {names.get(u.org_id, '-')}")
