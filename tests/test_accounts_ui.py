"""A person registers, signs in and out; sessions that lapse send them back to sign in."""

import asyncio
from datetime import timedelta

from nicegui.testing import User

from aurenlm import db
from aurenlm.models import AuthSession
from aurenlm.security import ratelimit
from tests.helpers import PASSWORD, person, sign_in


async def register(user: User, email: str, password: str) -> None:
    await user.open('/register')
    user.find(marker='email').type(email)
    user.find(marker='password').type(password)
    user.find(marker='confirm').type(password)
    user.find(marker='create-account').click()


async def test_register_then_see_an_empty_home(user: User) -> None:
    await register(user, 'ann@example.com', PASSWORD)
    await user.should_see('Your notebooks')
    await user.should_see('No notebooks yet')


async def test_register_refuses_a_weak_password(user: User) -> None:
    await register(user, 'ann@example.com', 'password123')
    await user.should_see('too common')


async def test_register_refuses_a_taken_email(user: User) -> None:
    person('ann@example.com')
    await register(user, 'Ann@Example.com', PASSWORD)
    await user.should_see('already exists')


async def test_sign_in_and_out(user: User) -> None:
    person()
    await sign_in(user)
    await user.should_see('Your notebooks')
    user.find(marker='sign-out').click()
    await user.should_see('Sign in')
    await user.open('/')
    await user.should_see('Sign in')
    await user.should_not_see('Your notebooks')


async def test_wrong_password_gets_a_generic_message(user: User) -> None:
    person()
    await sign_in(user, password='not-the-right-one')
    await user.should_see('Email or password is not right')
    await sign_in(user, email='nobody@example.com')
    await user.should_see('Email or password is not right')


async def sign_out_here(user: User) -> None:
    user.find(marker='sign-out').click()
    await user.should_see(marker='sign-in')


async def test_an_office_behind_one_address_all_signs_in_within_a_minute(user: User) -> None:
    # one after another, as fast as the test goes: the old limit let five sign-ins a minute through per address
    staff = [person(f'clerk{n}@example.com') for n in range(20)]
    for n, clerk in enumerate(staff):
        if n % 4 == 0:  # every fourth person mistypes first
            await sign_in(user, clerk.email, password='violet-harbour-lanter')
            await user.should_see('Email or password is not right')
        await sign_in(user, clerk.email)
        await user.should_see('Your notebooks')
        await sign_out_here(user)


async def test_wrong_passwords_lock_the_account_with_a_growing_wait(user: User) -> None:
    person()
    for _ in range(5):
        await sign_in(user, password='not-the-password')
        await user.should_see('Email or password is not right')
        await user.should_not_see('Please wait')
    for expected_wait in (1, 2, 4):
        await sign_in(user, password='not-the-password')
        await user.should_see(f'Too many failed sign-ins for this account. Please wait {expected_wait} s')
        if expected_wait < 4:
            await asyncio.sleep(expected_wait + 0.1)  # sit the wait out, as a person would


async def test_a_locked_account_refuses_even_the_right_password(user: User, monkeypatch) -> None:
    monkeypatch.setattr(ratelimit, 'FIRST_WAIT_S', 60)
    person()
    for _ in range(6):
        await sign_in(user, password='not-the-password')
    await user.should_see('Please wait 60 s')
    await sign_in(user)
    await user.should_see('Too many failed sign-ins for this account. Please wait')
    await user.should_not_see('Your notebooks')
    person('bob@example.com')
    await sign_in(user, 'bob@example.com')  # the same address, another account
    await user.should_see('Your notebooks')


async def test_signing_in_clears_the_accounts_failures(user: User) -> None:
    person()
    for _ in range(4):
        await sign_in(user, password='not-the-password')
    await sign_in(user)
    await user.should_see('Your notebooks')
    await sign_out_here(user)
    for _ in range(5):  # five more would lock an account that still counted the first four
        await sign_in(user, password='not-the-password')
        await user.should_see('Email or password is not right')
        await user.should_not_see('Please wait')


async def test_the_address_locks_only_when_its_failure_budget_is_spent(user: User, settings_env, monkeypatch) -> None:
    settings_env(RATE_LOGIN_IP='8/15minutes')
    monkeypatch.setattr(ratelimit, 'FIRST_WAIT_S', 60)
    for email in ('ann@example.com', 'bob@example.com', 'carol@example.com', 'dave@example.com'):
        person(email)
    for _ in range(6):
        await sign_in(user, 'ann@example.com', password='not-the-password')
    await user.should_see('for this account')
    await sign_in(user, 'bob@example.com')  # six failures from this address so far: under its budget
    await user.should_see('Your notebooks')
    await sign_out_here(user)
    for _ in range(3):  # the ninth failure from the address spends its budget of eight
        await sign_in(user, 'carol@example.com', password='not-the-password')
    await user.should_see('Too many failed sign-ins from your network')
    await sign_in(user, 'dave@example.com')
    await user.should_see('Too many failed sign-ins from your network. Please wait')
    await user.should_not_see('Your notebooks')
    user.http_client.headers['X-Forwarded-For'] = '198.51.100.23'  # another office, through the local proxy
    await sign_in(user, 'dave@example.com')
    await user.should_see('Your notebooks')


async def test_expired_session_goes_to_sign_in(user: User) -> None:
    person()
    await sign_in(user)
    await user.should_see('Your notebooks')
    with db.session() as s:
        for row in s.exec(AuthSession.__table__.select()).all():
            stored = s.get(AuthSession, row.id)
            stored.expires_at = stored.created_at - timedelta(seconds=1)
            s.add(stored)
        s.commit()
    await user.open('/')
    await user.should_see('Sign in')


async def test_pages_need_a_session(user: User) -> None:
    for path in ('/', '/settings', '/notebook/whatever'):
        await user.open(path)
        await user.should_see('Sign in')


async def test_a_stranger_cannot_escape_the_address_lock_by_claiming_another_address(
    user: User, settings_env, monkeypatch
) -> None:
    settings_env(RATE_LOGIN_IP='2/15minutes', FORWARDED_ALLOW_IPS='10.9.9.9')  # the proxy is elsewhere, not us
    monkeypatch.setattr(ratelimit, 'FIRST_WAIT_S', 60)
    person()
    for n in range(3):
        user.http_client.headers['X-Forwarded-For'] = f'198.51.100.{n}'  # a new address each try, or so it says
        await sign_in(user, password='not-the-password')
    await user.should_see('Too many failed sign-ins from your network')
    user.http_client.headers['X-Forwarded-For'] = '198.51.100.99'
    await sign_in(user, 'bob@example.com', password='not-the-password')
    await user.should_see('Too many failed sign-ins from your network')
