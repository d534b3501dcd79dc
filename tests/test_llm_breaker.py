"""The circuit breaker on its own, with a clock the test moves by hand."""

from __future__ import annotations

import pytest

from aurenlm.llm.base import LLMUnavailable
from aurenlm.llm.breaker import BreakerOpen, BreakerState, CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_threshold_consecutive_failures() -> None:
    clock = Clock()
    breaker = CircuitBreaker(3, 30, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    breaker.before_call()  # two failures: still closed
    breaker.record_failure()
    assert breaker.state is BreakerState.open
    with pytest.raises(BreakerOpen) as refused:
        breaker.before_call()
    assert refused.value.retry_in_s == pytest.approx(30)


def test_a_success_resets_the_count() -> None:
    breaker = CircuitBreaker(2, 30, clock=Clock())
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state is BreakerState.closed


def test_half_opens_after_cool_down_and_lets_one_trial_through() -> None:
    clock = Clock()
    breaker = CircuitBreaker(1, 30, clock=clock)
    breaker.record_failure()
    clock.now += 10
    assert breaker.retry_in() == pytest.approx(20)
    clock.now += 21
    assert breaker.state is BreakerState.half_open
    breaker.before_call()  # the trial
    with pytest.raises(BreakerOpen):
        breaker.before_call()  # a second caller waits for the trial's verdict
    breaker.record_success()
    assert breaker.state is BreakerState.closed
    breaker.before_call()


def test_a_failed_trial_opens_it_again() -> None:
    clock = Clock()
    breaker = CircuitBreaker(5, 30, clock=clock)
    for _ in range(5):
        breaker.record_failure()
    clock.now += 31
    breaker.before_call()
    breaker.record_failure()  # one failure is enough in half-open state
    assert breaker.state is BreakerState.open
    assert breaker.retry_in() == pytest.approx(30)


def trial_under_way(clock: Clock) -> CircuitBreaker:
    """A breaker that opened on one failure and, 30 s later, has let one trial call through."""
    breaker = CircuitBreaker(1, 30, clock=clock)
    breaker.record_failure()
    clock.now += 31
    breaker.before_call()
    return breaker


def test_a_cancelled_trial_frees_the_slot() -> None:
    breaker = trial_under_way(Clock())
    breaker.release()
    breaker.before_call()  # not stuck behind a trial that will never report


def test_a_trial_that_never_reports_stops_blocking_after_a_cool_down() -> None:
    clock = Clock()
    breaker = trial_under_way(clock)
    with pytest.raises(BreakerOpen):
        breaker.before_call()  # the trial still holds the slot
    clock.now += 31
    breaker.before_call()


def test_unavailable_message_names_the_seconds_left() -> None:
    error = LLMUnavailable(12.2)
    assert error.user_message == 'The AI service is unavailable; try again in about 13 s.'
    assert str(error) == error.user_message
