"""Password rules and argon2id hashing."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10
MAX_LENGTH = 1024  # argon2 would take anything; a cap stops hashing megabytes on purpose
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# verifying against this keeps a login for an unknown email as slow as one for a known email
_DUMMY_HASH = _hasher.hash('dummy password for timing only')


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name('common_passwords.txt')
    return frozenset(
        line.strip().lower() for line in path.read_text().splitlines() if line.strip() and not line.startswith('#')
    )


def password_problem(password: str, email: str) -> str | None:
    """Why this password is not acceptable, in words a person can act on; None when it is fine."""
    if len(password) < MIN_LENGTH:
        return f'Use at least {MIN_LENGTH} characters for your password.'
    if len(password) > MAX_LENGTH:
        return f'Use at most {MAX_LENGTH} characters for your password.'
    local = email.split('@', 1)[0].strip().lower()
    if len(local) >= 3 and local in password.lower():
        return 'Your password must not contain your email name. Choose something others cannot guess.'
    if password.lower() in common_passwords():
        return 'This password is too common. Choose a longer phrase that is unique to you.'
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
