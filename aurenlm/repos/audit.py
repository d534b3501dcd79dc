"""Audit trail: who did what security-relevant thing, to whom, and from where.

Append-only by design: this module can add events and read them, and has no way to change or remove one
(tests/test_account_settings.py checks that no such function appears). A deleted account's events stay, with the
account's id set to NULL by the foreign key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import or_, select

from aurenlm import db
from aurenlm.models import AuditEvent, Notebook, User
from aurenlm.repos import users

PAGE = 50


def record(user_id: str | None, action: str, *, ip: str = '', target_id: str | None = None, **detail: Any) -> None:
    """Add one event. `user_id` acted; `target_id` is the account it concerns, when that differs from the actor
    (an admin acting on someone, an owner sharing with someone) or the actor is unknown (a failed sign-in)."""
    with db.session() as s:
        s.add(AuditEvent(user_id=user_id, target_id=target_id, action=action, ip=ip[:64], detail=detail))
        s.commit()


def signin_failed(email: str, *, ip: str = '', **detail: Any) -> None:
    """A wrong password (or code) for `email`: when the address has an account, the event names it as the target, so
    its owner sees the attempt in their activity log; the email is kept either way for the admin's view."""
    account = users.by_email(email) if email else None
    record(None, 'login_failed', ip=ip, target_id=account.id if account else None, email=email[:320], **detail)


def _page(query, before: tuple[datetime, str] | None, limit: int):
    if before is not None:
        at, last_id = before
        query = query.where((AuditEvent.created_at < at) | ((AuditEvent.created_at == at) & (AuditEvent.id < last_id)))
    query = query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(max(1, min(limit, 500)))
    with db.session() as s:
        return list(s.exec(query))


def for_user(user: User, *, limit: int = PAGE, before: tuple[datetime, str] | None = None) -> list[AuditEvent]:
    """A person's own activity, newest first: what they did, and what was done to their account by others (an admin,
    a notebook owner) or by somebody unknown (a failed sign-in with their email). `before` is the (created_at, id)
    of the previous page's last event."""
    query = select(AuditEvent).where(or_(AuditEvent.user_id == user.id, AuditEvent.target_id == user.id))
    return _page(query, before, limit)


def everyone(
    *,
    user_id: str | None = None,
    action: str | None = None,
    limit: int = PAGE,
    before: tuple[datetime, str] | None = None,
) -> list[AuditEvent]:
    """Every event, newest first, for the admin's view; narrowed to the events by or about one account (`user_id`)
    or to one action. Callers check that the acting user is an admin."""
    query = select(AuditEvent)
    if user_id is not None:
        query = query.where(or_(AuditEvent.user_id == user_id, AuditEvent.target_id == user_id))
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return _page(query, before, limit)


def emails_of(events: list[AuditEvent]) -> dict[str, str]:
    """The emails of the accounts that acted in or were the subject of these events (deleted ones are missing)."""
    ids = sorted({i for e in events for i in (e.user_id, e.target_id) if i})
    if not ids:
        return {}
    with db.session() as s:
        return dict(s.exec(select(User.id, User.email).where(User.id.in_(ids))).all())


def notebook_titles(events: list[AuditEvent]) -> dict[str, str]:
    """The titles of the notebooks these events name in their detail (deleted ones are missing)."""
    ids = sorted({e.detail['notebook_id'] for e in events if isinstance(e.detail.get('notebook_id'), str)})
    if not ids:
        return {}
    with db.session() as s:
        return dict(s.exec(select(Notebook.id, Notebook.title).where(Notebook.id.in_(ids))).all())
