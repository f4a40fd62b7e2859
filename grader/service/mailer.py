"""Invitation email: one message (text and HTML alternatives) sent through the configured SMTP server.

Names, emails and organisation names come from the hiring tool's caller, so they are untrusted: addresses
go through email.headerregistry.Address (which refuses CR/LF, so no header can be injected), the subject
refuses CR/LF, and every value in the HTML part is escaped. Every failure of `send` is a `MailError` with a
one-line reason that never contains the SMTP password.
"""

from __future__ import annotations

import html
import smtplib
import ssl
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from grader.settings import Settings


class MailError(Exception):
    """An invitation email could not be built or sent; str() is a one-line reason."""


def smtp_configured(settings: Settings) -> bool:
    """Email is on when an SMTP host is set (GRADER_SMTP_HOST)."""
    return bool(settings.smtp_host.strip())


def _address(display_name: str, addr_spec: str, what: str) -> Address:
    try:
        return Address(display_name=display_name, addr_spec=addr_spec.strip())
    except (ValueError, IndexError) as exc:  # CR/LF, or an addr-spec that does not parse (InvalidHeaderDefect)
        raise MailError(f"invalid {what} address {_one_line(repr(addr_spec))}: {_one_line(str(exc))}") from None


def _sender(sender: str) -> Address:
    if "\r" in sender or "\n" in sender:
        raise MailError("invalid sender (GRADER_SMTP_FROM): it contains a line break")
    msg = EmailMessage()
    try:
        msg["From"] = sender
        addresses = msg["From"].addresses
    except (ValueError, IndexError) as exc:
        raise MailError(f"invalid sender (GRADER_SMTP_FROM) {sender!r}: {_one_line(str(exc))}") from None
    if len(addresses) != 1 or not addresses[0].domain:
        raise MailError(f"invalid sender (GRADER_SMTP_FROM) {sender!r}: expected one address like 'Name <a@b.c>'")
    return addresses[0]


