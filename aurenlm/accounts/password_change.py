"""Changing a password from Settings: the current one first, the usual policy for the new one, then every other
browser of the account is signed out (this one stays signed in), and the change is audited."""

from __future__ import annotations

from aurenlm import db
from aurenlm.config import get_settings
from aurenlm.models import User
from aurenlm.repos import audit, users
from aurenlm.security import passwords, ratelimit, sessions


class PasswordChangeError(ValueError):
    """Why the password was not changed, with what to do next."""


def change_password(user: User, current: str, new: str, *, keep_token: str | None, ip: str = '') -> int:
    """Answers how many other sessions were signed out. Wrong current passwords count like failed sign-ins of the
    account (RATE_LOGIN), so a borrowed open session cannot be used to guess the password behind it."""
    settings = get_settings()
    # counted before the check, not after a wrong one: the page runs this in a thread, so guesses sent at once would
    # otherwise all pass a look at the count before any of them was counted
    waiting = ratelimit.hit(settings.rate_login, 'password-change', user.id)
    if not waiting.allowed:
        raise PasswordChangeError(waiting.wait_message())
    stored = users.get(user.id)
    if stored is None or not passwords.verify_password(stored.password_hash, current or ''):
        audit.record(user.id, 'password_change_failed', ip=ip)
        raise PasswordChangeError('Your current password is not right. Type it again.')
    ratelimit.forget(settings.rate_login, 'password-change', user.id)  # only wrong current passwords stay counted
    if new == current:
        raise PasswordChangeError('The new password is the same as the current one. Choose a different one.')
    problem = passwords.password_problem(new or '', stored.email)
    if problem:
        raise PasswordChangeError(problem)
    new_hash = passwords.hash_password(new)
    with db.session() as s:
        users.store_password(s, user.id, new_hash)
        s.commit()
    signed_out = sessions.revoke_others(user, keep_token)
    audit.record(user.id, 'password_changed', ip=ip, other_sessions_signed_out=signed_out)
    return signed_out
