"""Rate limits over the `limits` package: in memory by default, in Redis when REDIS_URL is set.

Sign-in is limited differently: only failures count, per account and per address, and past a free budget each
further failure locks that account (or address) for a wait that doubles, so an office behind one address can all
sign in at nine, and a password guesser slows to a crawl.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from aurenlm.config import get_settings

_lock = threading.Lock()
_limiter: MovingWindowRateLimiter | None = None


@dataclass
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds
    locked: str = ''  # for sign-in: 'account' or 'address', whichever is waiting out a lock

    def wait_message(self) -> str:
        wait = f'{self.retry_after} s' if self.retry_after < 120 else f'{math.ceil(self.retry_after / 60)} min'
        if self.locked == 'account':
            return f'Too many failed sign-ins for this account. Please wait {wait} and try again.'
        if self.locked == 'address':
            return f'Too many failed sign-ins from your network. Please wait {wait} and try again.'
        if self.locked == 'code':
            return f'Too many wrong codes for this account. Please wait {wait} and try again.'
        return f'Too many attempts. Please wait {wait} and try again.'


def limiter() -> MovingWindowRateLimiter:
    global _limiter  # noqa: PLW0603 - one limiter (and storage connection) per process
    with _lock:
        if _limiter is None:
            settings = get_settings()
            uri = settings.redis_url or 'memory://'
            _limiter = MovingWindowRateLimiter(storage_from_string(uri))
        return _limiter


def reset() -> None:
    global _limiter  # noqa: PLW0603
    with _lock:
        if _limiter is not None:
            _limiter.storage.reset()
        _limiter = None


def hit(rule: str, *keys: str) -> Verdict:
    """Count one hit against `rule` (e.g. '5/minute') for these keys; say whether it is allowed."""
    item = parse(rule)
    lim = limiter()
    if lim.hit(item, *keys):
        return Verdict(True)
    reset_at = lim.get_window_stats(item, *keys).reset_time
    return Verdict(False, max(1, math.ceil(reset_at - time.time())))


def check(rule: str, *keys: str) -> Verdict:
    """Like hit(), without counting: is there room for one more?"""
    item = parse(rule)
    lim = limiter()
    if lim.test(item, *keys):
        return Verdict(True)
    reset_at = lim.get_window_stats(item, *keys).reset_time
    return Verdict(False, max(1, math.ceil(reset_at - time.time())))


def forget(rule: str, *keys: str) -> None:
    """Start the count for these keys again (a guess that was counted up front turned out right)."""
    limiter().clear(parse(rule), *keys)


# -- sign-in: failures only, per account and per address, with a doubling wait --------------------------------------

_FAILURES = 'aurenlm-signin-failures'
_LOCK = 'aurenlm-signin-lock'
FIRST_WAIT_S = 1  # the first failure past the budget waits this long; each further one twice the last


def _lock_left(kind: str, key: str) -> int:
    storage = limiter().storage
    name = f'{_LOCK}/{kind}/{key}'
    if storage.get(name) <= 0:
        return 0
    return max(1, math.ceil(storage.get_expiry(name) - time.time()))


def _count_failure(kind: str, key: str, rule: str, cap_s: int) -> Verdict:
    item = parse(rule)
    storage = limiter().storage
    failures = storage.incr(f'{_FAILURES}/{kind}/{key}', item.get_expiry())
    over = failures - item.amount
    if over <= 0:
        return Verdict(True)
    wait = max(1, min(cap_s, FIRST_WAIT_S * 2 ** min(over - 1, 30)))
    lock = f'{_LOCK}/{kind}/{key}'
    storage.clear(lock)  # a fresh expiry: counters keep the one they were born with
    storage.incr(lock, wait)
    return Verdict(False, wait, kind)


def signin_allowed(email: str, ip: str) -> Verdict:
    """Before a password is even checked: is this account, or this address, waiting out a lock?"""
    for kind, key in (('account', email), ('address', ip or 'unknown')):
        wait = _lock_left(kind, key)
        if wait:
            return Verdict(False, wait, kind)
    return Verdict(True)


def signin_failed(email: str, ip: str) -> Verdict:
    """Count a wrong password against the account and the address; the longer of any new lock comes back."""
    settings = get_settings()
    verdicts = [
        _count_failure('account', email, settings.rate_login, settings.login_backoff_max_s),
        _count_failure('address', ip or 'unknown', settings.rate_login_ip, settings.login_backoff_max_s),
    ]
    return max(verdicts, key=lambda v: v.retry_after)


def signin_succeeded(email: str) -> None:
    """The right password clears the account's count (not the address's: one person's success is not everyone's)."""
    storage = limiter().storage
    storage.clear(f'{_FAILURES}/account/{email}')
    storage.clear(f'{_LOCK}/account/{email}')


# -- the second factor (TOTP or recovery code): the same failure count and doubling wait, per account ----------------


def code_allowed(user_id: str) -> Verdict:
    """Before a 2FA code is even checked: is this account waiting out a lock for wrong codes?"""
    wait = _lock_left('code', user_id)
    return Verdict(False, wait, 'code') if wait else Verdict(True)


def code_failed(user_id: str) -> Verdict:
    """Count a wrong code (or, when turning 2FA off, a wrong password) against the account (RATE_2FA)."""
    settings = get_settings()
    return _count_failure('code', user_id, settings.rate_2fa, settings.login_backoff_max_s)


def code_succeeded(user_id: str) -> None:
    storage = limiter().storage
    storage.clear(f'{_FAILURES}/code/{user_id}')
    storage.clear(f'{_LOCK}/code/{user_id}')
