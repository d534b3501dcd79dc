"""Rate limits over the `limits` package: in memory by default, in Redis when REDIS_URL is set."""

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

    def wait_message(self) -> str:
        return f'Too many attempts. Please wait {self.retry_after} s and try again.'


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
