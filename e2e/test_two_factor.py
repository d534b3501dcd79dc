"""B turns on two-factor sign-in in Settings (reading the key shown under the QR code into an authenticator, played
by pyotp), signs out, signs in with a code from the app, then with one of the recovery codes; and when the admin
requires it of everyone, B sets it up before anything else."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.conftest import Server, shot

PASSWORD = 'violet-harbour-lantern'
# no CSS transition is running (a dialog opening), so a screenshot shows the screen as a person sees it
ANIMATIONS_DONE_JS = """() => document.getAnimations().every(
  (a) => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity)"""


@pytest.fixture(scope='module')
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """This module's own server: requiring 2FA of everyone must not reach the other modules' accounts."""
    srv = Server(tmp_path_factory.mktemp('two-factor-server'))
    yield srv
    srv.stop()


def password_step(page: Page, email: str) -> None:
    page.goto('/login')
    page.get_by_label('Email').fill(email)
    page.get_by_label('Password', exact=True).fill(PASSWORD)
    page.get_by_role('button', name='Sign in').click()


def sign_out(page: Page) -> None:
    page.get_by_role('button', name='Account menu').click()
    page.get_by_text('Sign out', exact=True).click()
    expect(page.get_by_role('button', name='Sign in')).to_be_visible()


def test_b_enrols_then_signs_in_with_a_code_and_with_a_recovery_code(page: Page, server: Server) -> None:
    email = 'e2e-totp@example.com'
    server.cli('create-user', '--email', email, '--password', PASSWORD)
    password_step(page, email)
    page.get_by_text('Your notebooks').wait_for()

    page.goto('/settings')
    page.get_by_role('button', name='Set up two-factor sign-in').click()
    qr = page.get_by_role('img', name='QR code for your authenticator app')
    expect(qr).to_be_visible()
    picture = qr.locator('img')  # Quasar's q-img: a role=img wrapper around the <img>
    expect(picture).to_be_visible()
    assert picture.evaluate('img => img.complete && img.naturalWidth') > 100, 'the QR code image loaded'
    key = page.get_by_label('Set-up key').inner_text()
    app = pyotp.TOTP(key.replace(' ', ''))
    shot(page, 'two-factor-01-enrol')

    page.get_by_label('6-digit code').fill(app.now())
    page.get_by_role('button', name='Turn on').click()
    dialog = page.get_by_role('dialog')
    expect(dialog.get_by_text('Save your recovery codes')).to_be_visible()
    codes = dialog.get_by_label('Recovery codes').locator('div').all_inner_texts()
    assert len(codes) == 10
    page.wait_for_function(ANIMATIONS_DONE_JS)
    shot(page, 'two-factor-02-recovery-codes')
    with page.expect_download() as download:
        dialog.get_by_role('button', name='Download').click()
    saved = download.value.path().read_text()
    assert all(code in saved for code in codes)
    dialog.get_by_role('button', name='I have saved them').click()
    expect(page.get_by_text('10 of 10 recovery codes left.')).to_be_visible()

    sign_out(page)
    password_step(page, email)
    prompt = page.get_by_label('6-digit code or recovery code')
    expect(prompt).to_be_visible()
    expect(page.get_by_label('Password', exact=True)).to_be_hidden()
    shot(page, 'two-factor-03-code-prompt')
    prompt.fill('000000' if app.now() != '000000' else '111111')
    page.get_by_role('button', name='Verify').click()
    expect(page.get_by_text('That code is not right')).to_be_visible()
    shot(page, 'two-factor-04-wrong-code')
    # the code that turned 2FA on is spent; the app's next one is already accepted (one step of clock drift)
    prompt.fill(app.at(time.time() + 30))
    page.get_by_role('button', name='Verify').click()
    page.get_by_text('Your notebooks').wait_for()

    sign_out(page)
    password_step(page, email)
    page.get_by_label('6-digit code or recovery code').fill(codes[0])
    page.get_by_role('button', name='Verify').click()
    page.get_by_text('Your notebooks').wait_for()
    page.goto('/settings')
    expect(page.get_by_text('9 of 10 recovery codes left.')).to_be_visible()


def test_when_the_admin_requires_it_b_sets_it_up_before_anything_else(
    page: Page, server: Server, browser: Browser
) -> None:
    admin, email = 'e2e-admin-2fa@example.com', 'e2e-required@example.com'
    server.cli('create-user', '--email', admin, '--password', PASSWORD, '--admin')
    server.cli('create-user', '--email', email, '--password', PASSWORD)
    password_step(page, admin)
    page.get_by_text('Your notebooks').wait_for()
    page.goto('/admin')
    page.get_by_role('tab', name='Registration and sign-in').click()
    page.get_by_label('Require two-factor sign-in for everyone').click()
    page.get_by_role('dialog').get_by_role('button', name='Require it').click()
    expect(page.get_by_text('Two-factor sign-in is now required')).to_be_visible()

    context = browser.new_context(base_url=server.url, viewport={'width': 1400, 'height': 900})
    b = context.new_page()
    password_step(b, email)
    expect(b.get_by_text('This server asks everyone to sign in with a code')).to_be_visible()
    b.wait_for_function(ANIMATIONS_DONE_JS)
    shot(b, 'two-factor-05-required')
    b.goto('/')
    expect(b.get_by_text('This server asks everyone to sign in with a code')).to_be_visible()
    expect(b.get_by_text('Your notebooks')).to_have_count(0)

    app = pyotp.TOTP(b.get_by_label('Set-up key').inner_text().replace(' ', ''))
    b.get_by_label('6-digit code').fill(app.now())
    b.get_by_role('button', name='Turn on').click()
    b.get_by_role('dialog').get_by_role('button', name='I have saved them').click()
    b.get_by_text('Your notebooks').wait_for()
    context.close()
