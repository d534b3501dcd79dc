"""The Admin page as an admin uses it, the register page under each policy, and a disabled person at sign-in."""

from __future__ import annotations

from nicegui.testing import User as TestUser

from aurenlm import repos
from aurenlm.accounts import admin
from aurenlm.models import User, utcnow
from aurenlm.repos import instance
from aurenlm.security import sessions
from tests.helpers import PASSWORD, changing, confirm, navigation_done, person, sign_in


def boss() -> User:
    return repos.users.create('bea@example.com', PASSWORD, is_admin=True)


async def open_admin(user: TestUser) -> None:
    await sign_in(user, 'bea@example.com')
    await user.should_see('Your notebooks')
    await user.open('/admin')
    await user.should_see('Accounts')


async def test_only_admins_see_the_admin_page_or_its_link(user: TestUser) -> None:
    person('ann@example.com')
    await sign_in(user, 'ann@example.com')
    await user.should_see('Your notebooks')
    await user.should_not_see(marker='admin-link')
    await user.open('/admin')
    await user.should_see('Not found')
    await user.should_not_see('Accounts')


async def test_the_admin_sees_each_account_with_what_it_owns(user: TestUser) -> None:
    boss()
    ann = person('ann@example.com')
    repos.notebooks.create(ann, 'Papers')
    with changing(User, ann.id) as row:
        row.totp_enabled_at, row.quota_sources = utcnow(), 40
    await sign_in(user, 'bea@example.com')
    await user.should_see(marker='admin-link')
    await user.open('/admin')
    await user.should_see(marker='admin-user-email', content='ann@example.com')
    await user.should_see(marker='admin-user-email', content='bea@example.com')
    await user.should_see('0 sources of 40')
    await user.should_see('you')
    user.find(marker='admin-search').type('ann')
    await user.should_not_see(marker='admin-user-email', content='bea@example.com')
    await user.should_see(marker='admin-user-email', content='ann@example.com')


async def test_disabling_from_the_page_signs_the_person_out_and_enabling_lets_them_back(user: TestUser) -> None:
    boss()
    ann = person('ann@example.com')
    her_browser = sessions.create(ann).token
    await open_admin(user)
    user.find(marker=f'user-actions-{ann.id}').click()
    user.find(marker='admin-disable').click()
    await confirm(user, 'Disable ann@example.com?')
    await user.should_see('is disabled and signed out everywhere')
    await user.should_see(marker='badge-disabled')
    assert repos.users.get(ann.id).disabled_at is not None
    assert sessions.resolve(her_browser) is None

    user.find(marker=f'user-actions-{ann.id}').click()
    user.find(marker='admin-enable').click()
    await user.should_see('can sign in again')
    assert repos.users.get(ann.id).disabled_at is None


async def test_an_admin_is_stopped_before_disabling_or_deleting_themselves(user: TestUser) -> None:
    bea = boss()
    await open_admin(user)
    user.find(marker=f'user-actions-{bea.id}').click()
    user.find(marker='admin-disable').click()
    await user.should_see('You cannot disable your own account here')
    await user.should_not_see('Disable bea@example.com?')
    user.find(marker='admin-delete').click()
    await user.should_see('You cannot delete your own account here')
    assert repos.users.get(bea.id).disabled_at is None


async def test_deleting_an_account_waits_for_its_email_then_hands_over_a_shared_notebook(user: TestUser) -> None:
    boss()
    ann, carl = person('ann@example.com'), person('carl@example.com')
    handbook = repos.notebooks.create(ann, 'Team handbook')
    repos.members.add(handbook.id, carl.id, 'editor')
    await open_admin(user)
    user.find(marker=f'user-actions-{ann.id}').click()
    user.find(marker='admin-delete').click()
    await user.should_see('Delete ann@example.com?')
    await user.should_see('Team handbook')
    assert not user.find(marker='delete-confirm').elements.pop().enabled
    user.find(marker='delete-typed').type('ann@example.co')
    assert not user.find(marker='delete-confirm').elements.pop().enabled
    user.find(marker='heir-choice').elements.pop().value = carl.id
    user.find(marker='delete-typed').type('m')
    assert user.find(marker='delete-confirm').elements.pop().enabled
    user.find(marker='delete-confirm').click()
    await user.should_see('ann@example.com deleted, with 0 notebooks; 1 notebook handed over')
    assert repos.users.get(ann.id) is None
    assert repos.notebooks.role(carl, handbook.id) == 'owner'


