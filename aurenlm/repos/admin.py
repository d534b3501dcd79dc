"""The queries behind the Admin page: every account with what it owns, and the changes an admin makes to one.

Plain data access with no permission check of its own: aurenlm/accounts/admin.py is the only caller, and it checks
that the acting user is an active admin first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import func, or_, select

from aurenlm import db
from aurenlm.models import ApiToken, AuditEvent, RecoveryCode, SignInTicket, User, utcnow
from aurenlm.repos import usage

PAGE = 50


@dataclass(frozen=True)
class UserRow:
    """One line of the Admin page's list."""

    user: User
    notebooks_owned: int
    usage: usage.Usage

    @property
    def two_factor(self) -> bool:
        return self.user.totp_enabled_at is not None

    @property
    def disabled(self) -> bool:
        return self.user.disabled_at is not None


def _like(text: str) -> str:
    escaped = text.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_')
    return f'%{escaped.lower()}%'


def user_rows(*, search: str = '', after: str | None = None, limit: int = PAGE) -> list[UserRow]:
    """Accounts by email, `limit` at a time; `after` is the last email of the previous page (emails are unique).
    `search` matches a part of the email or the name, ignoring case."""
    query = select(User)
    search = ' '.join((search or '').split())
    if search:
        pattern = _like(search)
        query = query.where(
            or_(
                func.lower(User.email).like(pattern, escape='\\'),
                func.lower(User.display_name).like(pattern, escape='\\'),
            )
        )
    if after is not None:
        query = query.where(User.email > after)
    query = query.order_by(User.email).limit(max(1, min(limit, 500)))
    with db.session() as s:
        people = list(s.exec(query))
    ids = [p.id for p in people]
    owned, used = usage.notebooks_owned(ids), usage.by_user(ids)
    return [UserRow(p, owned.get(p.id, 0), used.get(p.id, usage.Usage())) for p in people]


def active_admins(*, excluding: str | None = None) -> int:
    """Admins who can still sign in, leaving out one account (the one about to be changed)."""
    query = select(func.count(User.id)).where(User.is_admin.is_(True), User.disabled_at.is_(None))
    if excluding is not None:
        query = query.where(User.id != excluding)
    with db.session() as s:
        return int(s.exec(query).one())


def update_user(user_id: str, **values: Any) -> User | None:
    with db.session() as s:
        row = s.get(User, user_id)
        if row is None:
            return None
        for name, value in values.items():
            setattr(row, name, value)
        s.add(row)
        s.commit()
        return row


def disable(user_id: str) -> User | None:
    """Mark the account disabled and drop its sign-in tickets in flight in one transaction (sessions are revoked
    by the caller through aurenlm/security/sessions.py, which tells open pages to check again)."""
    with db.session() as s:
        row = s.get(User, user_id)
        if row is None:
            return None
        row.disabled_at = row.disabled_at or utcnow()
        s.add(row)
        s.exec(delete(SignInTicket).where(SignInTicket.user_id == user_id))
        s.commit()
        return row


def revoke_tokens(user_id: str) -> int:
    """Revoke every live API token of the account; answers how many."""
    with db.session() as s:
        result = s.exec(
            update(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        s.exec(delete(SignInTicket).where(SignInTicket.user_id == user_id))
        s.commit()
        return int(result.rowcount or 0)


def clear_two_factor(user_id: str) -> User | None:
    """Turn TOTP off and drop the recovery codes in one transaction: the person enrols again from scratch."""
    with db.session() as s:
        row = s.get(User, user_id)
        if row is None:
            return None
        row.totp_secret = row.totp_enabled_at = row.totp_last_step = None
        s.add(row)
        s.exec(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
        s.commit()
        return row


def audit_actions() -> list[str]:
    """Every action name the log holds, for the filter."""
    with db.session() as s:
        return sorted(s.exec(select(AuditEvent.action).distinct()))


def emails(user_ids: Iterable[str | None]) -> dict[str, str]:
    ids = sorted({i for i in user_ids if i})
    if not ids:
        return {}
    with db.session() as s:
        return {user_id: email for user_id, email in s.exec(select(User.id, User.email).where(User.id.in_(ids)))}
