"""Users: registration, lookup by email, preferences."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from aurenlm import db
from aurenlm.models import User
from aurenlm.security import passwords


class RegistrationError(ValueError):
    """The reason a registration was refused, fit to show."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def valid_email(email: str) -> bool:
    local, _, domain = email.partition('@')
    return bool(local) and '.' in domain and ' ' not in email and len(email) <= 320


def create(email: str, password: str, *, is_admin: bool = False, display_name: str = '') -> User:
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
    )
    with db.session() as s:
        s.add(user)
        try:
            s.commit()
        except IntegrityError:
            s.rollback()
            raise RegistrationError('An account with this email already exists. Sign in instead.') from None
    return user


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
