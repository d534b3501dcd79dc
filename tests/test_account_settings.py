"""A person looks after their own account in Settings: changes the password, sees and ends sessions, reads their
activity, downloads everything as a ZIP, and deletes the account, handing shared notebooks over or deleting them."""

import asyncio
import inspect
import io
import json
import zipfile

import pytest
from nicegui.testing import User
from sqlmodel import select

from aurenlm import db, repos
from aurenlm.accounts import devices
from aurenlm.exchange import importer
from aurenlm.models import AuditEvent, AuthSession, Notebook, NotebookMember, Source
from aurenlm.models import User as Account
from aurenlm.repos import audit
from aurenlm.security import sessions
from aurenlm.sources import service as sources
from tests.helpers import PASSWORD, confirm, person, sign_in

NEW_PASSWORD = 'copper-meadow-sextant'
CHROME_ON_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36'
SAFARI_ON_IPHONE = (
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) '
    'Version/17.5 Mobile/15E148 Safari/604.1'
)


def actions(user: Account) -> list[str]:
    return [e.action for e in audit.for_user(user)]


def joins(user: Account, notebook: Notebook, role: str = 'editor') -> None:
    with db.session() as s:
        s.add(NotebookMember(notebook_id=notebook.id, user_id=user.id, role=role))
        s.commit()


async def until(condition, timeout_s: float = 10.0) -> None:
    """Wait for something a handler running in a thread (argon2) has done."""
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.02)


async def signed_in_settings(user: User) -> None:
    await sign_in(user)
    await user.open('/settings')
    await user.should_see('Signed-in sessions')


async def change_password(user: User, current: str, new: str, repeat: str | None = None) -> None:
    user.find(marker='current-password').clear().type(current)
    user.find(marker='new-password').clear().type(new)
    user.find(marker='repeat-password').clear().type(new if repeat is None else repeat)
    user.find(marker='change-password').click()


# -- change password ------------------------------------------------------------------------------------------------


async def test_changing_the_password_keeps_this_browser_and_signs_out_the_others(user: User, ann: Account) -> None:
    phone = sessions.create(ann, ip='203.0.113.5', user_agent=SAFARI_ON_IPHONE)
    await signed_in_settings(user)
    await change_password(user, PASSWORD, NEW_PASSWORD)
    await user.should_see('Password changed. 1 other session signed out.', retries=100)

    assert sessions.resolve(phone.token) is None
    await user.open('/settings')
    await user.should_see('Signed-in sessions')  # this browser is still signed in
    assert repos.users.authenticate('ann@example.com', PASSWORD) is None
    assert repos.users.authenticate('ann@example.com', NEW_PASSWORD) is not None
    assert repos.users.get(ann.id).password_changed_at is not None
    changed = next(e for e in audit.for_user(ann) if e.action == 'password_changed')
    assert changed.detail == {'other_sessions_signed_out': 1}


async def test_a_wrong_current_password_is_refused_and_counted(user: User, ann: Account, settings_env) -> None:
    settings_env(RATE_LOGIN='2/15minutes')
    await signed_in_settings(user)
    for tries in (1, 2):
        await change_password(user, 'not-my-password', NEW_PASSWORD)
        await until(lambda n=tries: actions(ann).count('password_change_failed') == n)
        await user.should_see('Your current password is not right')
    await change_password(user, PASSWORD, NEW_PASSWORD)
    await user.should_see('Please wait', retries=100)  # even the right one waits: the guesser learns nothing
    assert repos.users.authenticate('ann@example.com', PASSWORD) is not None
    assert actions(ann).count('password_change_failed') == 2


async def test_the_new_password_follows_the_policy_and_must_be_typed_twice(user: User, ann: Account) -> None:
    await signed_in_settings(user)
    await change_password(user, PASSWORD, NEW_PASSWORD, repeat='copper-meadow-sextan')
    await user.should_see('The two new passwords differ')
    await change_password(user, PASSWORD, 'password123')
    await user.should_see('too common', retries=100)
    await change_password(user, PASSWORD, PASSWORD)
    await user.should_see('the same as the current one', retries=100)
    assert repos.users.authenticate('ann@example.com', PASSWORD) is not None


