"""Sign-in for the dashboard: server-side sessions (a random token in an HttpOnly cookie, only its
sha256 in web_sessions, so signing out really ends it), a CSRF token per session carried by every
form, and the signed-in user as a FastAPI dependency."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Form, Request
from fastapi.responses import Response

from grader.service.store import Store, User

COOKIE = "grader_session"
LOGIN_CSRF_COOKIE = "grader_login_csrf"  # before a session exists: a double-submit token
SESSION_TTL = timedelta(hours=12)


@dataclass(frozen=True)
class WebUser:
    """The signed-in person, their organisation and their session's CSRF token."""

    id: str
    email: str
    org_id: str
    org_name: str
    csrf: str
    token_hash: str


class PageError(Exception):
    """An error page (404 for another organisation's object too, 403 for a bad CSRF token)."""

    def __init__(self, status: int, title: str, message: str = "") -> None:
        super().__init__(title)
        self.status, self.title, self.message = status, title, message


class SignInRequired(Exception):
    """No live session: the page redirects to /login, then back to `next`."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _store(request: Request) -> Store:
    return request.app.state.services.store


def session_user(request: Request) -> WebUser | None:
    """The user of the request's session cookie, or None (no cookie, signed out, expired)."""
    token = request.cookies.get(COOKIE, "")
    if not token or len(token) > 200:
        return None
    store = _store(request)
    th = token_hash(token)
    ws = store.web_session(th)
    if ws is None:
        return None
    user, org = store.user(ws.user_id), store.org(ws.org_id)
    if user is None or org is None or user.org_id != org.id:
        return None
    return WebUser(id=user.id, email=user.email, org_id=org.id, org_name=org.name, csrf=ws.csrf, token_hash=th)


def next_of(request: Request) -> str:
    path = request.url.path
    return path + ("?" + request.url.query if request.url.query else "")


def current_user(request: Request) -> WebUser:
    user = session_user(request)
    if user is None:
        raise SignInRequired(next_of(request) if request.method == "GET" else "/submissions")
    return user


def csrf_user(user: Annotated[WebUser, Depends(current_user)], csrf: Annotated[str, Form()] = "") -> WebUser:
    """The signed-in user of a form POST whose csrf field is their session's token (403 otherwise)."""
    if not csrf or not hmac.compare_digest(csrf.encode(), user.csrf.encode()):
        raise PageError(
            403,
            "This form has expired",
            "Reload the page and try again (the form's security token is missing or wrong).",
        )
    return user


UserDep = Annotated[WebUser, Depends(current_user)]
CsrfUserDep = Annotated[WebUser, Depends(csrf_user)]


def safe_next(value: str) -> str:
    """Where to go after signing in: a path of this site only (never //host or a scheme)."""
    if not value.startswith("/") or value.startswith("//") or "\\" in value or any(ord(c) < 32 for c in value):
        return "/submissions"
    return value


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(next_path, safe="/")


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def start_session(request: Request, response: Response, user: User) -> None:
    """A new session for user: the cookie holds the token, the database only its hash."""
    token = secrets.token_urlsafe(32)
    _store(request).create_web_session(user, token_hash(token), csrf=secrets.token_urlsafe(32), ttl=SESSION_TTL)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(SESSION_TTL.total_seconds()),
        httponly=True,
        secure=_secure(request),
        samesite="lax",
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")


def end_session(request: Request, response: Response, user: WebUser) -> None:
    _store(request).end_web_session(user.token_hash)
    response.delete_cookie(COOKIE, path="/", httponly=True, secure=_secure(request), samesite="lax")


def login_token(request: Request) -> str:
    """The sign-in form's token: the one already in its cookie, or a new one."""
    token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return token if token and len(token) <= 100 else secrets.token_urlsafe(32)


def set_login_token(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, max_age=3600, httponly=True, secure=_secure(request), samesite="strict", path="/login"
    )


def login_csrf_ok(request: Request, sent: str) -> bool:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return bool(cookie and sent) and hmac.compare_digest(cookie.encode(), sent.encode())
