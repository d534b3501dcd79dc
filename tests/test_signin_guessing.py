"""The sign-in page checks passwords in a thread (argon2 takes ~100 ms and must not stall every other page), and
guesses clicked at once are still limited like guesses sent one by one: each is counted before it is checked."""

from __future__ import annotations

import asyncio
import threading

import pytest
from nicegui import background_tasks
from nicegui.testing import User

from aurenlm import repos
from aurenlm.security import passwords, ratelimit
from tests.helpers import PASSWORD, person, sign_in

GUESSES = 8


def sign_in_tasks() -> list[asyncio.Task]:
    return [task for task in background_tasks.running_tasks if '.attempt at ' in task.get_name()]


async def test_guesses_clicked_at_once_are_limited_like_guesses_sent_one_by_one(
    user: User, settings_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_env(RATE_LOGIN='2/15minutes')
    monkeypatch.setattr(ratelimit, 'FIRST_WAIT_S', 60)
    person()
    checked: list[str] = []
    arrived = threading.Condition()
    loop_thread = threading.get_ident()
    real_verify = passwords.verify_password

    def slow_verify(stored: str | None, typed: str) -> bool:
        assert threading.get_ident() != loop_thread, 'the password is checked off the event loop'
        with arrived:  # every check waits until all guesses are in flight (or a second has passed), as if slow
            checked.append(typed)
            arrived.notify_all()
            arrived.wait_for(lambda: len(checked) >= GUESSES, timeout=1.0)
        return real_verify(stored, typed)

    monkeypatch.setattr(passwords, 'verify_password', slow_verify)
    await user.open('/login')
    user.find(marker='email').type('ann@example.com')
    user.find(marker='password').type('a-guess-at-her-password')
    for _ in range(GUESSES):
        user.find(marker='sign-in').click()
    async with asyncio.timeout(10):
        while sign_in_tasks():
            await asyncio.sleep(0.01)
    # two within the budget, and the one that set the lock; the other five waited unchecked
    assert len(checked) == 3, f'{len(checked)} guesses were checked against the password; the limit allows 3'
    # which of the eight answers lands last on the page depends on thread timing; the next try shows the lock
    user.find(marker='sign-in').click()
    await user.should_see('Too many failed sign-ins for this account. Please wait')
    assert len(checked) == 3, 'a guess during the lock is not checked'

    monkeypatch.setattr(passwords, 'verify_password', real_verify)
    await sign_in(user)  # even the right password waits out the lock
    await user.should_see('Too many failed sign-ins for this account')
    await user.should_not_see('Your notebooks')


async def test_a_right_password_takes_its_count_back(user: User, settings_env) -> None:
    settings_env(RATE_LOGIN='2/15minutes', RATE_LOGIN_IP='2/15minutes')
    for name in ('ann', 'bob', 'cara'):
        person(f'{name}@example.com')
    for name in ('ann', 'bob', 'cara', 'ann', 'bob'):  # five sign-ins from one address: none of them failed
        await sign_in(user, f'{name}@example.com')
        await user.should_see('Your notebooks')
        user.find(marker='sign-out').click()
        await user.should_see(marker='sign-in')
    assert repos.users.authenticate('ann@example.com', PASSWORD) is not None
    await sign_in(user, 'ann@example.com', password='one-typo-here')
    await user.should_see('Email or password is not right')
    await user.should_not_see('Please wait')
