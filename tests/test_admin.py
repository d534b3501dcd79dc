"""An admin runs the instance: who registers, who is disabled, quotas, 2FA resets, deletions, and the audit log.

Service and repository level, on SQLite and (AURENLM_TEST_DB=postgres) PostgreSQL.
"""

from __future__ import annotations

import pytest

from aurenlm import __main__ as cli
from aurenlm import db, repos
from aurenlm.accounts import admin, deletion, registration
from aurenlm.config import RegistrationPolicy, Settings, get_settings
from aurenlm.exchange import export, importer
from aurenlm.models import (
    AuthSession,
    ChatMessage,
    Job,
    Notebook,
    NotebookMember,
    RecoveryCode,
    Source,
    User,
    utcnow,
)
from aurenlm.repos import instance, usage
from aurenlm.repos.users import RegistrationError
from aurenlm.security import sessions, tokens
from aurenlm.sources import service as sources
from tests.apikit import api, error_of, token_for
from tests.helpers import PASSWORD, changing, person
from tests.sourcekit import ready_source


@pytest.fixture
def boss() -> User:
    """Bea, the instance's admin."""
    return repos.users.create('bea@example.com', PASSWORD, is_admin=True)


def joins(user: User, notebook: Notebook, role: str = 'editor') -> None:
    """`user` becomes a member of `notebook`, as accepting a share does."""
    with db.session() as s:
        s.add(NotebookMember(notebook_id=notebook.id, user_id=user.id, role=role))
        s.commit()


def stored_files() -> set[str]:
    folder = get_settings().files_dir
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def signed_in(user: User) -> str:
    return sessions.create(user, ip='203.0.113.9', user_agent='Firefox').token


# -- the first admin and registration -----------------------------------------------------------------------------


def test_the_first_account_to_register_runs_the_instance_and_the_next_does_not() -> None:
    first = registration.register('first@example.com', PASSWORD)
    second = registration.register('second@example.com', PASSWORD)
    assert repos.users.get(first.id).is_admin
    assert not repos.users.get(second.id).is_admin


def test_an_instance_that_has_accounts_does_not_hand_admin_to_a_newcomer(ann: User) -> None:
    # ann was made before there were admins (an older instance): the next person to register must not get the keys
    newcomer = registration.register('newcomer@example.com', PASSWORD)
    assert not repos.users.get(newcomer.id).is_admin


def test_create_user_makes_the_first_account_an_admin(capsys: pytest.CaptureFixture) -> None:
    assert cli.main(['create-user', '--email', 'root@example.com', '--password', PASSWORD]) == 0
    assert cli.main(['create-user', '--email', 'member@example.com', '--password', PASSWORD]) == 0
    printed = capsys.readouterr().out
    assert 'created user root@example.com (admin)' in printed
    assert 'created user member@example.com\n' in printed
    assert cli.main(['make-admin', '--email', 'member@example.com']) == 0
    assert repos.users.by_email('member@example.com').is_admin


def test_the_policy_defaults_to_open_in_development_and_invite_only_elsewhere() -> None:
    assert Settings(_env_file=None).default_registration_policy == RegistrationPolicy.open
    production = Settings(environment='production', _env_file=None)
    assert production.default_registration_policy == RegistrationPolicy.invite_only
    older = Settings(feature_registration=False, _env_file=None)  # an .env from before policies
    assert older.default_registration_policy == RegistrationPolicy.closed
    assert Settings(registration_policy='closed', _env_file=None).default_registration_policy == 'closed'


def test_closed_registration_still_lets_a_new_instance_make_its_first_account(settings_env) -> None:
    settings_env(REGISTRATION_POLICY='closed')
    first = registration.register('first@example.com', PASSWORD)
    assert repos.users.get(first.id).is_admin
    with pytest.raises(RegistrationError, match='closed'):
        registration.register('second@example.com', PASSWORD)
    assert repos.users.by_email('second@example.com') is None