def _utc(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC (what the store keeps)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def invitation_message(
    *,
    sender: str,
    to_name: str,
    to_email: str,
    org_name: str,
    url: str,
    task_titles: list[str],
    time_limit_minutes: int,
    expires_at: datetime,
) -> EmailMessage:
    """The invitation: a text/plain part and a text/html alternative, each with the link, the time limit,
    the deadline (in UTC) and the tasks' titles. Raises MailError on an address or name with CR/LF or an
    address that does not parse."""
    for what, value in (("organisation name", org_name), ("link", url)):
        if "\r" in value or "\n" in value:
            raise MailError(f"invalid {what}: it contains a line break")
    recipient = _address(to_name.strip(), to_email, "recipient")
    from_address = _sender(sender)
    deadline = _utc(expires_at).strftime("%Y-%m-%d %H:%M UTC")
    minutes = f"{time_limit_minutes} minute" + ("" if time_limit_minutes == 1 else "s")
    greeting_name = to_name.strip() or "there"
    org = org_name.strip() or "The hiring team"

    msg = EmailMessage()
    try:
        msg["Subject"] = f"{org}: your coding exercise"
        msg["From"] = from_address
        msg["To"] = recipient
    except ValueError as exc:  # the header machinery's own refusal of line breaks
        raise MailError(f"invalid header value: {_one_line(str(exc))}") from None
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain=from_address.domain or "localhost")

    task_lines = "\n".join(f"  - {title}" for title in task_titles)
    text = (
        f"Hello {greeting_name},\n\n"
        f"{org} invites you to a timed coding exercise"
        + (
            f" ({len(task_titles)} task{'' if len(task_titles) == 1 else 's'}):\n{task_lines}\n\n"
            if task_titles
            else ".\n\n"
        )
        + f"Start here: {url}\n\n"
        f"You have {minutes} once you open the link; the clock does not stop once it starts.\n"
        f"Open it before {deadline}.\n\n"
        "Your work is saved as you type; whatever is saved is submitted when the time is up.\n"
    )
    msg.set_content(text)

    e = html.escape
    task_items = "".join(f"<li>{e(title)}</li>" for title in task_titles)
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{e(org)}: your coding exercise</title></head>
<body style="font-family: system-ui, -apple-system, Segoe UI, sans-serif; color: #1f2328; line-height: 1.5;">
<div style="max-width: 36em; margin: 1em auto; padding: 0 1em;">
<p>Hello {e(greeting_name)},</p>
<p>{e(org)} invites you to a timed coding exercise{":" if task_titles else "."}</p>
{f"<ul>{task_items}</ul>" if task_titles else ""}
<p><a href="{e(url, quote=True)}" style="display: inline-block; padding: .6em 1.2em; background: #1f6feb;
color: #fff; text-decoration: none; border-radius: 6px;">Start the exercise</a></p>
<p style="font-size: .9em; color: #57606a;">Or copy this link: {e(url)}</p>
<p><strong>You have {e(minutes)} once you open the link</strong>; the clock does not stop once it starts.<br>
<strong>Open it before {e(deadline)}.</strong></p>
<p>Your work is saved as you type; whatever is saved is submitted when the time is up.</p>
</div></body></html>
"""
    msg.add_alternative(body, subtype="html")
    return msg


def send(settings: Settings, message: EmailMessage) -> None:
    """Send `message` through GRADER_SMTP_HOST:PORT (STARTTLS, SSL or plain per GRADER_SMTP_SECURITY; login
    when GRADER_SMTP_USERNAME is set). Any failure raises MailError with a one-line reason."""
    if not smtp_configured(settings):
        raise MailError("email is off: GRADER_SMTP_HOST is not set")
    host, port, timeout = settings.smtp_host.strip(), settings.smtp_port, settings.smtp_timeout_s
    where = f"{host}:{port}"
    password = settings.smtp_password.get_secret_value() if settings.smtp_password is not None else ""

    def fail(reason: str) -> MailError:
        reason = _one_line(reason)
        if password:
            reason = reason.replace(password, "***")
        return MailError(f"sending email via {where} failed: {reason}")

    def reply(exc: smtplib.SMTPResponseException) -> str:
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {text}"

    context = ssl.create_default_context()
    try:
        smtp: smtplib.SMTP
        if settings.smtp_security == "ssl":
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            if settings.smtp_security == "starttls":
                smtp.starttls(context=context)
            if settings.smtp_username:
                smtp.login(settings.smtp_username, password)
            refused = smtp.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise fail(f"authentication as {settings.smtp_username!r} refused: {reply(exc)}") from None
    except smtplib.SMTPNotSupportedError as exc:
        hint = ""
        if "STARTTLS" in str(exc):
            hint = " (GRADER_SMTP_SECURITY=starttls; use ssl for port 465, none only for a trusted local relay)"
        elif "AUTH" in str(exc):
            hint = " (GRADER_SMTP_USERNAME is set but the server offers no login here)"
        raise fail(f"{exc}{hint}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        who = ", ".join(
            f"{addr} ({code} {resp.decode('utf-8', 'replace')})" for addr, (code, resp) in exc.recipients.items()
        )
        raise fail(f"recipient refused: {who}") from None
    except smtplib.SMTPSenderRefused as exc:
        raise fail(f"sender {exc.sender!r} refused: {reply(exc)}") from None
    except smtplib.SMTPResponseException as exc:
        raise fail(f"server replied {reply(exc)}") from None
    except smtplib.SMTPServerDisconnected as exc:
        if isinstance(exc.__context__, TimeoutError):  # smtplib turns a read timeout into a disconnect
            raise fail(f"timed out after {timeout:g} s waiting for the server (GRADER_SMTP_TIMEOUT_S)") from None
        raise fail(f"server closed the connection ({exc or 'no reason given'})") from None
    except smtplib.SMTPException as exc:
        raise fail(str(exc) or type(exc).__name__) from None
    except ssl.SSLError as exc:
        raise fail(f"TLS error: {exc.reason or exc}") from None
    except TimeoutError:
        raise fail(f"timed out after {timeout:g} s connecting (GRADER_SMTP_TIMEOUT_S)") from None
    except ConnectionRefusedError:
        raise fail(
            "connection refused (is the SMTP server running? check GRADER_SMTP_HOST and GRADER_SMTP_PORT)"
        ) from None
    except OSError as exc:
        raise fail(f"cannot connect: {exc.strerror or exc}") from None
    if refused:
        raise fail("recipient refused: " + ", ".join(refused))
