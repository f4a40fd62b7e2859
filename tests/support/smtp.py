"""A real SMTP server for tests (aiosmtpd on 127.0.0.1) that keeps what it receives."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.support.service import free_port, wait_for


class Mailbox:
    """What the server received, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 Message accepted"

    def to(self, address: str, *, timeout_s: float = 20) -> EmailMessage:
        """The first message to address (waits for it)."""
        return wait_for(
            lambda: next((m for m in self.messages if address in str(m["To"])), None),
            timeout_s=timeout_s,
            what=f"an email to {address}",
        )

    @staticmethod
    def parts(msg: EmailMessage) -> tuple[str, str]:
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        assert text is not None and html is not None, "the email has a text and an HTML part"
        return text.get_content(), html.get_content()

    @classmethod
    def link(cls, msg: EmailMessage) -> str:
        """The take-home link in the text part."""
        text, _ = cls.parts(msg)
        found = re.search(r"https?://\S+/take/[A-Za-z0-9_-]+", text)
        assert found, f"no link in the email: {text!r}"
        return found.group(0)


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    box = Mailbox()
    box.port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def invitation_settings(settings, tmp_path, *, port: int, mail: Mailbox, **extra):
    """Settings for a service that sends invitations: SQLite in tmp_path, one embedded worker, a
    fast sweeper, links under http://127.0.0.1:port, email to `mail`, deliveries to 127.0.0.1."""
    return settings.model_copy(
        update={
            "database_url": f"sqlite:///{tmp_path / 'db.sqlite'}",
            "broker_url": "",
            "embedded_workers": 1,
            "invitation_sweep_s": 0.2,
            "webhook_allow_private": True,
            "public_url": f"http://127.0.0.1:{port}",
            "smtp_host": "127.0.0.1",
            "smtp_port": mail.port,
            "smtp_security": "none",
            **extra,
        }
    )
