"""Server-side sessions: the browser keeps a random token, the database keeps its hash and the timeouts.

A sign-in happens over the socket, which cannot set cookies, so the password check issues a one-time ticket and the
browser takes it to an HTTP route (aurenlm/web/auth.py) that redeems it for a session and sets the cookie.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from loguru import logger
from sqlmodel import delete, select, update

from aurenlm import db
from aurenlm.config import get_settings
from aurenlm.models import AuthSession, Invitation, SignInTicket, User, utcnow

# last_seen is written at most this often, so each page view does not cost a write
TOUCH_EVERY = timedelta(seconds=60)
# long enough for a slow phone to follow one redirect, short enough to be useless in a log or a history
TICKET_TTL = timedelta(seconds=60)
PURGE_EVERY_S = 3600.0


@dataclass
class NewSession:
    token: str
    session: AuthSession


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(user: User, *, ip: str = '', user_agent: str = '') -> NewSession:
    settings = get_settings()
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = AuthSession(
        id=token_hash(token),
        user_id=user.id,
        created_at=now,
        last_seen=now,
        expires_at=now + timedelta(hours=settings.session_max_hours),
        ip=ip[:64],
        user_agent=user_agent[:400],
    )
    with db.session() as s:
        s.add(row)
        s.exec(update(User).where(User.id == user.id).values(last_seen_at=now))
        s.commit()
    return NewSession(token=token, session=row)


def resolve(token: str | None) -> User | None:
    """The signed-in user for this token, or None when it is unknown, idle too long or past its lifetime."""
    if not token:
        return None
    settings = get_settings()
    now = utcnow()
    with db.session() as s:
        row = s.get(AuthSession, token_hash(token))
        if row is None:
            return None
        idle_limit = row.last_seen + timedelta(minutes=settings.session_idle_minutes)
        if now >= row.expires_at or now >= idle_limit:
            s.delete(row)
            s.commit()
            return None
        user = s.get(User, row.user_id)
        if user is None or user.disabled_at is not None:  # disabled: signed out everywhere, whatever is left over
            s.delete(row)
            s.commit()
            return None
        if now - row.last_seen >= TOUCH_EVERY:
            row.last_seen = user.last_seen_at = now  # the Admin page's "last seen", at the same throttled pace
            s.add(row)
            s.add(user)
            s.commit()
        return user


_revocations = 0  # how many revocations this process has made; open pages recheck their session when it moves


def revocations() -> int:
    return _revocations


def _revoked() -> None:
    global _revocations  # noqa: PLW0603 - a process-wide counter, not state of any one user
    _revocations += 1


def revoke(token: str | None) -> None:
    if not token:
        return
    with db.session() as s:
        s.exec(delete(AuthSession).where(AuthSession.id == token_hash(token)))
        s.commit()
    _revoked()


def revoke_all(user: User) -> None:
    with db.session() as s:
        s.exec(delete(AuthSession).where(AuthSession.user_id == user.id))
        s.commit()
    _revoked()


def revoke_others(user: User, keep_token: str | None) -> int:
    """Sign out every browser of this person except the one holding `keep_token`; answers how many went."""
    keep = token_hash(keep_token) if keep_token else ''
    with db.session() as s:
        gone = s.exec(delete(AuthSession).where(AuthSession.user_id == user.id, AuthSession.id != keep))
        s.commit()
    _revoked()
    return gone.rowcount or 0


def revoke_session(user: User, session_id: str) -> bool:
    """Sign out one of this person's browsers by its row id (the token's hash); another person's id does nothing."""
    with db.session() as s:
        gone = s.exec(delete(AuthSession).where(AuthSession.user_id == user.id, AuthSession.id == session_id))
        s.commit()
    _revoked()
    return (gone.rowcount or 0) == 1


def active(user: User) -> list[AuthSession]:
    with db.session() as s:
        rows = s.exec(select(AuthSession).where(AuthSession.user_id == user.id).order_by(AuthSession.last_seen.desc()))
        return list(rows)


def issue_ticket(user: User, browser_id: str) -> str:
    """A one-time ticket that signs `user` in, only in the browser whose NiceGUI id is `browser_id`."""
    ticket = secrets.token_urlsafe(32)
    row = SignInTicket(
        id=token_hash(ticket), user_id=user.id, browser=token_hash(browser_id), expires_at=utcnow() + TICKET_TTL
    )
    with db.session() as s:
        s.add(row)
        s.commit()
    return ticket


def redeem_ticket(ticket: str | None, browser_id: str) -> User | None:
    """The ticket's user, once: the DELETE decides, so two requests racing with one ticket cannot both win."""
    if not ticket or not browser_id:
        return None
    ticket_id = token_hash(ticket)
    with db.session() as s:
        row = s.get(SignInTicket, ticket_id)
        if row is None:
            return None
        user_id = row.user_id
        won = s.exec(
            delete(SignInTicket).where(
                SignInTicket.id == ticket_id,
                SignInTicket.browser == token_hash(browser_id),
                SignInTicket.expires_at > utcnow(),
            )
        )
        s.commit()
        if won.rowcount != 1:
            return None
        user = s.get(User, user_id)
        return user if user is not None and user.disabled_at is None else None


def purge_expired() -> int:
    """Delete sessions past their lifetime or idle limit, tickets past their minute and invitation links past their
    INVITATION_DAYS; answers how many rows."""
    settings = get_settings()
    now = utcnow()
    with db.session() as s:
        sessions_gone = s.exec(
            delete(AuthSession).where(
                (AuthSession.expires_at <= now)
                | (AuthSession.last_seen <= now - timedelta(minutes=settings.session_idle_minutes))
            )
        )
        tickets_gone = s.exec(delete(SignInTicket).where(SignInTicket.expires_at <= now))
        invitations_gone = s.exec(delete(Invitation).where(Invitation.expires_at <= now))
        s.commit()
        return (sessions_gone.rowcount or 0) + (tickets_gone.rowcount or 0) + (invitations_gone.rowcount or 0)


async def purge_forever(every_s: float = PURGE_EVERY_S) -> None:
    """Purge now and then every `every_s` seconds until cancelled (main.py runs it for the server's lifetime).
    Expired rows already fail to resolve; this keeps the tables from growing without end."""
    while True:
        try:
            removed = await asyncio.to_thread(purge_expired)
            if removed:
                logger.info('Purged {} expired sessions, sign-in tickets and invitations', removed)
        except Exception:  # a database hiccup must not end the loop for the rest of the process's life
            logger.exception('Purging expired sessions failed; trying again later')
        await asyncio.sleep(every_s)
