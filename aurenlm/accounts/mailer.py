"""Outgoing mail through the stdlib's smtplib, run in a thread so a slow mail server never blocks the event loop.

One message per connection: mail is rare here (password resets), and a fresh connection cannot be left half-open by an
earlier failure. Every failure (refused connection, timeout, TLS, sign-in, a refused recipient) becomes MailError, which
the caller turns into "the email could not be sent".
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from loguru import logger

from aurenlm.config import Settings, SmtpSecurity, get_settings


class MailError(Exception):
    """The message was not handed to the mail server."""


class MailNotConfigured(MailError):
    """SMTP_HOST is empty: this server sends no mail."""


def compose(to: str, subject: str, body: str, settings: Settings | None = None) -> EmailMessage:
    """A plain-text message. Header values that carry a line break are refused by EmailMessage, so a crafted address
    cannot add headers or recipients."""
    settings = settings or get_settings()
    message = EmailMessage()
    message['From'] = settings.mail_from
    message['To'] = to
    message['Subject'] = subject
    message['Date'] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(settings.mail_from)[1].rpartition('@')[2] or 'localhost'
    message['Message-ID'] = make_msgid(domain=domain)
    message['Auto-Submitted'] = 'auto-generated'  # no out-of-office replies to a robot
    message.set_content(body)
    return message


def _connect(settings: Settings) -> smtplib.SMTP:
    host, port, timeout = (settings.smtp_host or '').strip(), settings.smtp_port, settings.smtp_timeout_s
    if settings.smtp_security == SmtpSecurity.ssl:
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    smtp = smtplib.SMTP(host, port, timeout=timeout)
    if settings.smtp_security == SmtpSecurity.starttls:
        smtp.starttls(context=ssl.create_default_context())
    return smtp


def send_now(message: EmailMessage, settings: Settings | None = None) -> None:
    """Deliver to the mail server, blocking; MailError when it did not take the message."""
    settings = settings or get_settings()
    if not settings.mail_enabled:
        raise MailNotConfigured('SMTP_HOST is not set')
    try:
        with _connect(settings) as smtp:
            if settings.smtp_username:
                password = settings.smtp_password.get_secret_value() if settings.smtp_password else ''
                smtp.login(settings.smtp_username, password)
            refused = smtp.send_message(message)
    except (OSError, smtplib.SMTPException, ssl.SSLError) as e:  # OSError: refused, unreachable, timed out
        logger.warning('Mail to the SMTP server {}:{} failed: {}', settings.smtp_host, settings.smtp_port, e)
        raise MailError(str(e)) from e
    if refused:  # send_message raises when every recipient is refused; one message has one recipient
        raise MailError(f'recipients refused: {sorted(refused)}')


async def send(message: EmailMessage) -> None:
    """send_now in a worker thread: a mail server that takes SMTP_TIMEOUT_S to answer holds up nobody else."""
    settings = get_settings()
    await asyncio.to_thread(send_now, message, settings)
