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