def test_invite_only_lets_in_exactly_the_invited_addresses(settings_env, ann: User) -> None:
    settings_env(REGISTRATION_POLICY='invite-only')
    notebook = repos.notebooks.create(ann, 'Team handbook')
    invited = repos.members.invite(notebook.id, 'carl@example.com', 'viewer', ann.id)
    with pytest.raises(RegistrationError, match='invite-only'):
        registration.register('dora@example.com', PASSWORD)
    with pytest.raises(RegistrationError, match='invite-only'):
        registration.register('carl@example.com', PASSWORD)  # typing the invited address is not enough
    token = repos.invitations.link_token(invited.id)
    carl = registration.register('Carl@Example.com', PASSWORD, invitation_token=token)
    assert carl.email == 'carl@example.com'


def test_the_admins_choice_wins_over_the_environment_and_is_audited(settings_env, boss: User, ann: User) -> None:
    settings_env(REGISTRATION_POLICY='open')
    admin.set_registration_policy(boss, 'closed', ip='198.51.100.7')
    assert instance.registration_policy() == RegistrationPolicy.closed
    with pytest.raises(RegistrationError, match='closed'):
        registration.register('dora@example.com', PASSWORD)
    with pytest.raises(admin.AdminError, match='open, invite-only or closed'):
        admin.set_registration_policy(boss, 'anyone', ip='')
    with pytest.raises(admin.NotAdmin):
        admin.set_registration_policy(ann, 'open')
    events = admin.audit_entries(boss, action='admin_set_setting')
    assert [(e.event.detail['key'], e.event.detail['value'], e.event.ip) for e in events] == [
        ('registration_policy', 'closed', '198.51.100.7')
    ]


def test_require_2fa_is_a_documented_instance_setting(boss: User) -> None:
    assert instance.require_2fa() is False
    admin.set_require_2fa(boss, True)
    assert instance.require_2fa() is True
    assert instance.get(instance.REQUIRE_2FA) is True


# -- disabling --------------------------------------------------------------------------------------------------------


def test_disabling_signs_out_everywhere_refuses_tokens_and_enabling_restores_tokens(boss: User, ann: User) -> None:
    browser_one, browser_two = signed_in(ann), signed_in(ann)
    token = tokens.issue(ann, 'backup script', can_write=True).token
    admin.disable(boss, ann.id)

    assert sessions.resolve(browser_one) is None and sessions.resolve(browser_two) is None
    with db.session() as s:
        assert s.get(User, ann.id).disabled_at is not None
        assert s.query(AuthSession).filter(AuthSession.user_id == ann.id).count() == 0
    with pytest.raises(tokens.TokenRejected) as refused:
        tokens.authenticate(token)
    assert refused.value.code == 'account_disabled' and 'administrator' in refused.value.message
    assert sessions.redeem_ticket(sessions.issue_ticket(ann, 'browser-1'), 'browser-1') is None

    admin.enable(boss, ann.id)
    assert tokens.authenticate(token).user.id == ann.id
    assert sessions.resolve(browser_one) is None, 'enabling does not bring old sessions back'


async def test_the_api_answers_a_disabled_accounts_token_with_401_until_it_is_enabled(boss: User, ann: User) -> None:
    token = token_for(ann, write=True)
    async with api(token) as client:
        assert (await client.get('/notebooks')).status_code == 200
        admin.disable(boss, ann.id)
        for response in (await client.get('/notebooks'), await client.post('/notebooks', json={'title': 'Sneaky'})):
            assert response.status_code == 401
            assert response.headers['www-authenticate'] == 'Bearer'
            assert error_of(response)['code'] == 'account_disabled'
        admin.enable(boss, ann.id)
        assert (await client.get('/notebooks')).status_code == 200
    assert [n.title for n in repos.notebooks.list_for(ann)] == []


def test_a_session_made_for_a_disabled_account_still_does_not_resolve(boss: User, ann: User) -> None:
    admin.disable(boss, ann.id)
    assert sessions.resolve(signed_in(ann)) is None


