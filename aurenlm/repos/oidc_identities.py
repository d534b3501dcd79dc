"""Accounts at an OpenID provider linked to AurenLM accounts (`oidc_identity`: issuer + subject -> user).

The first sign-in through a provider links by the verified email the provider reports; from then on the link is
issuer + subject, so a person whose email changes at the provider still reaches the same account, and somebody who
later gets the old address at the provider does not. One account has at most one link per issuer: a second subject
with the account's email (the provider's account was deleted and made again, or the address was handed to someone
else) is refused rather than let in.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from aurenlm import db
from aurenlm.config import RegistrationPolicy
from aurenlm.models import OidcIdentity, User, utcnow
from aurenlm.repos import instance, invitations
from aurenlm.repos.users import normalise_email, valid_email

# the error codes the sign-in page knows, beside the protocol's in aurenlm/security/oidc.py
NO_ACCOUNT = 'no_account'  # no account has this email and the registration policy does not let one be made
DISABLED = 'disabled'  # an admin disabled the account
CONFLICT = 'conflict'  # the account is already linked to another subject at this provider
CODES = frozenset({NO_ACCOUNT, DISABLED, CONFLICT})

# stored in user.password_hash for an account made by a provider sign-in: no password matches it (it is not an
# argon2 hash) until the person sets one with a password reset
NO_PASSWORD = '!oidc'  # noqa: S105 - a marker that no password can match, not a password


class AccountRefused(Exception):
    """The provider vouched for someone, but they may not sign in here; `code` is one of CODES."""

    def __init__(self, code: str, user: User | None = None) -> None:
        assert code in CODES, code
        super().__init__(code)
        self.code = code
        self.user = user


@dataclass(frozen=True)
class SignIn:
    user: User
    how: str  # 'returning' (known issuer + subject), 'linked' (first time, by email) or 'created' (new account)


def may_register(email: str) -> bool:
    """Does the registration policy let a provider sign-in make an account for this address?"""
    policy = instance.registration_policy()
    if policy == RegistrationPolicy.open:
        return True
    return policy == RegistrationPolicy.invite_only and invitations.pending_for(email)


def _by_subject(issuer: str, subject: str) -> tuple[OidcIdentity, User] | None:
    with db.session() as s:
        row = s.exec(
            select(OidcIdentity, User)
            .join(User, User.id == OidcIdentity.user_id)
            .where(OidcIdentity.issuer == issuer, OidcIdentity.subject == subject)
        ).first()
        return (row[0], row[1]) if row else None


def _touch(identity_id: str, email: str) -> None:
    with db.session() as s:
        row = s.get(OidcIdentity, identity_id)
        if row is not None:
            row.last_used_at = utcnow()
            row.email = email[:320]  # the address the provider gives now, for the admin's eyes only
            s.add(row)
            s.commit()


def _refuse_disabled(user: User) -> User:
    if user.disabled_at is not None:
        raise AccountRefused(DISABLED, user)
    return user


def sign_in(issuer: str, subject: str, email: str, name: str = '') -> SignIn:
    """The account this provider account signs in to: linked before, linked now by its verified email, or made now
    when the registration policy allows. The caller has checked that the provider verified `email`."""
    email = normalise_email(email)
    for _ in range(2):  # a second pass when a concurrent first sign-in of the same person linked or created first
        known = _by_subject(issuer, subject)
        if known is not None:
            _touch(known[0].id, email)
            return SignIn(_refuse_disabled(known[1]), 'returning')
        with db.session() as s:
            user = s.exec(select(User).where(User.email == email)).first()
            if user is not None:
                other = s.exec(
                    select(OidcIdentity.id).where(OidcIdentity.user_id == user.id, OidcIdentity.issuer == issuer)
                ).first()
                if other is not None:
                    raise AccountRefused(CONFLICT, user)
                _refuse_disabled(user)
                s.add(OidcIdentity(user_id=user.id, issuer=issuer, subject=subject, email=email, last_used_at=utcnow()))
                how = 'linked'
            else:
                if not valid_email(email) or not may_register(email):
                    raise AccountRefused(NO_ACCOUNT)
                first = s.exec(select(func.count()).select_from(User)).one() == 0
                user = User(
                    email=email,
                    password_hash=NO_PASSWORD,
                    display_name=name or email.split('@', 1)[0],
                    is_admin=first,  # as with a password registration, the first account runs the instance
                )
                s.add(user)
                s.flush()
                s.add(OidcIdentity(user_id=user.id, issuer=issuer, subject=subject, email=email, last_used_at=utcnow()))
                how = 'created'
            try:
                s.commit()
            except IntegrityError:
                s.rollback()
                continue
            s.refresh(user)
            return SignIn(user, how)
    raise AccountRefused(CONFLICT)


def for_user(user: User) -> list[OidcIdentity]:
    """The provider accounts linked to `user`, oldest first."""
    with db.session() as s:
        return list(
            s.exec(select(OidcIdentity).where(OidcIdentity.user_id == user.id).order_by(OidcIdentity.created_at))
        )
