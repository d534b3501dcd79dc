"""Two-factor sign-in in the UI: Ann sets it up in Settings, then signing in asks for her code (or a recovery code)
before she is in; an instance that requires it sends everyone without it to set it up first."""

from __future__ import annotations

import time

import pyotp
from nicegui.testing import User as TestUser
from nicegui.testing.user_interaction import UserInteraction

from aurenlm import repos
from aurenlm.models import User
from aurenlm.repos import instance
from aurenlm.security import totp
from components import two_factor
from tests.helpers import PASSWORD, navigation_done, person, sign_in


def enrolled(user: User) -> tuple[pyotp.TOTP, list[str]]:
    """Ann's app and recovery codes. She confirmed with the code of the step before, so the current one is unused."""
    enrolment = totp.start(user)
    app = pyotp.TOTP(enrolment.secret)
    return app, totp.confirm(user, enrolment, app.at(time.time() - 30))


def text_of(user: TestUser, marker: str) -> list[str]:
    return [element.text for element in user.find(marker=marker).elements]


async def type_code(user: TestUser, code: str) -> None:
    await user.should_see(marker='totp-code')
    user.find(marker='totp-code').clear().type(code)
    user.find(marker='totp-verify').click()
    await navigation_done()


async def enrolled_in_settings(user: TestUser, ann: User) -> tuple[pyotp.TOTP, list[str]]:
    """Ann, with two-factor sign-in on, signs in with a code and opens Settings; answers her app and codes."""
    app, codes = enrolled(ann)
    await sign_in(user)
    await type_code(user, app.now())
    await user.open('/settings')
    return app, codes


async def test_ann_sets_up_two_factor_in_settings_and_saves_her_recovery_codes(user: TestUser, ann: User) -> None:
    await sign_in(user)
    await user.open('/settings')
    await user.should_see('Two-factor sign-in')
    user.find(marker='totp-start').click()
    await user.should_see(marker='totp-qr')
    secret = text_of(user, 'totp-secret')[0].replace(' ', '')
    user.find(marker='totp-confirm-code').type('123 456' if pyotp.TOTP(secret).now() != '123456' else '654321')
    user.find(marker='totp-turn-on').click()
    await user.should_see('That code does not match')
    user.find(marker='totp-confirm-code').clear().type(pyotp.TOTP(secret).now())
    user.find(marker='totp-turn-on').click()
    await user.should_see('Save your recovery codes')
    codes = text_of(user, 'recovery-code')
    assert len(codes) == 10 and all(totp.looks_like_recovery_code(code) for code in codes)
    user.find(marker='recovery-codes-done').click()
    await user.should_see('On since')
    await user.should_see('10 of 10 recovery codes left')
    assert totp.enabled(ann.id)


async def test_signing_in_asks_for_the_code_before_letting_her_in(user: TestUser, ann: User) -> None:
    app, _ = enrolled(ann)
    await sign_in(user)
    await user.should_see('Two-factor code')
    await user.should_not_see('Your notebooks')
    await user.should_not_see(marker='password')
    await type_code(user, '000000' if app.now() != '000000' else '111111')
    await user.should_see('That code is not right')
    await type_code(user, app.now())
    await user.should_see('Your notebooks')
    login = [e for e in repos.audit.for_user(ann) if e.action == 'login']
    assert login and login[0].detail == {'second_factor': 'code'}


async def test_a_recovery_code_signs_her_in_once(user: TestUser, ann: User) -> None:
    _, codes = enrolled(ann)
    await sign_in(user)
    await type_code(user, codes[0])
    await user.should_see('Your notebooks')
    user.find(marker='sign-out').click()
    await navigation_done()
    await sign_in(user)
    await type_code(user, codes[0])
    await user.should_see('That code is not right')
    await user.should_not_see('Your notebooks')
    await user.open('/')
    await user.should_see(marker='sign-in'), 'the half-way state never counts as signed in'