def test_an_admin_cannot_lock_themselves_or_the_instance_out(boss: User, ann: User) -> None:
    with pytest.raises(admin.AdminError, match='your own account'):
        admin.disable(boss, boss.id)
    with pytest.raises(admin.AdminError, match='your own account'):
        admin.delete(boss, boss.id, typed=boss.email)
    with pytest.raises(admin.AdminError, match='your own account'):
        admin.set_admin(boss, boss.id, False)
    # a second admin can take the first one's rights, but not the last ones
    admin.set_admin(boss, ann.id, True)
    ann_as_admin = repos.users.get(ann.id)
    admin.set_admin(ann_as_admin, boss.id, False)
    assert not repos.users.get(boss.id).is_admin
    with pytest.raises(admin.AdminError, match='your own account'):
        admin.check_can_remove(ann_as_admin, ann.id, 'remove administrator rights from')
    with pytest.raises(deletion.DeletionError, match='admin'):  # deleting her own account, from Settings
        deletion.delete_user(ann_as_admin, ann_as_admin)
    assert repos.users.get(ann.id).is_admin


def test_a_page_built_for_an_admin_cannot_act_after_the_role_is_gone(boss: User, ann: User) -> None:
    other = repos.users.create('cleo@example.com', PASSWORD, is_admin=True)
    admin.set_admin(other, boss.id, False)
    with pytest.raises(admin.NotAdmin):
        admin.disable(boss, ann.id)  # `boss` is the object the page holds: it still says is_admin
    with pytest.raises(admin.NotAdmin):
        admin.list_users(ann)
    assert repos.users.get(ann.id).disabled_at is None


# -- 2FA reset, cutting off, quotas -------------------------------------------------------------------------------


def test_resetting_2fa_clears_the_secret_and_the_recovery_codes(boss: User, ann: User) -> None:
    with changing(User, ann.id) as row:
        row.totp_secret, row.totp_enabled_at, row.totp_last_step = 'sealed-secret', utcnow(), 123
    with db.session() as s:
        s.add_all(RecoveryCode(user_id=ann.id, code_hash=f'{n:064x}') for n in range(10))
        s.commit()
    admin.reset_two_factor(boss, ann.id)
    fresh = repos.users.get(ann.id)
    assert (fresh.totp_secret, fresh.totp_enabled_at, fresh.totp_last_step) == (None, None, None)
    with db.session() as s:
        assert s.query(RecoveryCode).filter(RecoveryCode.user_id == ann.id).count() == 0


def test_cutting_off_ends_every_session_and_revokes_every_token_for_good(boss: User, ann: User) -> None:
    browsers = [signed_in(ann), signed_in(ann)]
    made = [tokens.issue(ann, f'script {n}').token for n in range(3)]
    done = admin.cut_off(boss, ann.id)
    assert (done.sessions, done.tokens) == (2, 3)
    assert all(sessions.resolve(b) is None for b in browsers)
    for token in made:
        with pytest.raises(tokens.TokenRejected, match='revoked'):
            tokens.authenticate(token)
    assert sessions.resolve(signed_in(ann)) is not None, 'they can sign in again'


async def test_a_source_quota_refuses_at_the_door_and_says_what_to_do(boss: User, ann: User) -> None:
    notebook = repos.notebooks.create(ann, 'Papers')
    await sources.add_text(ann, notebook.id, 'First', 'one ' * 50)
    admin.set_quotas(boss, ann.id, max_sources=1, max_storage_bytes=None)
    files_before = stored_files()
    with pytest.raises(sources.SourceError, match='quota of 1 sources.*ask your administrator'):
        await sources.add_text(ann, notebook.id, 'Second', 'two ' * 50)
    assert stored_files() == files_before and usage.of(ann.id).sources == 1
    admin.set_quotas(boss, ann.id, max_sources=None, max_storage_bytes=None)
    await sources.add_text(ann, notebook.id, 'Second', 'two ' * 50)


