"""Users: registration, lookup by email, preferences."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from aurenlm import db
from aurenlm.models import ApiToken, PasswordReset, RecoveryCode, User, utcnow
from aurenlm.security import passwords


class RegistrationError(ValueError):
    """The reason a registration was refused, fit to show."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def valid_email(email: str) -> bool:
    local, _, domain = email.partition('@')
    return bool(local) and '.' in domain and ' ' not in email and len(email) <= 320


def create(
    email: str, password: str, *, is_admin: bool = False, display_name: str = '', email_verified: bool = False
) -> User:
    """A new account. It accepts no invitation by itself: typing an address proves nothing (docs/sharing.md); an
    invitation is accepted through its link. `email_verified` when someone proved the mailbox (an admin's create-user,
    an OpenID provider)."""
    email = normalise_email(email)
    if not valid_email(email):
        raise RegistrationError('Enter a valid email address, like name@example.com.')
    problem = passwords.password_problem(password, email)
    if problem:
        raise RegistrationError(problem)
    user = User(
        email=email,
        password_hash=passwords.hash_password(password),
        is_admin=is_admin,
        display_name=display_name or email.split('@', 1)[0],
        email_verified_at=utcnow() if email_verified else None,
    )
    with db.session() as s:
        s.add(user)
        try:
            s.commit()
        except IntegrityError:
            s.rollback()
            raise RegistrationError('An account with this email already exists. Sign in instead.') from None
    return user


def reclaim(user_id: str, password_hash: str) -> int:
    """Take an unproven account back for the owner of its mailbox (an OpenID provider just proved it): a new password
    nobody knows, no 2FA of whoever set it up, its API tokens revoked, and the address counted as proven, in one
    transaction. Answers how many tokens were revoked; the caller signs its browsers out."""
    with db.session() as s:
        row = s.get(User, user_id)
        if row is None:
            return 0
        now = utcnow()
        row.password_hash, row.password_changed_at, row.email_verified_at = password_hash, now, now
        row.totp_secret, row.totp_enabled_at, row.totp_last_step = None, None, None
        s.add(row)
        s.exec(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
        s.exec(delete(PasswordReset).where(PasswordReset.user_id == user_id))
        revoked = s.exec(
            update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None)).values(revoked_at=now)
        )
        s.commit()
        return int(revoked.rowcount or 0)


def mark_email_verified(user_id: str) -> None:
    with db.session() as s:
        mark_email_verified_in(s, user_id)
        s.commit()


def mark_email_verified_in(s: Session, user_id: str) -> None:
    """The account proved it holds its mailbox (inside the caller's transaction); the first proof's time is kept."""
    s.exec(update(User).where(User.id == user_id, User.email_verified_at.is_(None)).values(email_verified_at=utcnow()))


def authenticate(email: str, password: str) -> User | None:
    """The user when email and password match; None otherwise, taking as long either way."""
    with db.session() as s:
        user = s.exec(select(User).where(User.email == normalise_email(email))).first()
    if not passwords.verify_password(user.password_hash if user else None, password):
        return None
    assert user is not None
    if passwords.needs_rehash(user.password_hash):
        with db.session() as s:
            user.password_hash = passwords.hash_password(password)
            s.add(user)
            s.commit()
    return user


def by_email(email: str) -> User | None:
    with db.session() as s:
        return s.exec(select(User).where(User.email == normalise_email(email))).first()


def get(user_id: str) -> User | None:
    with db.session() as s:
        return s.get(User, user_id)


def set_dark_mode(user: User, value: bool | None) -> None:
    with db.session() as s:
        row = s.get(User, user.id)
        if row is not None:
            row.dark_mode = value
            s.add(row)
            s.commit()
    user.dark_mode = value


def count() -> int:
    with db.session() as s:
        return s.exec(select(func.count()).select_from(User)).one()


def store_password(s: Session, user_id: str, password_hash: str) -> None:
    """Write a new password hash inside the caller's transaction; every reset link still in a mailbox dies with the
    old password."""
    row = s.get(User, user_id)
    if row is None:
        return
    row.password_hash = password_hash
    row.password_changed_at = utcnow()
    s.add(row)
    s.exec(delete(PasswordReset).where(PasswordReset.user_id == user_id))


def promote_if_first(user: User) -> User:
    """Make `user` an admin when it is the only account of the instance: the first to register runs the place.

    One conditional UPDATE, so it only ever promotes the sole account. (Two first registrations racing each see the
    other and neither is promoted; `python -m aurenlm create-user --admin` then makes one.)"""
    with db.session() as s:
        only = select(func.count()).select_from(User).scalar_subquery() == 1
        done = s.exec(update(User).where(User.id == user.id, only).values(is_admin=True))
        s.commit()
    if done.rowcount:
        user.is_admin = True
    return user


def touch_last_seen(user_id: str, at: datetime) -> None:
    with db.session() as s:
        s.exec(update(User).where(User.id == user_id).values(last_seen_at=at))
        s.commit()
