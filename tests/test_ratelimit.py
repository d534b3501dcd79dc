"""Rate limits in memory and in Redis."""

import uuid

from aurenlm.security import ratelimit


def test_memory_limit_allows_then_refuses_with_wait():
    key = uuid.uuid4().hex
    assert all(ratelimit.hit('3/minute', 'login', key).allowed for _ in range(3))
    verdict = ratelimit.hit('3/minute', 'login', key)
    assert not verdict.allowed
    assert 1 <= verdict.retry_after <= 60
    assert f'{verdict.retry_after} s' in verdict.wait_message()


def test_limits_are_per_key():
    a, b = uuid.uuid4().hex, uuid.uuid4().hex
    for _ in range(2):
        ratelimit.hit('2/minute', 'login', a)
    assert not ratelimit.hit('2/minute', 'login', a).allowed
    assert ratelimit.hit('2/minute', 'login', b).allowed


def test_redis_storage_is_shared_between_limiters(settings_env):
    settings_env(REDIS_URL='redis://127.0.0.1:6379/15')
    key = uuid.uuid4().hex
    assert ratelimit.hit('2/minute', 'register-ip', key).allowed
    ratelimit._limiter = None  # a second process would build its own limiter on the same Redis
    assert ratelimit.hit('2/minute', 'register-ip', key).allowed
    ratelimit._limiter = None
    assert not ratelimit.hit('2/minute', 'register-ip', key).allowed
    assert 'redis' in type(ratelimit.limiter().storage).__name__.lower()


def test_sign_in_counts_only_failures_with_a_doubling_wait():
    email, ip = f'{uuid.uuid4().hex}@example.com', '203.0.113.5'
    for _ in range(5):
        assert ratelimit.signin_failed(email, ip).allowed
    lock = ratelimit.signin_failed(email, ip)
    assert (lock.allowed, lock.retry_after, lock.locked) == (False, 1, 'account')
    assert not ratelimit.signin_allowed(email, ip).allowed
    assert ratelimit.signin_allowed('someone-else@example.com', ip).allowed
    assert 'for this account' in lock.wait_message() and '1 s' in lock.wait_message()


def test_the_wait_is_capped_and_said_in_minutes(settings_env, monkeypatch):
    settings_env(LOGIN_BACKOFF_MAX_S='300')
    monkeypatch.setattr(ratelimit, 'FIRST_WAIT_S', 1000)
    email = f'{uuid.uuid4().hex}@example.com'
    for _ in range(5):
        ratelimit.signin_failed(email, '203.0.113.6')
    lock = ratelimit.signin_failed(email, '203.0.113.6')
    assert lock.retry_after == 300 and 'wait 5 min' in lock.wait_message()


def test_sign_in_failures_are_shared_between_processes_through_redis(settings_env, monkeypatch):
    settings_env(REDIS_URL='redis://127.0.0.1:6379/15')
    monkeypatch.setattr(ratelimit, 'FIRST_WAIT_S', 60)  # a lock that outlasts a slow test machine
    email, ip = f'{uuid.uuid4().hex}@example.com', '203.0.113.7'
    for _ in range(6):
        ratelimit._limiter = None  # each failure lands on another process
        ratelimit.signin_failed(email, ip)
    ratelimit._limiter = None
    verdict = ratelimit.signin_allowed(email, ip)
    assert not verdict.allowed and verdict.locked == 'account'
    ratelimit.signin_succeeded(email)
    ratelimit._limiter = None
    assert ratelimit.signin_allowed(email, ip).allowed