async def test_a_storage_quota_refuses_a_source_that_does_not_fit(boss: User, ann: User) -> None:
    notebook = repos.notebooks.create(ann, 'Papers')
    admin.set_quotas(boss, ann.id, max_sources=None, max_storage_bytes=1000)
    await sources.add_text(ann, notebook.id, 'Small', 'x' * 600)
    with pytest.raises(sources.SourceError, match=r'storage quota of 1000 bytes \(400 bytes left\)'):
        await sources.add_text(ann, notebook.id, 'Big', 'y' * 600)
    await sources.add_text(ann, notebook.id, 'Fits', 'z' * 400)
    with pytest.raises(sources.SourceError, match='no room left'):
        await sources.add_text(ann, notebook.id, 'Anything', 'w')


async def test_an_editor_cannot_fill_the_owners_quota(boss: User, ann: User) -> None:
    carl = person('carl@example.com')
    notebook = repos.notebooks.create(ann, 'Shared')
    joins(carl, notebook, 'editor')
    admin.set_quotas(boss, ann.id, max_sources=1, max_storage_bytes=None)
    await sources.add_text(carl, notebook.id, 'By Carl', 'carl ' * 20)
    with pytest.raises(sources.SourceError, match='notebook’s owner has reached their quota'):
        await sources.add_text(carl, notebook.id, 'Again', 'more ' * 20)
    assert usage.of(carl.id) == usage.of(ann.id) == usage.Usage(1, 100)  # it counts for both of them


async def test_an_imported_notebook_counts_against_the_quotas_too(boss: User, ann: User) -> None:
    notebook = repos.notebooks.create(ann, 'Papers')
    for name in ('one.txt', 'two.txt'):
        await ready_source(ann, notebook.id, name, f'{name} has a few words of its own. '.encode() * 20)
    exported = await export.export_notebook(ann, notebook.id, 'json')
    admin.set_quotas(boss, ann.id, max_sources=3, max_storage_bytes=None)
    files_before = stored_files()
    with pytest.raises(importer.NotebookImportError, match='quota of 3 sources leaves room for 1'):
        await importer.import_notebook(ann, exported.content)
    assert len(repos.notebooks.list_for(ann)) == 1 and stored_files() == files_before
    admin.set_quotas(boss, ann.id, max_sources=4, max_storage_bytes=None)
    assert (await importer.import_notebook(ann, exported.content)).sources == 2


def test_quotas_must_be_whole_numbers_from_zero(boss: User, ann: User) -> None:
    with pytest.raises(admin.AdminError, match='whole number'):
        admin.set_quotas(boss, ann.id, max_sources=-1, max_storage_bytes=None)
    with pytest.raises(admin.AdminError, match='whole number'):
        admin.set_quotas(boss, ann.id, max_sources=None, max_storage_bytes=1 << 60)
    admin.set_quotas(boss, ann.id, max_sources=0, max_storage_bytes=5 * 1024 * 1024)
    fresh = repos.users.get(ann.id)
    assert (fresh.quota_sources, fresh.quota_storage_bytes) == (0, 5 * 1024 * 1024)


# -- the list -----------------------------------------------------------------------------------------------------


async def test_the_list_shows_what_each_person_owns_counting_a_source_once(boss: User, ann: User) -> None:
    carl = person('carl@example.com')
    anns = repos.notebooks.create(ann, 'Papers')
    repos.notebooks.create(ann, 'Empty')
    joins(carl, anns, 'editor')
    mine = await sources.add_text(ann, anns.id, 'Ann’s', 'a' * 300)
    carls = await sources.add_text(carl, anns.id, 'Carl’s', 'c' * 200)
    assert (mine.size, carls.size) == (300, 200)
    with changing(User, carl.id) as row:
        row.totp_enabled_at = utcnow()
    admin.disable(boss, carl.id)

    rows = {r.user.email: r for r in admin.list_users(boss)}
    assert list(rows) == ['ann@example.com', 'bea@example.com', 'carl@example.com']
    assert (rows['ann@example.com'].notebooks_owned, rows['ann@example.com'].usage) == (2, usage.Usage(2, 500))
    assert (rows['carl@example.com'].notebooks_owned, rows['carl@example.com'].usage) == (0, usage.Usage(1, 200))
    assert rows['carl@example.com'].two_factor and rows['carl@example.com'].disabled
    assert not rows['ann@example.com'].two_factor and not rows['ann@example.com'].disabled
    assert rows['bea@example.com'].usage == usage.Usage()


