"""A real SMTP server on loopback (aiosmtpd), in a thread of its own, that keeps what it receives: the tests' mailbox.

The app talks to it with the stdlib's smtplib exactly as it would to a production relay (SMTP_SECURITY=none, as for a
relay on the same host). `refuse` makes it answer 550 to every recipient, and `stop()` takes it away altogether.
Also used by e2e/test_accounts.py, which points a running server at it.
"""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller

LINK = re.compile(r'https?://\S+')


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message['Subject'])

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=('plain',))
        return part.get_content() if part is not None else ''

    @property
    def links(self) -> list[str]:
        return LINK.findall(self.body)

    def reset_path(self) -> str:
        """The path and query of the reset link in this mail (what a browser on this server would open)."""
        link = next(link for link in self.links if '/reset?' in link)
        parts = urlsplit(link)
        return f'{parts.path}?{parts.query}'


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's hook name
        if self.box.refuse:
            return '550 5.1.1 Mailbox unavailable'
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.box.lock:
            self.box.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return '250 Message accepted for delivery'


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.lock = threading.Lock()
        self.refuse = False
        self.port = free_port()
        self.controller = Controller(_Handler(self), hostname='127.0.0.1', port=self.port)

    def start(self) -> Mailbox:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def settings(self) -> dict[str, str]:
        """The app's settings that send mail here."""
        return {'SMTP_HOST': '127.0.0.1', 'SMTP_PORT': str(self.port), 'SMTP_SECURITY': 'none'}

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [m for m in self.messages if address in m.recipients]

    def wait_for(self, address: str, *, count: int = 1, timeout: float = 10.0) -> Received:
        """The newest of at least `count` mails to `address`, waiting up to `timeout` seconds for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            mails = self.to(address)
            if len(mails) >= count:
                return mails[-1]
            time.sleep(0.05)
        raise AssertionError(f'no mail #{count} to {address} within {timeout} s; got {len(self.to(address))}')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@contextmanager
def running_mailbox() -> Iterator[Mailbox]:
    box = Mailbox().start()
    try:
        yield box
    finally:
        box.stop()