async def test_the_code_step_waits_only_a_few_minutes(user: TestUser, ann: User, monkeypatch) -> None:
    app, _ = enrolled(ann)
    monkeypatch.setattr(two_factor, 'PROMPT_TTL_S', 0.0)
    await sign_in(user)
    await type_code(user, app.now())
    await user.should_see('That took too long. Sign in with your password again.')
    await user.should_see(marker='password')
    await user.should_not_see('Your notebooks')


def hidden(user: TestUser, marker: str) -> UserInteraction:
    """An element of the page that is not shown, as a forged socket event would reach it."""
    assert user.client is not None
    found = {e for e in user.client.elements.values() if marker in e._markers}
    assert found, marker
    return UserInteraction(user, found, None)


async def test_a_forged_code_without_the_password_step_signs_nobody_in(user: TestUser, ann: User) -> None:
    app, _ = enrolled(ann)
    await user.open('/login')
    await user.should_not_see(marker='totp-code')
    user.find(marker='email').type(ann.email)  # the email, but not the password
    hidden(user, 'totp-code').type(app.now())
    hidden(user, 'totp-verify').click()
    await navigation_done()
    await user.open('/')
    await user.should_see(marker='sign-in')
    assert totp.check(ann.id, app.now()).ok, 'the code was never even checked'


async def test_back_returns_to_the_password_form(user: TestUser, ann: User) -> None:
    enrolled(ann)
    await sign_in(user)
    await user.should_see(marker='totp-code')
    user.find(marker='totp-back').click()
    await user.should_see(marker='password')
    await user.should_not_see(marker='totp-code')


async def test_an_account_without_two_factor_signs_in_with_the_password_alone(user: TestUser, ann: User) -> None:
    await user.open('/login')
    await user.should_not_see(marker='totp-code')
    await sign_in(user)
    await user.should_see('Your notebooks')


async def test_turning_it_off_in_settings_asks_for_the_password(user: TestUser, ann: User) -> None:
    await enrolled_in_settings(user, ann)
    user.find(marker='totp-turn-off').click()
    await user.should_see('Turn off two-factor sign-in?')
    user.find(marker='totp-dialog-code').type('not-my-password')
    user.find(marker='totp-dialog-ok').click()
    await user.should_see('That is not a current code')
    user.find(marker='totp-dialog-code').clear().type(PASSWORD)
    user.find(marker='totp-dialog-ok').click()
    await user.should_see('Two-factor sign-in is off')
    assert not totp.enabled(ann.id)


async def test_new_recovery_codes_replace_the_old_ones(user: TestUser, ann: User) -> None:
    _, old = await enrolled_in_settings(user, ann)
    user.find(marker='totp-regenerate').click()
    await user.should_see('Your old recovery codes stop working')
    user.find(marker='totp-dialog-code').type(old[5])
    user.find(marker='totp-dialog-ok').click()
    await user.should_see('Save your recovery codes')
    new = text_of(user, 'recovery-code')
    assert len(new) == 10 and old[0] not in new
    user.find(marker='recovery-codes-done').click()
    await user.should_see('10 of 10 recovery codes left')
    assert not totp.check(ann.id, old[0]).ok


async def test_when_required_everyone_sets_it_up_before_using_the_app(user: TestUser, ann: User) -> None:
    instance.set_require_2fa(True, by=person('admin@example.com'))
    await sign_in(user)
    await user.should_see('This server asks everyone to sign in with a code')
    for page in ('/', '/settings'):
        await user.open(page)
        await user.should_see(marker='totp-required')
        await user.should_not_see('Your notebooks')
    secret = text_of(user, 'totp-secret')[0].replace(' ', '')
    user.find(marker='totp-confirm-code').type(pyotp.TOTP(secret).now())
    user.find(marker='totp-turn-on').click()
    await user.should_see('Save your recovery codes')
    user.find(marker='recovery-codes-done').click()
    await navigation_done()
    await user.should_see('Your notebooks')