def test_the_list_pages_and_searches_by_email_or_name(boss: User) -> None:
    for n in range(7):
        repos.users.create(f'user{n}@example.com', PASSWORD, display_name=f'Person {n}')
    first = admin.list_users(boss, limit=3)
    second = admin.list_users(boss, limit=3, after=first[-1].user.email)
    assert [r.user.email for r in first + second] == [
        'bea@example.com',
        *[f'user{n}@example.com' for n in range(5)],
    ]
    assert [r.user.email for r in admin.list_users(boss, search='person 6')] == ['user6@example.com']
    assert [r.user.email for r in admin.list_users(boss, search='USER3@')] == ['user3@example.com']
    assert admin.list_users(boss, search='50%_') == []


def test_last_seen_follows_sign_ins_and_page_views(ann: User) -> None:
    assert repos.users.get(ann.id).last_seen_at is None
    token = signed_in(ann)
    first_seen = repos.users.get(ann.id).last_seen_at
    assert first_seen is not None
    with changing(AuthSession, sessions.token_hash(token)) as row:  # a while later
        row.last_seen -= sessions.TOUCH_EVERY
    sessions.resolve(token)
    assert repos.users.get(ann.id).last_seen_at > first_seen


# -- deleting -----------------------------------------------------------------------------------------------------


async def test_deleting_takes_the_account_its_notebooks_and_files_and_hands_over_what_was_chosen(
    boss: User, ann: User
) -> None:
    carl = person('carl@example.com')
    private = repos.notebooks.create(ann, 'Diary')
    shared = repos.notebooks.create(ann, 'Team handbook')
    joins(carl, shared, 'editor')
    carls = repos.notebooks.create(carl, 'Carl’s notes')
    joins(ann, carls, 'editor')
    diary = await sources.add_text(ann, private.id, 'Dear diary', 'secret thoughts ' * 10)
    handbook = await sources.add_text(ann, shared.id, 'Handbook', 'how we work ' * 10)
    contributed = await sources.add_text(ann, carls.id, 'Ann’s contribution', 'for carl ' * 10)
    repos.messages.add(carls.id, role='user', content='private question', user_id=ann.id)
    token = signed_in(ann)
    api_token = tokens.issue(ann, 'script').token
    assert {diary.file_name, handbook.file_name, contributed.file_name} <= stored_files()

    with pytest.raises(admin.AdminError, match='Type the account’s email'):
        admin.delete(boss, ann.id, typed='ann@example')
    assert repos.users.get(ann.id) is not None

    done = admin.delete(boss, ann.id, typed=' Ann@Example.com ', transfer_to={shared.id: carl.id}, ip='198.51.100.7')
    assert (done.notebooks_deleted, done.notebooks_transferred) == (1, 1)
    assert repos.users.get(ann.id) is None
    assert sessions.resolve(token) is None
    with pytest.raises(tokens.TokenRejected):
        tokens.authenticate(api_token)
    files = stored_files()
    assert diary.file_name not in files
    assert {handbook.file_name, contributed.file_name} <= files, 'files of notebooks that stay, stay'
    assert repos.notebooks.get(carl, shared.id).owner_id == carl.id
    assert repos.notebooks.role(carl, shared.id) == 'owner'
    with db.session() as s:
        assert s.get(Notebook, private.id) is None
        assert s.get(Source, contributed.id) is not None
        assert s.query(ChatMessage).filter(ChatMessage.notebook_id == carls.id).count() == 0
    [event] = admin.audit_entries(boss, action='account_deleted')
    assert event.event.user_id == boss.id and event.event.ip == '198.51.100.7'
    assert event.event.detail['email'] == 'ann@example.com'


