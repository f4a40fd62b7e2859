"""Webhooks never reach private addresses (SSRF): the host is resolved at send time, every address
checked, the request sent to the checked address, redirects not followed; the delivery log holds
categories, never socket errors. Real HTTP receivers on 127.0.0.1 (and ::1 where available)."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import time

import httpx
import pytest

from grader.service import webhooks
from grader.service.api import create_app
from grader.service.store import Store
from grader.settings import Settings
from tests.support.records import stored_report as _report
from tests.support.records import sub as _sub
from tests.support.service import DB_KINDS, Receiver, ServerThread, auth, database, free_port, org_key

REFUSED = "refused: private address"


@pytest.fixture(params=DB_KINDS)
def store(request, tmp_path):
    with database(request.param, tmp_path) as url:
        s = Store(url)
        s.create_schema()
        yield s
        s.close()


def _settings(tmp_path, **extra) -> Settings:
    base = {"webhook_max_attempts": 5, "webhook_backoff_base_s": 1, "webhook_timeout_s": 3}
    return Settings(data_dir=tmp_path, **{**base, **extra})


def _graded(store: Store, url: str, owner: str | None = None) -> str:
    row, _ = store.add_submission(_sub(), owner_id=owner, callback_url=url)
    store.start(row.id)
    store.complete(row.id, _report())
    return row.id


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.0.9",
        "10.1.2.3",
        "172.16.5.4",
        "192.168.0.10",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # shared (carrier-grade NAT)
        "0.0.0.0",
        "224.0.0.251",
        "239.1.2.3",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.10",  # documentation
        "::1",
        "::",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo of 10.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    ],
)
def test_non_public_addresses_are_refused(address):
    assert not webhooks.is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address):
    assert webhooks.is_public_address(ipaddress.ip_address(address))


def _ipv6_receiver():
    try:
        return Receiver(host="::1")
    except OSError:
        return None


@pytest.mark.parametrize("where", ["127.0.0.1", "localhost", "[::1]", "10.0.0.1", "169.254.169.254"])
def test_private_callbacks_are_refused_once_and_for_good(store, tmp_path, where):
    settings = _settings(tmp_path)
    rx = (_ipv6_receiver() if where == "[::1]" else None) or Receiver()
    with rx:
        url = (
            f"http://{where}:{rx.port}/hook"
            if where in ("127.0.0.1", "localhost", "[::1]")
            else f"http://{where}/latest/meta-data/"
        )
        sid = _graded(store, url)
        started = time.monotonic()
        assert webhooks.deliver(sid, 1, store=store, settings=settings) is None  # final: no retry
        assert time.monotonic() - started < 2  # no connection was even tried
        assert rx.requests == []
    [d] = store.deliveries(sid)
    assert (d.attempt, d.status_code, d.error, d.next_retry_at, d.url) == (1, None, REFUSED, None, url)
    assert store.undelivered() == []  # not owed after a restart either


def test_a_host_with_any_private_address_is_refused(monkeypatch, store, tmp_path):
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        if host == "mixed.example":
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 80)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", 80)),
            ]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    sid = _graded(store, "http://mixed.example/hook")
    assert webhooks.deliver(sid, 1, store=store, settings=_settings(tmp_path)) is None
    assert store.deliveries(sid)[0].error == REFUSED


def test_allow_private_delivers_to_localhost_with_its_host_header(store, tmp_path):
    settings = _settings(tmp_path, webhook_allow_private=True)
    with Receiver() as rx:
        sid = _graded(store, f"http://localhost:{rx.port}/hook")
        assert webhooks.deliver(sid, 1, store=store, settings=settings) is None
        [(headers, _)] = rx.requests
    assert headers["Host"] == f"localhost:{rx.port}"
    assert store.deliveries(sid)[0].error is None


def test_the_resolved_address_is_the_one_connected_to(monkeypatch, store, tmp_path):
    """One lookup per attempt; the request goes to that address with the original Host (no second
    lookup a rebinding DNS server could answer differently)."""
    calls: list[str] = []
    answers = iter(["127.0.0.1", "203.0.113.99"])  # a rebinding server: the second answer differs
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host == "hooks.rebind.invalid":
            calls.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    settings = _settings(tmp_path, webhook_allow_private=True)
    with Receiver() as rx:
        sid = _graded(store, f"http://hooks.rebind.invalid:{rx.port}/hook")
        assert webhooks.deliver(sid, 1, store=store, settings=settings) is None
        [(headers, _)] = rx.requests  # reached 127.0.0.1, the checked answer
    assert calls == ["hooks.rebind.invalid"]
    assert headers["Host"] == f"hooks.rebind.invalid:{rx.port}"


def test_https_keeps_the_host_name_for_tls(monkeypatch):
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("8.8.8.8", port))],
    )
    [(url, host, extensions)] = webhooks.pinned_requests("https://hooks.example.com/x?y=1", allow_private=False)
    assert str(url) == "https://8.8.8.8/x?y=1"
    assert host == {"Host": "hooks.example.com"} and extensions == {"sni_hostname": "hooks.example.com"}


def test_a_redirect_is_not_followed(store, tmp_path):
    settings = _settings(tmp_path, webhook_allow_private=True)
    with Receiver() as inner, Receiver([302], headers={"Location": inner.url}) as outer:
        sid = _graded(store, outer.url)
        assert webhooks.deliver(sid, 1, store=store, settings=settings) is not None  # a failure, retried
        assert len(outer.requests) == 1 and inner.requests == []
    [d] = store.deliveries(sid)
    assert (d.status_code, d.error) == (302, "HTTP 302")


@contextlib.contextmanager
def _silent_server():
    """A port that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield f"http://127.0.0.1:{s.getsockname()[1]}/hook"


