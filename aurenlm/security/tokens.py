"""Personal access tokens for the REST API: made here, shown once, kept only as a sha256 hash and a short prefix.

A token is `aur_` + 43 url-safe characters (256 random bits), so a hash lookup is all the check it needs: there is
nothing to guess and no password-style slow hash is called for.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from aurenlm.models import ApiToken, User, utcnow
from aurenlm.repos import audit, users
from aurenlm.repos import tokens as token_rows

PREFIX = 'aur_'
SHOWN_PREFIX = len(PREFIX) + 6  # 'aur_Ab3xY_': enough to tell tokens apart in a list, far too little to use
MAX_NAME = 100
MAX_EXPIRY_DAYS = 3650
# last_used_at is written at most this often, so a busy script does not cost a write per request
TOUCH_EVERY = timedelta(seconds=60)


class TokenError(ValueError):
    """A token could not be made; the message says what to change."""


class TokenRejected(Exception):
    """The token in a request does not authenticate. `code` is machine-readable, `message` says what to do."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class NewToken:
    token: str  # the only time the full token exists outside the caller's hands
    row: ApiToken


@dataclass
class Authenticated:
    user: User
    token: ApiToken


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def clean_name(name: str) -> str:
    name = ' '.join((name or '').split())
    if not name:
        raise TokenError('Give the token a name, such as the script or machine that will use it.')
    if len(name) > MAX_NAME:
        raise TokenError(f'Keep the name under {MAX_NAME} characters.')
    return name


def issue(user: User, name: str, *, can_write: bool = False, expires_days: int | None = None, ip: str = '') -> NewToken:
    """Make a token for `user` (audited). `expires_days` None means it never expires (until revoked)."""
    name = clean_name(name)
    expires_at = None
    if expires_days is not None:
        if not 1 <= expires_days <= MAX_EXPIRY_DAYS:
            raise TokenError(f'Choose an expiry between 1 and {MAX_EXPIRY_DAYS} days, or none.')
        expires_at = utcnow() + timedelta(days=expires_days)
    token = PREFIX + secrets.token_urlsafe(32)
    row = token_rows.create(
        user,
        name=name,
        token_hash=token_hash(token),
        prefix=token[:SHOWN_PREFIX],
        can_write=can_write,
        expires_at=expires_at,
    )
    audit.record(user.id, 'token_created', ip=ip, token=row.prefix, name=name, can_write=can_write)
    return NewToken(token=token, row=row)


def revoke(user: User, token_id: str, *, ip: str = '') -> bool:
    """Revoke one of the user's live tokens (audited); False when it is not theirs or already revoked."""
    row = token_rows.get(user, token_id)
    if row is None or not token_rows.revoke(user, token_id):
        return False
    audit.record(user.id, 'token_revoked', ip=ip, token=row.prefix, name=row.name)
    return True


def authenticate(token: str | None) -> Authenticated:
    """The user and token row for a presented token, or TokenRejected saying why not."""
    if not token:
        raise TokenRejected(
            'unauthorized',
            'Send a personal access token as "Authorization: Bearer aur_…". Create one on the Settings page.',
        )
    if not token.startswith(PREFIX) or len(token) > 200:
        raise TokenRejected('invalid_token', 'This is not an AurenLM token. Tokens start with "aur_".')
    found = token_rows.by_hash(token_hash(token))
    if found is None:
        raise TokenRejected(
            'invalid_token', 'This token is not known. Check that it was copied whole, or make a new one.'
        )
    row, user = found
    now = utcnow()
    if row.revoked_at is not None:
        raise TokenRejected('token_revoked', 'This token was revoked. Create a new one on the Settings page.')
    if row.expires_at is not None and now >= row.expires_at:
        raise TokenRejected(
            'token_expired',
            f'This token expired on {row.expires_at:%Y-%m-%d}. Create a new one on the Settings page.',
        )
    if user.disabled_at is not None:  # not revoked: the tokens work again if an admin enables the account
        raise TokenRejected(
            'account_disabled', 'The account this token acts for is disabled. Ask your administrator to enable it.'
        )
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        token_rows.touch(row.id, now)
        users.touch_last_seen(user.id, now)
        row.last_used_at = now
    return Authenticated(user=user, token=row)


def status(row: ApiToken, now: datetime | None = None) -> str:
    """active | expired | revoked, for lists."""
    now = now or utcnow()
    if row.revoked_at is not None:
        return 'revoked'
    if row.expires_at is not None and now >= row.expires_at:
        return 'expired'
    return 'active'
