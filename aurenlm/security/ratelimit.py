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


@dataclass
class SignInAttempt:
    """One password check, counted before it is made (`begin_signin`). `verdict.allowed` False: refused unchecked.
    Settle it with `signin_attempt_failed` or `signin_attempt_right`."""

    email: str
    ip: str
    verdict: Verdict
    locks: list[tuple[str, str]]  # the locks this attempt set (kind, key), past the budget


def _signin_keys(email: str, ip: str) -> list[tuple[str, str, str]]:
    settings = get_settings()
    return [('account', email, settings.rate_login), ('address', ip or 'unknown', settings.rate_login_ip)]


def _uncount(kind: str, key: str, rule: str) -> None:
    storage = limiter().storage
    name = f'{_FAILURES}/{kind}/{key}'
    if storage.get(name) > 0:
        storage.incr(name, parse(rule).get_expiry(), amount=-1)


def begin_signin(email: str, ip: str) -> SignInAttempt:
    """Count a password check as a failure before it is made, so checks running at once (in threads, or in other
    processes through Redis) cannot all pass a look at the count. Within the budget it may go ahead; past it, only the
    one attempt that sets the next (doubling) lock may, and every other one is refused unchecked and not counted."""
    waiting = signin_allowed(email, ip)
    if not waiting.allowed:
        return SignInAttempt(email, ip, waiting, [])
    storage = limiter().storage
    cap = get_settings().login_backoff_max_s
    keys = _signin_keys(email, ip)
    counted = [
        (kind, key, rule, storage.incr(f'{_FAILURES}/{kind}/{key}', parse(rule).get_expiry()))
        for kind, key, rule in keys
    ]
    claimed: list[tuple[str, str]] = []
    verdict = Verdict(True)
    for kind, key, rule, failures in counted:
        over = failures - parse(rule).amount
        if over <= 0:
            continue
        wait = max(1, min(cap, FIRST_WAIT_S * 2 ** min(over - 1, 30)))
        if storage.incr(f'{_LOCK}/{kind}/{key}', wait) != 1:  # another attempt set it first: this one waits
            for held_kind, held_key in claimed:
                storage.clear(f'{_LOCK}/{held_kind}/{held_key}')
            for k, key_, rule_, _ in counted:
                _uncount(k, key_, rule_)
            return SignInAttempt(email, ip, Verdict(False, _lock_left(kind, key), kind), [])
        claimed.append((kind, key))
        if wait > verdict.retry_after:
            verdict = Verdict(False, wait, kind)
    # allowed to check; `verdict` carries the lock it set, said after a wrong password
    return SignInAttempt(email, ip, Verdict(True, verdict.retry_after, verdict.locked), claimed)


def signin_attempt_failed(attempt: SignInAttempt) -> Verdict:
    """The password was wrong: the count and any lock stay. Answers the lock to mention, if this attempt set one."""
    verdict = attempt.verdict
    return Verdict(False, verdict.retry_after, verdict.locked) if verdict.locked else Verdict(True)


def signin_attempt_right(attempt: SignInAttempt, *, clear_account: bool = True) -> None:
    """The password was right: the attempt is forgotten (and, with `clear_account`, the account's failures too)."""
    storage = limiter().storage
    for kind, key in attempt.locks:
        storage.clear(f'{_LOCK}/{kind}/{key}')
    for kind, key, rule in _signin_keys(attempt.email, attempt.ip):
        _uncount(kind, key, rule)
    if clear_account:
        signin_succeeded(attempt.email)


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