# -- sessions -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('user_agent', 'shown'),
    [
        (CHROME_ON_LINUX, 'Chrome on Linux'),
        (SAFARI_ON_IPHONE, 'Safari on iPhone'),
        (
            'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36 Edg/126.0',
            'Edge on Windows',
        ),
        ('Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0', 'Firefox on macOS'),
        (
            'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15',
            'Safari on macOS',
        ),
        (
            'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36',
            'Chrome on Android',
        ),
        (
            'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/126.0 Safari/537.36',
            'Headless Chrome on Linux',
        ),
        ('curl/8.5.0', 'curl'),
        ('python-httpx/0.27.0', 'httpx'),
        ('', 'Unknown device'),
        ('something else entirely', 'Unknown device'),
    ],
)
def test_a_user_agent_becomes_a_device_a_person_recognises(user_agent: str, shown: str) -> None:
    assert devices.describe(user_agent) == shown


async def test_the_sessions_list_shows_each_device_and_marks_this_one(user: User, ann: Account) -> None:
    sessions.create(ann, ip='203.0.113.5', user_agent=CHROME_ON_LINUX)
    sessions.create(person('bob@example.com'), ip='198.51.100.1', user_agent=SAFARI_ON_IPHONE)  # somebody else's
    await signed_in_settings(user)
    await user.should_see('Chrome on Linux')
    await user.should_see('203.0.113.5')
    await user.should_see(marker='this-device')
    await user.should_not_see('Safari on iPhone')
    assert len(user.find(marker='session-row').elements) == 2
    assert len(user.find(marker='revoke-session').elements) == 1, 'this browser is signed out with Sign out instead'


async def test_signing_out_one_session_ends_it_and_is_audited(user: User, ann: Account) -> None:
    laptop = sessions.create(ann, ip='203.0.113.5', user_agent=CHROME_ON_LINUX)
    await signed_in_settings(user)
    user.find(marker='revoke-session').click()
    await confirm(user, 'Sign out this session?')
    await user.should_see('Signed out Chrome on Linux')
    assert sessions.resolve(laptop.token) is None
    await user.should_not_see(marker='revoke-session')
    assert len(user.find(marker='session-row').elements) == 1
    revoked = next(e for e in audit.for_user(ann) if e.action == 'session_revoked')
    assert revoked.detail == {'device': 'Chrome on Linux', 'address': '203.0.113.5'}


async def test_sign_out_everywhere_else_keeps_only_this_browser(user: User, ann: Account) -> None:
    others = [sessions.create(ann, user_agent=ua) for ua in (CHROME_ON_LINUX, SAFARI_ON_IPHONE)]
    await signed_in_settings(user)
    user.find(marker='sign-out-others').click()
    await confirm(user, 'Sign out all other sessions?')
    await user.should_see('Signed out 2 other sessions')
    assert all(sessions.resolve(o.token) is None for o in others)
    with db.session() as s:
        assert len(list(s.exec(select(AuthSession).where(AuthSession.user_id == ann.id)))) == 1
    await user.open('/settings')
    await user.should_see(marker='this-device')


def test_one_person_cannot_sign_out_anothers_session(ann: Account) -> None:
    bobs = sessions.create(person('bob@example.com'))
    assert sessions.revoke_session(ann, bobs.session.id) is False
    assert sessions.resolve(bobs.token) is not None


# -- activity -------------------------------------------------------------------------------------------------------


def test_the_audit_log_is_append_only() -> None:
    defined = [name for name, fn in inspect.getmembers(audit, inspect.isfunction) if fn.__module__ == audit.__name__]
    assert 'record' in defined and 'for_user' in defined
    for word in ('update', 'delete', 'remove', 'clear', 'purge', 'edit', 'change', 'set', 'truncate', 'erase'):
        assert not [name for name in defined if word in name.lower()], f'audit.py must not {word} events'
    source = inspect.getsource(audit)
    assert 'delete(' not in source and 'update(' not in source and '.delete' not in source


async def test_the_activity_log_shows_sign_ins_failed_attempts_and_admin_actions(user: User, ann: Account) -> None:
    bea = repos.users.create('bea@example.com', PASSWORD, is_admin=True)
    await sign_in(user, password='a-wrong-guess-at-it')  # somebody tries Ann's email
    await user.should_see('Email or password is not right')
    await sign_in(user, email='bob@example.com', password='whatever-it-is')  # not Ann's business
    audit.record(bea.id, 'admin_set_quotas', ip='198.51.100.2', target_id=ann.id, target_email=ann.email)
    audit.record(bea.id, 'login', ip='198.51.100.2')  # the admin's own sign-in is not Ann's business either
    await sign_in(user)
    await user.open('/settings')
    await user.should_see('Failed sign-in with your email')
    await user.should_see('Your quotas were changed by an admin')
    await user.should_see('bea@example.com')
    await user.should_not_see('198.51.100.2')  # the admin's own address is not shown to the account they act on
    await user.should_see('Signed in')
    lines = [line for line in user.find(marker='activity-line').elements]
    assert len(lines) == 3, 'failed attempt, the admin action, the sign-in: nothing of Bob or of Bea alone'


