"""Accounts at an OpenID provider linked to AurenLM accounts (`oidc_identity`: issuer + subject -> user).

aurenlm/accounts/single_sign_on.py decides when to link; this module only reads and writes the rows.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from aurenlm import db
from aurenlm.models import OidcIdentity, User, utcnow


def find(issuer: str, subject: str) -> tuple[OidcIdentity, User] | None:
    """The link for this provider account, and the AurenLM account it leads to."""
    with db.session() as s:
        row = s.exec(
            select(OidcIdentity, User)
            .join(User, User.id == OidcIdentity.user_id)
            .where(OidcIdentity.issuer == issuer, OidcIdentity.subject == subject)
        ).first()
        return (row[0], row[1]) if row else None


def at_issuer(user: User, issuer: str) -> OidcIdentity | None:
    """The account's link at this provider, if it has one."""
    with db.session() as s:
        query = select(OidcIdentity).where(OidcIdentity.user_id == user.id, OidcIdentity.issuer == issuer)
        return s.exec(query).first()


def link(user: User, issuer: str, subject: str, email: str) -> bool:
    """Link the provider account to `user`; False when a concurrent sign-in linked this provider account first."""
    with db.session() as s:
        s.add(OidcIdentity(user_id=user.id, issuer=issuer, subject=subject, email=email[:320], last_used_at=utcnow()))
        try:
            s.commit()
        except IntegrityError:
            s.rollback()
            return False
    return True


def touch(identity: OidcIdentity, email: str) -> None:
    """A sign-in through this link: when, and the address the provider gives now (for the admin's eyes only; the
    link itself never follows it)."""
    with db.session() as s:
        row = s.get(OidcIdentity, identity.id)
        if row is not None:
            row.last_used_at = utcnow()
            row.email = email[:320]
            s.add(row)
            s.commit()


def for_user(user: User) -> list[OidcIdentity]:
    """The provider accounts linked to `user`, oldest first."""
    with db.session() as s:
        return list(
            s.exec(select(OidcIdentity).where(OidcIdentity.user_id == user.id).order_by(OidcIdentity.created_at))
        )
