"""Password reset by mail: a single-use link that lives 30 minutes, of which the database keeps only the hash.

Asking for a link answers the same whatever the address: an address with an account gets the link, an address without
one gets a short notice saying so (see docs/accounts.md, "Why a mail goes out for unknown addresses"). Both paths send a
mail, so a mail server that is down fails both alike, and the person is told the mail could not be sent without learning
whether the account exists. Requests are limited per address and per client address, counted the same for both.
Choosing the new password signs the account out everywhere and revokes its API tokens; the person then signs in
(with their 2FA code, if enrolled).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from urllib.parse import urlencode

from sqlmodel import delete, select

from aurenlm import db
from aurenlm.accounts import mailer
from aurenlm.config import get_settings
from aurenlm.models import PasswordReset, User, utcnow
from aurenlm.repos import audit, users
from aurenlm.repos import tokens as token_rows
from aurenlm.security import passwords, ratelimit, sessions

RESET_TTL = timedelta(minutes=30)
RESET_PATH = '/reset'
EXPIRED = 'This reset link has expired or was already used. Ask for a new one on the "Forgot password?" page.'


class Asked(StrEnum):
    sent = 'sent'  # a mail went out (a link, or the notice that the address has no account)
    mail_failed = 'mail_failed'  # the mail server did not take it; nothing else changed
    rate_limited = 'rate_limited'
    invalid_email = 'invalid_email'
    not_configured = 'not_configured'  # this server sends no mail


@dataclass
class AskResult:
    outcome: Asked
    retry_after: int = 0

    @property
    def message(self) -> str:
        """What to tell the person; the same words whether or not the address has an account."""
        if self.outcome == Asked.sent:
            return (
                'Check your inbox. We sent a mail to this address: a link to choose a new password if it has an '
                'account here, or a note saying it has none. The link works once, for 30 minutes.'
            )
        if self.outcome == Asked.mail_failed:
            return 'The email could not be sent: the mail server did not answer. Please try again in a few minutes.'
        if self.outcome == Asked.rate_limited:
            wait = f'{self.retry_after} s' if self.retry_after < 120 else f'{-(-self.retry_after // 60)} min'
            return f'Too many reset requests. Please wait {wait}, then check your inbox or ask again.'
        if self.outcome == Asked.invalid_email:
            return 'Enter a valid email address, like name@example.com.'
        return 'This server cannot send mail, so it cannot reset passwords by email. Ask your administrator for help.'


class ResetError(ValueError):
    """A new password that cannot be set, with what to do about it."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def available() -> bool:
    """Mail is set up, and links have somewhere to point."""
    settings = get_settings()
    return settings.mail_enabled and settings.link_base is not None


def _plain_address(email: str) -> bool:
    return users.valid_email(email) and not any(ch < ' ' or ch in '<>,;"\x7f' for ch in email)


def _new_link(user: User) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with db.session() as s:
        s.exec(delete(PasswordReset).where(PasswordReset.expires_at <= now))  # old links: housekeeping in passing
        s.add(PasswordReset(id=token_hash(token), user_id=user.id, created_at=now, expires_at=now + RESET_TTL))
        s.commit()
    return token


def _forget_link(token: str) -> None:
    with db.session() as s:
        s.exec(delete(PasswordReset).where(PasswordReset.id == token_hash(token)))
        s.commit()


def reset_url(token: str) -> str:
    return f'{get_settings().link_base}{RESET_PATH}?{urlencode({"token": token})}'


def _link_mail(email: str, token: str):
    body = (
        'Someone (we hope you) asked to reset the password of your AurenLM account.\n\n'
        f'Choose a new password here:\n{reset_url(token)}\n\n'
        'The link works once and expires in 30 minutes. Choosing a new password signs you out on every device.\n\n'
        'If you did not ask for this, ignore this mail: your password stays as it is.\n'
    )
    return mailer.compose(email, 'Reset your AurenLM password', body)


def _notice_mail(email: str):
    base = get_settings().link_base
    body = (
        'Someone (we hope you) asked to reset the password of an AurenLM account for this address, but this address '
        'has no account here.\n\n'
        'If you have an account, it may use another address of yours: ask again with that one.\n'
        f'{base}/forgot\n\n'
        'If you did not ask for this, ignore this mail.\n'
    )
    return mailer.compose(email, 'About your AurenLM password reset request', body)


async def ask(email: str, *, ip: str) -> AskResult:
    """Send a reset link (or the no-account notice) to `email`; the result's message is safe to show as it is."""
    settings = get_settings()
    email = users.normalise_email(email or '')
    if not _plain_address(email):
        return AskResult(Asked.invalid_email)
    if not available():
        return AskResult(Asked.not_configured)
    for rule, scope, key in (
        (settings.rate_reset_ip, 'reset-ip', ip or 'unknown'),
        (settings.rate_reset, 'reset', email),
    ):
        verdict = ratelimit.hit(rule, scope, key)
        if not verdict.allowed:
            return AskResult(Asked.rate_limited, verdict.retry_after)
    account = users.by_email(email)
    token = _new_link(account) if account is not None else None
    message = _link_mail(email, token) if token is not None else _notice_mail(email)
    target = account.id if account is not None else None
    try:
        await mailer.send(message)
    except mailer.MailError:
        if token is not None:
            _forget_link(token)  # nothing else changes: no link is left that nobody received
        audit.record(None, 'password_reset_mail_failed', ip=ip, target_id=target, email=email)
        return AskResult(Asked.mail_failed)
    audit.record(None, 'password_reset_requested', ip=ip, target_id=target, email=email)
    return AskResult(Asked.sent)


def account_for(token: str | None) -> User | None:
    """The account a live reset link belongs to; None for an unknown, used or expired one. Does not use it up."""
    if not token:
        return None
    with db.session() as s:
        row = s.exec(
            select(PasswordReset).where(PasswordReset.id == token_hash(token), PasswordReset.expires_at > utcnow())
        ).first()
        return s.get(User, row.user_id) if row is not None else None


def choose_password(token: str | None, new_password: str, *, ip: str = '') -> User:
    """Set the new password through a reset link, once; every session of the account is revoked after it."""
    user = account_for(token)
    if user is None or not token:
        raise ResetError(EXPIRED)
    problem = passwords.password_problem(new_password, user.email)
    if problem:  # checked before the link is used up, so a refused password does not cost the link
        raise ResetError(problem)
    new_hash = passwords.hash_password(new_password)
    with db.session() as s:
        # the DELETE decides: two submissions racing with one link cannot both win (rowcount 1 on both databases)
        won = s.exec(
            delete(PasswordReset).where(PasswordReset.id == token_hash(token), PasswordReset.expires_at > utcnow())
        )
        if won.rowcount != 1:
            s.rollback()
            raise ResetError(EXPIRED)
        users.store_password(s, user.id, new_hash)  # and the account's other links die too
        users.mark_email_verified_in(s, user.id)  # the link came through the mailbox: OIDC will link it as it is
        # a token made by whoever held the account must not outlive its recovery: same transaction as the password
        revoked_tokens = token_rows.revoke_all_in(s, user.id)
        s.commit()
    sessions.revoke_all(user)
    ratelimit.signin_succeeded(user.email)  # they proved they hold the mailbox: a lock from a guesser is lifted
    audit.record(user.id, 'password_reset', ip=ip, tokens_revoked=revoked_tokens)
    return user