def test_a_failed_sign_in_names_the_account_only_when_it_exists(ann: Account) -> None:
    audit.signin_failed('ann@example.com', ip='203.0.113.7')
    audit.signin_failed('nobody@example.com', ip='203.0.113.7')
    with db.session() as s:
        failed = list(s.exec(select(AuditEvent).where(AuditEvent.action == 'login_failed')))
    assert sorted((e.detail['email'], e.target_id, e.user_id) for e in failed) == [
        ('ann@example.com', ann.id, None),
        ('nobody@example.com', None, None),
    ]
    assert [e.action for e in audit.for_user(ann)] == ['login_failed']


async def test_the_activity_log_pages_back_through_older_entries(user: User, ann: Account) -> None:
    for n in range(25):
        audit.record(ann.id, 'token_created', name=f'script {n}')
    await sign_in(user)
    await user.open('/settings')
    await user.should_see('name: script 24')
    await user.should_not_see('name: script 0')
    user.find(marker='activity-more').click()
    await user.should_see('name: script 0')


def test_token_creation_and_revocation_are_audited(ann: Account) -> None:
    from aurenlm.security import tokens

    made = tokens.issue(ann, 'backup script', can_write=True, ip='203.0.113.8')
    assert tokens.revoke(ann, made.row.id, ip='203.0.113.8') is True
    assert tokens.revoke(ann, made.row.id) is False, 'revoking twice records nothing more'
    assert actions(ann) == ['token_revoked', 'token_created']
    assert audit.for_user(ann)[1].detail == {'token': made.row.prefix, 'name': 'backup script', 'can_write': True}


# -- export ---------------------------------------------------------------------------------------------------------


async def test_the_account_zip_holds_every_notebook_as_an_importable_export(user: User, ann: Account) -> None:
    manuals = repos.notebooks.create(ann, 'Manuals')
    await sources.add_text(ann, manuals.id, 'Release notes', 'the release adds sharing ' * 20)
    repos.notebooks.create(ann, 'Recipes / drafts')
    bob = person('bob@example.com')
    team = repos.notebooks.create(bob, 'Team handbook')
    joins(ann, team, 'viewer')
    repos.notebooks.create(bob, 'Bob alone')

    await sign_in(user)
    response = await user.http_client.get('/account/export')
    assert response.status_code == 200
    assert response.headers['content-type'] == 'application/zip'
    assert 'attachment' in response.headers['content-disposition']
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    account = json.loads(archive.read('account.json'))
    assert account['email'] == 'ann@example.com'
    assert sorted((n['title'], n['role']) for n in account['notebooks']) == [
        ('Manuals', 'owner'),
        ('Recipes / drafts', 'owner'),
        ('Team handbook', 'viewer'),
    ]
    assert 'Bob alone' not in str(archive.namelist())
    for entry in account['notebooks']:
        bundle = importer.parse(archive.read(entry['file']))
        assert bundle.notebook.title == entry['title']
    manual = next(e for e in account['notebooks'] if e['title'] == 'Manuals')
    assert [s.title for s in importer.parse(archive.read(manual['file'])).sources] == ['Release notes']
    copy = await importer.import_notebook(ann, archive.read(manual['file']))
    assert repos.notebooks.get(ann, copy.notebook.id) is not None
    assert json.loads(archive.read('activity.json'))[0]['action'] == 'login'
    assert 'account_exported' in actions(ann)


async def test_the_account_zip_needs_a_session(user: User) -> None:
    response = await user.http_client.get('/account/export')
    assert response.status_code == 401
    assert response.json()['error']['code'] == 'unauthorized'


# -- deletion -------------------------------------------------------------------------------------------------------


async def open_delete_dialog(user: User) -> None:
    await sign_in(user)
    await user.open('/settings')
    user.find(marker='delete-account').click()
    await user.should_see('Delete your account?')


