"""The admin in Chromium: disables Bo while Bo's notebook is open (Bo's next action is refused, and Bo cannot sign
in), enables Bo again, and looks through the Admin page's accounts, dialogs, settings and audit log."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from e2e.conftest import Server, create_notebook, shot, sign_in

ADMIN = 'e2e-admin@example.com'
BO = 'e2e-bo@example.com'
PASSWORD = 'violet-harbour-lantern'
# no CSS transition is running (a dialog opening, a tab sliding in), so a screenshot shows what a person sees
ANIMATIONS_DONE_JS = """() => document.getAnimations().every(
  (a) => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity)"""


def accounts(server: Server) -> None:
    """Made from the shell, as an operator sets up an instance (registering through the page is limited per address)."""
    server.cli('create-user', '--email', ADMIN, '--password', PASSWORD, '--admin')
    server.cli('create-user', '--email', BO, '--password', PASSWORD)


def settled_shot(page: Page, name: str) -> None:
    page.wait_for_function(ANIMATIONS_DONE_JS)
    shot(page, name)


def row_actions(page: Page, email: str):
    return page.get_by_role('button', name=f'Actions for {email}')


def test_the_admin_disables_bo_whose_open_page_stops_and_who_cannot_sign_in(page: Page, server: Server) -> None:
    accounts(server)
    bo_context = page.context.browser.new_context(base_url=server.url, viewport={'width': 1400, 'height': 900})
    bo_context.set_default_timeout(15_000)
    try:
        bo = bo_context.new_page()
        sign_in(bo, BO)
        create_notebook(bo, 'Field notes')
        expect(bo.get_by_label('Notebook title')).to_have_value('Field notes')

        sign_in(page, ADMIN)
        page.get_by_role('button', name='Account menu').click()
        page.get_by_text('Admin', exact=True).click()
        page.wait_for_url('**/admin')
        expect(page.get_by_text(BO, exact=True)).to_be_visible()
        settled_shot(page, 'admin-accounts')

        row_actions(page, BO).click()
        page.get_by_text('Disable account…').click()
        dialog = page.get_by_role('dialog')
        expect(dialog.get_by_text(f'Disable {BO}?')).to_be_visible()
        settled_shot(page, 'admin-disable-confirm')
        dialog.get_by_role('button', name='Disable').click()
        expect(page.get_by_text(f'{BO} is disabled and signed out everywhere')).to_be_visible()
        expect(page.get_by_text('disabled', exact=True)).to_be_visible()
        settled_shot(page, 'admin-accounts-disabled')

        # Bo's notebook is still open, with its socket: the very next thing Bo does is refused, and Bo is sent away
        bo.get_by_label('Message').fill('Is anyone still reading this?')
        bo.wait_for_url('**/login')
        bo.get_by_label('Email').fill(BO)
        bo.get_by_label('Password', exact=True).fill(PASSWORD)
        bo.get_by_role('button', name='Sign in').click()
        expect(bo.get_by_text('This account has been disabled by an administrator')).to_be_visible()
        settled_shot(bo, 'admin-disabled-sign-in')

        row_actions(page, BO).click()
        page.get_by_text('Enable account').click()
        expect(page.get_by_text(f'{BO} can sign in again')).to_be_visible()
        sign_in(bo, BO)
        expect(bo.get_by_text('Field notes')).to_be_visible()
    finally:
        bo_context.close()


def test_the_admin_pages_dialogs_settings_and_audit_log(page: Page, server: Server) -> None:
    sign_in(page, ADMIN)  # made by the test above, which runs first in this module
    page.goto('/admin')
    row_actions(page, BO).click()
    page.get_by_text('Set quotas…').click()
    dialog = page.get_by_role('dialog')
    dialog.get_by_label('Most sources').fill('25')
    dialog.get_by_label('Most storage in megabytes').fill('200')
    settled_shot(page, 'admin-quotas')
    dialog.get_by_role('button', name='Save quotas').click()
    expect(page.get_by_text('0 sources of 25')).to_be_visible()

    row_actions(page, BO).click()
    page.get_by_text('Delete account…').click()
    dialog = page.get_by_role('dialog')
    expect(dialog.get_by_role('button', name='Delete account')).to_be_disabled()
    dialog.get_by_label('Type the email of the account to confirm').fill(BO)
    expect(dialog.get_by_role('button', name='Delete account')).to_be_enabled()
    settled_shot(page, 'admin-delete-dialog')
    dialog.get_by_role('button', name='Cancel').click()
    expect(page.get_by_text(BO, exact=True)).to_be_visible()

    page.get_by_role('tab', name='Registration and sign-in').click()
    expect(page.get_by_text('Who may create an account on this server')).to_be_visible()
    settled_shot(page, 'admin-settings')
    page.get_by_text('Invite-only: only addresses a member has invited to a notebook').click()
    expect(page.get_by_text('Registration is now invite-only')).to_be_visible()
    visitor = page.context.browser.new_context(base_url=server.url, viewport={'width': 1400, 'height': 900})
    try:  # somebody without an invitation, at once: no restart, no reload of the admin's page
        stranger = visitor.new_page()
        stranger.goto('/register')
        # (not submitted: registering is limited per address, and the other modules register from this one)
        expect(stranger.get_by_text('This server is invite-only')).to_be_visible()
        settled_shot(stranger, 'admin-register-invite-only')
    finally:
        visitor.close()
        # the other e2e modules share this server and register through the page
        page.get_by_text('Open: anyone who can reach this server can create an account').click()
        expect(page.get_by_text('Registration is now open')).to_be_visible()

    page.get_by_role('tab', name='Audit log').click()
    expect(page.get_by_text('admin set quotas')).to_be_visible()  # done since the page was opened
    expect(page.get_by_text('admin disable user')).to_be_visible()
    expect(page.get_by_text('login refused disabled')).to_be_visible()
    settled_shot(page, 'admin-audit')
