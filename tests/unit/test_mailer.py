"""Invitation email against a real SMTP server (aiosmtpd on 127.0.0.1): what arrives, what is refused, and
every failure is a one-line MailError without the password."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage

import pytest

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

from grader.service.mailer import MailError, invitation_message, send, smtp_configured  # noqa: E402
from grader.settings import Settings  # noqa: E402

URL = "https://grader.example.com/take/tok_abc123?x=1&y=2"
DEADLINE = datetime(2031, 5, 6, 17, 30, tzinfo=UTC)


class Collector:
    def __init__(self, refuse_rcpt: bool = False) -> None:
        self.envelopes: list = []
        self.refuse_rcpt = refuse_rcpt

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's name)
        if self.refuse_rcpt:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.envelopes.append(envelope)
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(handler, **kwargs):
    controller = aiosmtpd_controller.Controller(handler, hostname="127.0.0.1", port=_free_port(), **kwargs)
    controller.start()
    return controller


@pytest.fixture
def server() -> Iterator[tuple[Collector, int]]:
    handler = Collector()
    controller = _start(handler)
    try:
        yield handler, controller.port
    finally:
        controller.stop()


def _settings(tmp_path, port: int, **kwargs) -> Settings:
    return Settings(data_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none", **kwargs)


def _message(**overrides) -> EmailMessage:
    fields: dict = dict(
        sender="dlgrader <no-reply@grader.example.com>",
        to_name="Ada Lovelace",
        to_email="ada@example.org",
        org_name="Acme & Co",
        url=URL,
        task_titles=["Implement attention", "Fix the <training> loop"],
        time_limit_minutes=90,
        expires_at=DEADLINE,
    )
    fields.update(overrides)
    return invitation_message(**fields)


def _parts(raw: bytes) -> tuple[EmailMessage, str, str]:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    plain, html_part = msg.get_body(("plain",)), msg.get_body(("html",))
    assert plain is not None and html_part is not None
    return msg, plain.get_content(), html_part.get_content()


def test_the_invitation_arrives_with_a_text_and_an_html_part(server, tmp_path):
    handler, port = server
    send(_settings(tmp_path, port), _message())
    assert len(handler.envelopes) == 1
    envelope = handler.envelopes[0]
    assert envelope.mail_from == "no-reply@grader.example.com" and envelope.rcpt_tos == ["ada@example.org"]
    msg, text, html = _parts(envelope.content)
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["To"] == "Ada Lovelace <ada@example.org>" and msg["Subject"] == "Acme & Co: your coding exercise"
    for part in (text, html):
        assert "You have 90 minutes once you open the link" in part
        assert "Open it before 2031-05-06 17:30 UTC" in part
    assert URL in text and "Implement attention" in text and "Fix the <training> loop" in text
    assert 'href="https://grader.example.com/take/tok_abc123?x=1&amp;y=2"' in html
    assert "Fix the &lt;training&gt; loop" in html and "Acme &amp; Co" in html


def test_the_deadline_is_shown_in_utc_and_a_naive_one_is_taken_as_utc():
    cest = timezone(timedelta(hours=2))
    _, text, _ = _parts(bytes(_message(expires_at=datetime(2031, 5, 6, 19, 30, tzinfo=cest))))
    assert "Open it before 2031-05-06 17:30 UTC" in text
    _, text, _ = _parts(bytes(_message(expires_at=datetime(2031, 5, 6, 17, 30), time_limit_minutes=1)))
    assert "Open it before 2031-05-06 17:30 UTC" in text and "You have 1 minute once" in text


def test_a_hostile_name_is_escaped_in_the_html_part(server, tmp_path):
    handler, port = server
    hostile = "<script>alert(1)</script>"
    send(_settings(tmp_path, port), _message(to_name=hostile, org_name='"><img src=x onerror=alert(2)>'))
    _, text, html = _parts(handler.envelopes[0].content)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert f"Hello {hostile}," in text  # the plain part is plain text: shown as written


@pytest.mark.parametrize(
    "overrides",
    [
        {"to_name": "Ada\r\nBcc: victim@example.net"},
        {"to_name": "Ada\nBcc: victim@example.net"},
        {"to_email": "ada@example.org\r\nBcc: victim@example.net"},
        {"org_name": "Acme\r\nBcc: victim@example.net"},
        {"sender": "x <a@b.c>\r\nBcc: victim@example.net"},
    ],
)
def test_a_line_break_in_a_name_or_address_is_refused(overrides):
    with pytest.raises(MailError, match="line break|CR or LF") as info:
        _message(**overrides)
    assert "\n" not in str(info.value) and "\r" not in str(info.value)


def test_an_address_that_does_not_parse_is_refused():
    with pytest.raises(MailError, match="invalid recipient address 'not an address'"):
        _message(to_email="not an address")


def test_a_closed_port_gives_a_clear_mail_error(tmp_path):
    with pytest.raises(MailError) as info:
        send(_settings(tmp_path, _free_port()), _message())
    assert "connection refused" in str(info.value) and "127.0.0.1:" in str(info.value)
    assert "\n" not in str(info.value)


def test_a_server_that_never_greets_times_out(tmp_path):
    with socket.socket() as listener:  # accepts connections (backlog) but never says 220
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        settings = _settings(tmp_path, listener.getsockname()[1], smtp_timeout_s=0.3)
        with pytest.raises(MailError, match=r"timed out after 0.3 s"):
            send(settings, _message())


def test_a_refused_recipient_gives_a_mail_error(tmp_path):
    controller = _start(Collector(refuse_rcpt=True))
    try:
        with pytest.raises(MailError, match="recipient refused: ada@example.org .550 5.1.1 no such mailbox"):
            send(_settings(tmp_path, controller.port), _message())
    finally:
        controller.stop()


def test_starttls_against_a_server_without_it_is_refused_with_a_hint(server, tmp_path):
    handler, port = server
    with pytest.raises(MailError, match="STARTTLS.*GRADER_SMTP_SECURITY"):
        send(_settings(tmp_path, port).model_copy(update={"smtp_security": "starttls"}), _message())
    assert handler.envelopes == []


def test_login_is_sent_when_a_username_is_set_and_a_wrong_password_is_a_mail_error(tmp_path):
    logins: list[tuple[str, str]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login.decode(), auth_data.password.decode()))
        ok = auth_data.login == b"grader" and auth_data.password == b"s3cret-pw"
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd replies 535 on a failure

    handler = Collector()
    controller = _start(handler, authenticator=authenticator, auth_require_tls=False)
    try:
        send(_settings(tmp_path, controller.port, smtp_username="grader", smtp_password="s3cret-pw"), _message())
        assert logins == [("grader", "s3cret-pw")] and len(handler.envelopes) == 1

        wrong = _settings(tmp_path, controller.port, smtp_username="grader", smtp_password="wrong-pw")
        with pytest.raises(MailError, match="authentication as 'grader' refused: 535") as info:
            send(wrong, _message())
        assert "wrong-pw" not in str(info.value) and len(handler.envelopes) == 1
    finally:
        controller.stop()


def test_email_is_off_without_a_host(tmp_path):
    assert not smtp_configured(Settings(data_dir=tmp_path))
    assert not smtp_configured(Settings(data_dir=tmp_path, smtp_host="  "))
    assert smtp_configured(Settings(data_dir=tmp_path, smtp_host="smtp.example.com"))
    with pytest.raises(MailError, match="GRADER_SMTP_HOST"):
        send(Settings(data_dir=tmp_path), _message())


def test_the_smtp_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GRADER_SMTP_HOST", "smtp.example.com")
    monkeypatch.setenv("GRADER_SMTP_PORT", "465")
    monkeypatch.setenv("GRADER_SMTP_SECURITY", "ssl")
    monkeypatch.setenv("GRADER_SMTP_PASSWORD", "pw-top-secret")
    s = Settings(data_dir=tmp_path)
    assert (s.smtp_host, s.smtp_port, s.smtp_security) == ("smtp.example.com", 465, "ssl")
    assert s.smtp_password is not None and "pw-top-secret" not in repr(s)
    monkeypatch.setenv("GRADER_SMTP_SECURITY", "tls")
    with pytest.raises(ValueError, match="smtp_security"):
        Settings(data_dir=tmp_path)