async def test_deleting_the_account_hands_over_what_was_chosen_and_removes_the_rest(user: User, ann: Account) -> None:
    bob, cleo = person('bob@example.com'), person('cleo@example.com')
    diary = repos.notebooks.create(ann, 'Diary')
    handbook = repos.notebooks.create(ann, 'Team handbook')
    drafts = repos.notebooks.create(ann, 'Shared drafts')
    joins(bob, handbook, 'editor')
    joins(cleo, drafts, 'viewer')
    bobs = repos.notebooks.create(bob, 'Bob’s notebook')
    joins(ann, bobs, 'viewer')
    secret = await sources.add_text(ann, diary.id, 'Dear diary', 'secret thoughts ' * 10)
    kept = await sources.add_text(ann, handbook.id, 'How we work', 'how we work ' * 10)
    question = repos.messages.add(bobs.id, role='user', content='my private question', user_id=ann.id)
    repos.messages.add(bobs.id, role='assistant', content='a private answer', user_id=None, reply_to_id=question.id)
    repos.messages.add(bobs.id, role='user', content='bob asks too', user_id=bob.id)
    phone = sessions.create(ann, user_agent=SAFARI_ON_IPHONE)

    await open_delete_dialog(user)
    await user.should_see('Team handbook')
    await user.should_see('Shared drafts')
    await user.should_not_see('Diary')  # not shared: it simply goes
    fates = user.find(marker='notebook-fate').elements
    assert len(fates) == 2
    user.find(marker='confirm-delete-email').type('ann@example.com')
    user.find(marker='confirm-delete-secret').type(PASSWORD)
    user.find(marker='confirm-delete-account').click()
    await user.should_see('Choose what happens to each shared notebook')
    choice = {f.props['aria-label']: f for f in fates}
    choice['What happens to Team handbook'].set_value(bob.id)
    choice['What happens to Shared drafts'].set_value('__delete__')
    user.find(marker='confirm-delete-account').click()
    await user.should_see(marker='account-deleted', retries=100)

    assert repos.users.get(ann.id) is None
    assert sessions.resolve(phone.token) is None
    assert repos.notebooks.role(bob, handbook.id) == 'owner'
    with db.session() as s:
        assert s.get(Notebook, handbook.id).owner_id == bob.id
        assert s.get(Notebook, diary.id) is None and s.get(Notebook, drafts.id) is None
        assert s.get(Source, kept.id) is not None
        left = [m.content for m in repos.messages.all_for(bob, bobs.id)]
    assert left == ['bob asks too'], 'her private chat went with her; theirs stays'
    files = sources.files_dir()
    assert not (files / secret.file_name).exists()
    assert (files / kept.file_name).exists()
    (deleted,) = [e for e in audit.everyone(action='account_deleted')]
    assert deleted.user_id is None and deleted.detail['email'] == 'ann@example.com'
    assert deleted.detail['notebooks_deleted'] == 2 and deleted.detail['notebooks_transferred'] == 1


async def test_deleting_needs_the_email_typed_exactly(user: User, ann: Account) -> None:
    repos.notebooks.create(ann, 'Diary')
    await open_delete_dialog(user)
    user.find(marker='confirm-delete-email').type('ann@example')
    user.find(marker='confirm-delete-account').click()
    await user.should_see('Type ann@example.com exactly to confirm')
    assert repos.users.get(ann.id) is not None
    assert len(repos.notebooks.list_for(ann)) == 1


async def test_an_open_browser_alone_cannot_delete_the_account_without_the_password(user: User, ann: Account) -> None:
    repos.notebooks.create(ann, 'Diary')
    await open_delete_dialog(user)
    user.find(marker='confirm-delete-email').type('ann@example.com')
    user.find(marker='confirm-delete-account').click()
    await user.should_see('Your password is not right', retries=100)
    user.find(marker='confirm-delete-secret').type('a-guess-at-her-password')
    user.find(marker='confirm-delete-account').click()
    await user.should_see('Your password is not right', retries=100)
    assert repos.users.get(ann.id) is not None
    assert len(repos.notebooks.list_for(ann)) == 1
    user.find(marker='confirm-delete-secret').clear().type(PASSWORD)
    user.find(marker='confirm-delete-account').click()
    await user.should_see(marker='account-deleted', retries=100)
    assert repos.users.get(ann.id) is None


async def test_the_only_admin_is_told_to_make_another_admin_first(user: User) -> None:
    repos.users.create('ann@example.com', PASSWORD, is_admin=True)
    await open_delete_dialog(user)
    user.find(marker='confirm-delete-email').type('ann@example.com')
    user.find(marker='confirm-delete-secret').type(PASSWORD)
    user.find(marker='confirm-delete-account').click()
    await user.should_see('Make another person an admin first', retries=100)
    assert repos.users.by_email('ann@example.com') is not None
