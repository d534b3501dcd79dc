"""A circuit breaker: after N failures in a row, fail fast for a cool-down, then let one trial call through."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from enum import StrEnum


class BreakerState(StrEnum):
    closed = 'closed'
    open = 'open'
    half_open = 'half-open'


class BreakerOpen(Exception):
    """The breaker refused a call; `retry_in_s` says when it will let one through."""

    def __init__(self, retry_in_s: float) -> None:
        self.retry_in_s = retry_in_s
        super().__init__(f'circuit open, retry in {retry_in_s:.1f} s')


class CircuitBreaker:
    """Counts consecutive failures of a remote service; `clock` is injectable so tests need not sleep.

    closed: calls pass, failures are counted. open: calls fail at once until the cool-down ends. half-open: one
    trial call passes; its success closes the breaker, its failure opens it for another cool-down.
    """

    def __init__(self, threshold: int, cooldown_s: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.threshold = max(1, threshold)
        self.cooldown_s = cooldown_s
        self._clock = clock
        # a lock, not asyncio: the provider is shared by the event loop and worker threads alike
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_started: float | None = None

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state()

    @property
    def failures(self) -> int:
        return self._failures

    def retry_in(self) -> float:
        """Seconds until the breaker lets a call through again (0 when it would now)."""
        with self._lock:
            return self._retry_in()

    def before_call(self) -> None:
        """Let a call through or raise BreakerOpen; in half-open state only one trial call runs at a time."""
        with self._lock:
            state = self._state()
            if state is BreakerState.closed:
                return
            if state is BreakerState.open:
                raise BreakerOpen(self._retry_in())
            now = self._clock()
            # a trial that never reported back (its caller vanished) must not block the service forever
            if self._trial_started is not None and now - self._trial_started < self.cooldown_s:
                raise BreakerOpen(self.cooldown_s - (now - self._trial_started))
            self._trial_started = now

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial_started = None

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._trial_started is not None or self._failures >= self.threshold:
                self._opened_at = self._clock()
                self._trial_started = None

    def release(self) -> None:
        """The call ended without a verdict (cancelled): free the trial slot without changing the state."""
        with self._lock:
            self._trial_started = None

    def reset(self) -> None:
        self.record_success()

    def _state(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.closed
        if self._clock() - self._opened_at < self.cooldown_s:
            return BreakerState.open
        return BreakerState.half_open

    def _retry_in(self) -> float:
        if self._opened_at is None:
            return 0.0
        return max(0.0, self.cooldown_s - (self._clock() - self._opened_at))
