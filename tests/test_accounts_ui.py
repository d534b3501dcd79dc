"""A person registers, signs in and out; sessions that lapse send them back to sign in."""

from datetime import timedelta

from nicegui.testing import User

from aurenlm import db
from aurenlm.models import AuthSession
from tests.helpers import PASSWORD, person, sign_in


async def test_register_then_see_an_empty_home(user: User) -> None:
    await user.open('/register')
    user.find(marker='email').type('ann@example.com')
    user.find(marker='password').type(PASSWORD)
    user.find(marker='confirm').type(PASSWORD)
    user.find(marker='create-account').click()
    await user.should_see('Your notebooks')
    await user.should_see('No notebooks yet')


async def test_register_refuses_a_weak_password(user: User) -> None:
    await user.open('/register')
    user.find(marker='email').type('ann@example.com')
    user.find(marker='password').type('password123')
    user.find(marker='confirm').type('password123')
    user.find(marker='create-account').click()
    await user.should_see('too common')


async def test_register_refuses_a_taken_email(user: User) -> None:
    person('ann@example.com')
    await user.open('/register')
    user.find(marker='email').type('Ann@Example.com')
    user.find(marker='password').type(PASSWORD)
    user.find(marker='confirm').type(PASSWORD)
    user.find(marker='create-account').click()
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


async def test_login_is_rate_limited_per_account(user: User, settings_env) -> None:
    settings_env(RATE_LOGIN='3/minute')
    person()
    for _ in range(3):
        await sign_in(user, password='wrong-password-here')
    await sign_in(user)
    await user.should_see('Please wait')
    await user.should_not_see('Your notebooks')


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