class _NoQueue:
    def start(self) -> None: ...

    def stop(self) -> None: ...

    def ping(self) -> None: ...


def test_the_delivery_log_gives_categories_not_socket_errors(store, tmp_path):
    settings = _settings(tmp_path, webhook_allow_private=True, webhook_timeout_s=0.5)
    key = org_key(store, "a")
    with _silent_server() as silent, Receiver([503]) as rx:
        cases = {
            "refused": f"http://10.0.0.1:{free_port()}/hook",
            "closed": f"http://127.0.0.1:{free_port()}/hook",
            "silent": silent,
            "status": rx.url,
            "unresolvable": "http://no-such-host.invalid/hook",
        }
        sids = {name: _graded(store, url, owner=key.org_id) for name, url in cases.items()}
        for name, sid in sids.items():
            strict = settings.model_copy(update={"webhook_allow_private": name != "refused"})
            webhooks.deliver(sid, 1, store=store, settings=strict)
    # A row logged by an older version, with raw exception text, is shown as its category too.
    old = _graded(store, "http://127.0.0.1:1/hook", owner=key.org_id)
    now = store.get(old, any_owner=True).graded_at
    store.add_delivery(
        submission_id=old,
        event_id="e",
        attempt=1,
        url="http://127.0.0.1:1/hook",
        status_code=None,
        error="ConnectError: [Errno 111] Connection refused",
        started_at=now,
        finished_at=now,
        next_retry_at=None,
    )
    sids["old"] = old
    app = create_app(settings.model_copy(update={"database_url": store.url}), store=store, queue=_NoQueue())
    with ServerThread(app) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        got = {
            name: client.get(f"/v1/submissions/{sid}/deliveries", headers=auth(key.key)).json()
            for name, sid in sids.items()
        }
    errors = {name: [d["error"] for d in log] for name, log in got.items()}
    assert errors == {
        "refused": [REFUSED],
        "closed": ["connection failed"],
        "silent": ["timeout"],
        "status": ["HTTP 503"],
        "unresolvable": ["connection failed"],
        "old": ["connection failed"],
    }
    assert got["status"][0]["status_code"] == 503 and got["refused"][0]["next_retry_at"] is None
    assert got["closed"][0]["next_retry_at"] is not None  # a connection failure is retried


def test_the_next_checked_address_is_tried_when_one_refuses_the_connection(monkeypatch, store, tmp_path):
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host == "dual.invalid":  # ::1 first (nothing listens there), then 127.0.0.1
            return [
                (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", port, 0, 0)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with Receiver() as rx:
        sid = _graded(store, f"http://dual.invalid:{rx.port}/hook")
        assert webhooks.deliver(sid, 1, store=store, settings=_settings(tmp_path, webhook_allow_private=True)) is None
        assert len(rx.requests) == 1
