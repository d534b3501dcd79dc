"""B forgets her password and resets it through the mail a real SMTP server on loopback received; then, on the
Settings page, she sees where she is signed in and signs her phone out."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.conftest import Server, shot
from tests.fakes.mailbox import Mailbox, running_mailbox

OLD_PASSWORD = 'violet-harbour-lantern'
NEW_PASSWORD = 'copper-meadow-sextant'
SAFARI_ON_IPHONE = (
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) '
    'Version/17.5 Mobile/15E148 Safari/604.1'
)
# no CSS transition is running (a dialog opening), so a screenshot shows the screen as a person sees it
ANIMATIONS_DONE_JS = """() => document.getAnimations().every(
  (a) => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity)"""


@pytest.fixture(scope='module')
def mailbox() -> Iterator[Mailbox]:
    with running_mailbox() as box:
        yield box


@pytest.fixture(scope='module')
def server(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox) -> Iterator[Server]:
    """This module's own server, sending its mail to the loopback SMTP server above."""
    srv = Server(tmp_path_factory.mktemp('accounts-server'), extra_env=mailbox.settings)
    yield srv
    srv.stop()


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto('/login')
    page.get_by_label('Email').fill(email)
    page.get_by_label('Password', exact=True).fill(password)
    page.get_by_role('button', name='Sign in').click()


def share_a_notebook(server: Server, owner: str, title: str, editor: str) -> None:
    """`owner` makes a notebook and shares it with `editor`, through the REST API as a script would."""
    headers = {'Authorization': f'Bearer {server.api_token(owner)}'}
    with httpx.Client(base_url=f'{server.url}/api/v1', headers=headers, timeout=30) as api:
        made = api.post('/notebooks', json={'title': title})
        assert made.status_code == 201, made.text
        shared = api.post(f'/notebooks/{made.json()["id"]}/members', json={'email': editor, 'role': 'editor'})
        assert shared.status_code == 201, shared.text


def test_b_resets_a_forgotten_password_through_the_mail(page: Page, server: Server, mailbox: Mailbox) -> None:
    email = 'e2e-reset@example.com'
    server.cli('create-user', '--email', email, '--password', OLD_PASSWORD)

    page.goto('/login')
    expect(page.get_by_role('link', name='Forgot password?')).to_be_visible()
    shot(page, 'accounts-00-sign-in')
    page.get_by_role('link', name='Forgot password?').click()
    expect(page.get_by_text('Reset your password')).to_be_visible()
    page.get_by_label('Email').fill(email)
    shot(page, 'accounts-01-forgot')
    page.get_by_role('button', name='Send reset link').click()
    expect(page.get_by_text('Check your inbox')).to_be_visible()
    shot(page, 'accounts-02-sent')

    mail = mailbox.wait_for(email)
    assert mail.subject == 'Reset your AurenLM password'
    (link,) = [link for link in mail.links if '/reset?token=' in link]
    assert link.startswith(server.url + '/reset?'), 'the link points at this server'

    page.goto(link)
    expect(page.get_by_text(f'For {email}')).to_be_visible()
    page.get_by_label('New password', exact=True).fill(NEW_PASSWORD)
    page.get_by_label('Repeat new password').fill(NEW_PASSWORD)
    shot(page, 'accounts-03-choose')
    page.get_by_role('button', name='Set new password').click()
    expect(page.get_by_text('Your password has been changed')).to_be_visible()
    shot(page, 'accounts-04-changed')

    page.get_by_role('button', name='Sign in').click()
    page.wait_for_url('**/login')
    sign_in(page, email, OLD_PASSWORD)
    expect(page.get_by_text('Email or password is not right')).to_be_visible()
    sign_in(page, email, NEW_PASSWORD)
    page.get_by_text('Your notebooks').wait_for()

    page.goto(link)  # a second use of the same link
    expect(page.get_by_text('expired or was already used')).to_be_visible()


def test_b_sees_her_sessions_and_signs_her_phone_out(browser: Browser, page: Page, server: Server) -> None:
    email = 'e2e-sessions@example.com'
    server.cli('create-user', '--email', email, '--password', OLD_PASSWORD)
    phone_context = browser.new_context(
        base_url=server.url, viewport={'width': 390, 'height': 844}, user_agent=SAFARI_ON_IPHONE
    )
    phone = phone_context.new_page()
    try:
        sign_in(phone, email, OLD_PASSWORD)
        phone.get_by_text('Your notebooks').wait_for()

        sign_in(page, email, OLD_PASSWORD)
        page.get_by_text('Your notebooks').wait_for()
        page.goto('/settings')
        sessions = page.locator('.q-card', has_text='Signed-in sessions')
        expect(sessions.get_by_text('Safari on iPhone')).to_be_visible()
        expect(sessions.get_by_text('This device')).to_be_visible()
        expect(sessions.get_by_text('Headless Chrome on Linux')).to_be_visible()  # this very browser
        sessions.scroll_into_view_if_needed()
        shot(page, 'accounts-05-sessions')

        sessions.get_by_role('button', name='Sign out Safari on iPhone at 127.0.0.1').click()
        dialog = page.get_by_role('dialog')
        expect(dialog.get_by_text('Sign out this session?')).to_be_visible()
        dialog.get_by_role('button', name='Sign out').click()
        expect(page.get_by_text('Signed out Safari on iPhone')).to_be_visible()
        expect(sessions.get_by_text('Safari on iPhone')).to_be_hidden()
        shot(page, 'accounts-06-phone-signed-out')

        phone.reload()
        expect(phone.get_by_role('button', name='Sign in')).to_be_visible()  # the phone is back at sign-in

        activity = page.locator('.q-card', has_text='Entries cannot be changed or removed')
        expect(activity.get_by_text('Signed out a session')).to_be_visible()
        activity.scroll_into_view_if_needed()
        shot(page, 'accounts-07-activity')

        teammate = 'e2e-teammate@example.com'
        server.cli('create-user', '--email', teammate, '--password', OLD_PASSWORD)
        share_a_notebook(server, email, 'Team handbook', teammate)
        page.get_by_role('button', name='Delete your account').click()
        dialog = page.get_by_role('dialog')
        expect(dialog.get_by_text('Delete your account?')).to_be_visible()
        dialog.get_by_label('What happens to Team handbook').click()
        page.get_by_role('option', name=f'Give it to {teammate} (editor)').click()
        dialog.get_by_label('To confirm, type your email address').fill(email)
        page.wait_for_function(ANIMATIONS_DONE_JS)
        shot(page, 'accounts-08-delete-dialog')
        dialog.get_by_role('button', name='Cancel').click()
        expect(page.get_by_text('This device')).to_be_visible()  # nothing happened
    finally:
        phone_context.close()
