"""Server-side sessions: the browser keeps a random token, the database keeps its hash and the timeouts."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import delete, select

from aurenlm import db
from aurenlm.config import get_settings
from aurenlm.models import AuthSession, User, utcnow

# last_seen is written at most this often, so each page view does not cost a write
TOUCH_EVERY = timedelta(seconds=60)


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
        if now - row.last_seen >= TOUCH_EVERY:
            row.last_seen = now
            s.add(row)
            s.commit()
        return user


def revoke(token: str | None) -> None:
    if not token:
        return
    with db.session() as s:
        s.exec(delete(AuthSession).where(AuthSession.id == token_hash(token)))
        s.commit()


def revoke_all(user: User) -> None:
    with db.session() as s:
        s.exec(delete(AuthSession).where(AuthSession.user_id == user.id))
        s.commit()


def active(user: User) -> list[AuthSession]:
    with db.session() as s:
        rows = s.exec(select(AuthSession).where(AuthSession.user_id == user.id).order_by(AuthSession.last_seen.desc()))
        return list(rows)


def purge_expired() -> int:
    settings = get_settings()
    now = utcnow()
    with db.session() as s:
        result = s.exec(
            delete(AuthSession).where(
                (AuthSession.expires_at <= now)
                | (AuthSession.last_seen <= now - timedelta(minutes=settings.session_idle_minutes))
            )
        )
        s.commit()
        return result.rowcount or 0