async def test_a_source_the_deleted_person_was_adding_to_a_teammates_notebook_still_gets_read(
    boss: User, ann: User
) -> None:
    carl = person('carl@example.com')
    carls = repos.notebooks.create(carl, 'Carl’s notes')
    joins(ann, carls, 'editor')
    queued = await sources.add_text(ann, carls.id, 'Still queued', 'words ' * 30)
    admin.delete(boss, ann.id, typed=ann.email)
    with db.session() as s:
        jobs = s.query(Job).filter(Job.ref_id == queued.id).all()
    assert [job.status for job in jobs] == ['queued'], 'its job must not vanish with the account'


def test_the_last_admin_cannot_be_deleted_by_anyone(boss: User, ann: User) -> None:
    with pytest.raises(deletion.DeletionError, match='admin'):
        deletion.delete_user(boss, boss)
    assert repos.users.get(boss.id) is not None


def test_a_transfer_to_someone_outside_the_notebook_is_refused_and_nothing_changes(boss: User, ann: User) -> None:
    stranger = person('stranger@example.com')
    notebook = repos.notebooks.create(ann, 'Shared')
    joins(person('carl@example.com'), notebook)
    with pytest.raises(admin.AdminError):
        admin.delete(boss, ann.id, typed=ann.email, transfer_to={notebook.id: stranger.id})
    assert repos.users.get(ann.id) is not None
    assert repos.notebooks.get(ann, notebook.id) is not None


# -- the audit log ------------------------------------------------------------------------------------------------


def test_every_admin_action_is_audited_with_the_account_it_concerned(boss: User, ann: User) -> None:
    admin.disable(boss, ann.id, ip='198.51.100.7')
    admin.enable(boss, ann.id)
    admin.reset_two_factor(boss, ann.id)
    admin.cut_off(boss, ann.id)
    admin.set_quotas(boss, ann.id, max_sources=5, max_storage_bytes=None)
    admin.set_admin(boss, ann.id, True)
    entries = admin.audit_entries(boss, user_email='ann@example.com')
    assert [e.event.action for e in entries] == [
        'admin_grant_admin',
        'admin_set_quotas',
        'admin_revoke_access',
        'admin_reset_2fa',
        'admin_enable_user',
        'admin_disable_user',
    ]
    assert all(e.event.target_id == ann.id and e.actor_email == 'bea@example.com' for e in entries)
    assert all(e.target_email == 'ann@example.com' and e.event.detail['target_email'] == ann.email for e in entries)
    assert entries[-1].event.ip == '198.51.100.7'


def test_the_admins_audit_view_pages_newest_first_and_filters(boss: User, ann: User) -> None:
    for n in range(5):
        repos.audit.record(ann.id, 'login', ip=f'192.0.2.{n}')
    repos.audit.record(boss.id, 'login')
    repos.audit.signin_failed('ann@example.com', ip='192.0.2.99')
    first = admin.audit_entries(boss, limit=4)
    rest = admin.audit_entries(boss, limit=4, before=(first[-1].event.created_at, first[-1].event.id))
    assert len(first) == 4 and len(rest) == 3
    times = [e.event.created_at for e in first + rest]
    assert times == sorted(times, reverse=True)
    assert len(admin.audit_entries(boss, action='login')) == 6
    assert len(admin.audit_entries(boss, user_email='ann@example.com', action='login')) == 5
    assert len(admin.audit_entries(boss, user_email='ann@example.com')) == 6  # the failed sign-in names her
    assert admin.audit_entries(boss, user_email='nobody@example.com') == []
    assert 'login_failed' in admin.audit_actions(boss)
    with pytest.raises(admin.NotAdmin):
        admin.audit_entries(ann)
