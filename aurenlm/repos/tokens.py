"""Personal access tokens: rows keyed by the token's sha256, always listed and revoked through their owner."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from aurenlm import db
from aurenlm.models import ApiToken, User, utcnow


def create(
    user: User, *, name: str, token_hash: str, prefix: str, can_write: bool, expires_at: datetime | None
) -> ApiToken:
    row = ApiToken(
        user_id=user.id, name=name, token_hash=token_hash, prefix=prefix, can_write=can_write, expires_at=expires_at
    )
    with db.session() as s:
        s.add(row)
        s.commit()
        s.refresh(row)
    return row


def list_for(user: User) -> list[ApiToken]:
    """Newest first, revoked and expired ones included: the list is also the record of what existed."""
    with db.session() as s:
        return list(s.exec(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())))


def get(user: User, token_id: str) -> ApiToken | None:
    with db.session() as s:
        return s.exec(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)).first()


def revoke(user: User, token_id: str) -> bool:
    """True when this user's live token was revoked now; revoking twice keeps the first time."""
    with db.session() as s:
        result = s.exec(
            update(ApiToken)
            .where(ApiToken.id == token_id, ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        s.commit()
        return bool(result.rowcount)


def revoke_all_in(s: Session, user_id: str) -> int:
    """Revoke every live token of the account inside the caller's transaction; answers how many."""
    result = s.exec(
        update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow())
    )
    return int(result.rowcount or 0)


def by_hash(token_hash: str) -> tuple[ApiToken, User] | None:
    """The token with this hash and the person it acts for: the one lookup that decides who the caller is."""
    with db.session() as s:
        found = s.exec(
            select(ApiToken, User).join(User, User.id == ApiToken.user_id).where(ApiToken.token_hash == token_hash)
        ).first()
        return (found[0], found[1]) if found else None


def touch(token_id: str, at: datetime) -> None:
    with db.session() as s:
        s.exec(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=at))
        s.commit()