async def test_quotas_are_set_in_a_dialog(user: TestUser) -> None:
    boss()
    ann = person('ann@example.com')
    await open_admin(user)
    user.find(marker=f'user-actions-{ann.id}').click()
    user.find(marker='admin-quotas').click()
    await user.should_see('Quotas for ann@example.com')
    user.find(marker='quota-sources').elements.pop().value = 25
    user.find(marker='quota-storage').elements.pop().value = 1.5
    user.find(marker='quota-save').click()
    await user.should_see('Quotas saved for ann@example.com')
    fresh = repos.users.get(ann.id)
    assert (fresh.quota_sources, fresh.quota_storage_bytes) == (25, int(1.5 * 1024 * 1024))
    await user.should_see('0 sources of 25')


async def test_resetting_2fa_and_cutting_off_ask_first(user: TestUser) -> None:
    boss()
    ann = person('ann@example.com')
    with changing(User, ann.id) as row:
        row.totp_secret, row.totp_enabled_at = 'sealed', utcnow()
    sessions.create(ann)
    await open_admin(user)
    user.find(marker=f'user-actions-{ann.id}').click()
    user.find(marker='admin-reset-2fa').click()
    await confirm(user, 'Reset two-factor sign-in for ann@example.com?')
    await user.should_see('Two-factor sign-in is off for ann@example.com')
    assert repos.users.get(ann.id).totp_enabled_at is None
    user.find(marker=f'user-actions-{ann.id}').click()
    user.find(marker='admin-cut-off').click()
    await confirm(user, 'Sign ann@example.com out everywhere?')
    await user.should_see('ann@example.com: 1 session ended, 0 tokens revoked')
    assert sessions.active(ann) == []


async def test_registration_policy_and_required_2fa_are_switched_on_the_page(user: TestUser) -> None:
    boss()
    await open_admin(user)
    user.find(marker='tab-settings').click()
    await user.should_see('Who may create an account')
    user.find('Closed: nobody; an admin creates accounts on the command line (create-user)').click()
    await user.should_see('Registration is now closed')
    assert instance.registration_policy() == 'closed'
    user.find(marker='require-2fa').click()
    await confirm(user, 'Require two-factor sign-in for everyone?')
    await user.should_see('Two-factor sign-in is now required')
    assert instance.require_2fa() is True


async def test_the_audit_tab_lists_everyones_events_and_filters_them(user: TestUser) -> None:
    bea = boss()
    ann = person('ann@example.com')
    repos.audit.record(ann.id, 'token_created', ip='192.0.2.5', name='laptop')
    admin.disable(bea, ann.id, ip='192.0.2.7')
    await open_admin(user)
    user.find(marker='tab-audit').click()
    await user.should_see('admin disable user')
    await user.should_see('token created')
    await user.should_see('name: laptop')
    user.find(marker='tab-accounts').click()
    user.find(marker=f'user-actions-{ann.id}').click()
    user.find(marker='admin-enable').click()
    await user.should_see('can sign in again')
    user.find(marker='tab-audit').click()
    await user.should_see('admin enable user')  # what was done since the page opened
    user.find(marker='audit-email').type('nobody@example.com')
    await user.should_see('No events match.')


async def test_a_disabled_person_is_told_why_they_cannot_sign_in(user: TestUser) -> None:
    bea = boss()
    ann = person('ann@example.com')
    admin.disable(bea, ann.id)
    await sign_in(user, 'ann@example.com')
    await user.should_see('disabled by an administrator')
    await user.should_not_see('Your notebooks')
    await sign_in(user, 'ann@example.com', password='not-her-password')
    await user.should_see('Email or password is not right')  # a wrong password learns nothing about the account


def register(user: TestUser, email: str) -> None:
    """Fill in the register page for this address (with the test password) and press Create account."""
    user.find(marker='email').type(email)
    user.find(marker='password').type(PASSWORD)
    user.find(marker='confirm').type(PASSWORD)
    user.find(marker='create-account').click()


async def test_the_register_page_says_what_the_policy_allows(user: TestUser, settings_env) -> None:
    await user.open('/register')
    await user.should_see('The first account you create here becomes its administrator')
    register(user, 'first@example.com')
    await navigation_done()
    await user.should_see('Your notebooks')
    assert repos.users.by_email('first@example.com').is_admin

    settings_env(REGISTRATION_POLICY='invite-only')
    await user.open('/register')
    await user.should_see('This server is invite-only')
    register(user, 'second@example.com')
    await user.should_see('register through the invitation link a member sent you')
    assert repos.users.by_email('second@example.com') is None

    settings_env(REGISTRATION_POLICY='closed')
    await user.open('/register')
    await user.should_see('Registration is closed on this server')
    await user.should_not_see(marker='create-account')
