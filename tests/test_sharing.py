"""Sharing a notebook: invitations, roles, removal, leaving and transfer, what each role may do in every service,
private chats, and the audit trail of it all."""

from __future__ import annotations

import pytest
from sqlmodel import select

from aurenlm import db, repos
from aurenlm.accounts import registration
from aurenlm.chat import service as chat
from aurenlm.exchange import export
from aurenlm.models import AuditEvent, Invitation, Notebook, Source, User
from aurenlm.notes import service as notes
from aurenlm.sharing import access, roles
from aurenlm.sharing import invitations as invite_links
from aurenlm.sharing import service as sharing
from aurenlm.sharing.roles import Capability
from aurenlm.sources import service as sources
from aurenlm.studio import artifacts
from tests.helpers import PASSWORD, person
from tests.sourcekit import drain, ready_source

TEXT = (
    'Tidal pools hold anemones, hermit crabs and sea stars. At low tide the pools warm quickly, '
    'and the anemones close to keep their water. Sea stars pry open mussels with their tube feet.'
)


def events(action: str) -> list[AuditEvent]:
    with db.session() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.created_at)))


@pytest.fixture
def bob() -> User:
    return person('bob@example.com')


@pytest.fixture
def cara() -> User:
    return person('cara@example.com')


async def ready_text(user: User, notebook_id: str, title: str = 'Tide pools', body: str = TEXT) -> Source:
    source = await sources.add_text(user, notebook_id, title, body)
    await drain()
    return repos.sources.get(user, source.id)


async def ask(user: User, notebook: Notebook, question: str, source_ids: list[str]) -> chat.Done:
    stream = chat.ask(user, notebook, question, source_ids=source_ids)
    done = [event async for event in stream][-1]
    assert isinstance(done, chat.Done), done
    return done


# -- the roles ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('role', 'allowed'),
    [
        ('viewer', {'read', 'chat'}),
        ('editor', {'read', 'chat', 'edit_sources', 'write_notes', 'generate'}),
        ('owner', {c.value for c in Capability}),
        (None, set()),
    ],
)
def test_each_role_allows_what_the_issue_lists(role, allowed) -> None:
    assert {c.value for c in Capability if roles.allows(role, c)} == allowed


def test_a_refusal_says_what_the_role_allows_and_what_to_do() -> None:
    viewer = roles.refusal('viewer', Capability.EDIT_SOURCES)
    assert 'view this notebook' in viewer and 'add, rename or remove sources' in viewer and 'editor' in viewer
    assert 'only its owner' in roles.refusal('editor', Capability.SHARE)


# -- inviting -----------------------------------------------------------------------------------------------------


def test_sharing_with_an_account_makes_a_member_at_once(ann, bob, notebook) -> None:
    invited = sharing.invite(ann, notebook.id, '  Bob@Example.com ', 'viewer')
    assert invited.invitation is None and invited.member.email == 'bob@example.com'
    assert invited.member.role == 'viewer' and invited.member.name == 'bob'
    assert repos.notebooks.get(bob, notebook.id) is not None
    listed = sharing.list_members(bob, notebook.id)
    assert [(m.email, m.role) for m in listed] == [('ann@example.com', 'owner'), ('bob@example.com', 'viewer')]
    shared = events('notebook_shared')
    assert len(shared) == 1 and shared[0].user_id == ann.id and shared[0].target_id == bob.id
    assert shared[0].detail == {'notebook_id': notebook.id, 'role': 'viewer'}
    home = repos.notebooks.list_for(bob)
    assert [(n.title, n.role, n.owner_name) for n in home] == [('Manuals', 'viewer', 'ann')]


def test_an_address_without_an_account_waits_and_is_accepted_through_its_link(ann, notebook) -> None:
    invited = sharing.invite(ann, notebook.id, 'dana@example.com', 'editor')
    assert invited.member is None and invited.invitation.email == 'dana@example.com'
    assert [i.email for i in sharing.list_invitations(ann, notebook.id)] == ['dana@example.com']
    again = sharing.invite(ann, notebook.id, 'DANA@example.com', 'viewer')
    assert again.invitation.id == invited.invitation.id, 'one invitation per address, its role updated'

    token = invite_links.link(ann, notebook.id, invited.invitation.id).removeprefix('/invite/')
    dana = registration.register('dana@example.com', PASSWORD, invitation_token=token)
    assert repos.members.role_of(dana.id, notebook.id) == 'viewer'
    with db.session() as s:
        assert s.exec(select(Invitation)).all() == []
    accepted = events('invitation_accepted')
    assert [(e.user_id, e.detail['notebook_id']) for e in accepted] == [(dana.id, notebook.id)]


def test_an_invitation_can_be_cancelled(ann, notebook) -> None:
    invitation = sharing.invite(ann, notebook.id, 'dana@example.com', 'viewer').invitation
    assert sharing.cancel_invitation(ann, notebook.id, invitation.id)
    assert not sharing.cancel_invitation(ann, notebook.id, invitation.id)
    dana = repos.users.create('dana@example.com', PASSWORD)
    assert repos.notebooks.get(dana, notebook.id) is None
    assert events('invitation_cancelled')[0].detail['email'] == 'dana@example.com'


@pytest.mark.parametrize(
    ('email', 'role', 'message'),
    [
        ('not an email', 'viewer', 'valid email address'),
        ('', 'viewer', 'valid email address'),
        ('ann@example.com', 'viewer', 'your own address'),
        ('bob@example.com', 'owner', 'Choose Viewer or Editor'),
        ('bob@example.com', 'admin', 'Choose Viewer or Editor'),
    ],
)
def test_bad_invitations_get_a_clear_message(ann, bob, notebook, email, role, message) -> None:
    with pytest.raises(sharing.SharingError, match=message):
        sharing.invite(ann, notebook.id, email, role)
    assert repos.members.count(notebook.id) == 1


def test_inviting_a_member_again_says_they_are_in(ann, bob, notebook) -> None:
    sharing.invite(ann, notebook.id, 'bob@example.com', 'editor')
    with pytest.raises(sharing.SharingError, match='already a member, as editor') as refused:
        sharing.invite(ann, notebook.id, 'bob@example.com', 'viewer')
    assert refused.value.code == 'already_member'
    assert repos.members.role_of(bob.id, notebook.id) == 'editor'


def test_only_the_owner_shares_and_a_stranger_finds_nothing(ann, bob, cara, notebook) -> None:
    sharing.invite(ann, notebook.id, 'bob@example.com', 'editor')
    with pytest.raises(sharing.SharingForbidden, match='only its owner'):
        sharing.invite(bob, notebook.id, 'cara@example.com', 'editor')
    with pytest.raises(sharing.SharingForbidden):
        sharing.list_invitations(bob, notebook.id)
    assert sharing.invite(cara, notebook.id, 'cara@example.com', 'editor') is None
    assert sharing.list_members(cara, notebook.id) is None
    assert repos.notebooks.get(cara, notebook.id) is None
    refused = events('access_refused')
    assert [(e.user_id, e.detail['capability'], e.detail['role']) for e in refused] == [
        (bob.id, 'share', 'editor'),
        (bob.id, 'share', 'editor'),
    ]
    assert refused[0].detail['where'] == 'aurenlm.sharing.service.invite'


# -- roles, removal, leaving, transfer ----------------------------------------------------------------------------


def test_the_owner_changes_roles_but_never_their_own(ann, bob, notebook) -> None:
    sharing.invite(ann, notebook.id, 'bob@example.com', 'viewer')
    assert sharing.change_role(ann, notebook.id, bob.id, 'editor').role == 'editor'
    with pytest.raises(sharing.SharingError, match='Transfer ownership'):
        sharing.change_role(ann, notebook.id, ann.id, 'viewer')
    with pytest.raises(sharing.SharingError, match='Choose Viewer or Editor'):
        sharing.change_role(ann, notebook.id, bob.id, 'owner')
    assert sharing.change_role(ann, notebook.id, 'nobody', 'viewer') is None
    changed = events('member_role_changed')
    assert [(e.target_id, e.detail['previous'], e.detail['role']) for e in changed] == [(bob.id, 'viewer', 'editor')]


async def test_a_removed_member_loses_the_notebook_and_their_chat_in_it(ann, bob, notebook) -> None:
    source = await ready_text(ann, notebook.id)
    sharing.invite(ann, notebook.id, 'bob@example.com', 'viewer')
    await ask(bob, notebook, 'What do sea stars eat?', [source.id])
    assert sharing.remove_member(ann, notebook.id, bob.id)
    assert repos.notebooks.get(bob, notebook.id) is None
    assert not sharing.remove_member(ann, notebook.id, bob.id)
    with pytest.raises(sharing.SharingError, match='owner cannot be removed'):
        sharing.remove_member(ann, notebook.id, ann.id)
    sharing.invite(ann, notebook.id, 'bob@example.com', 'viewer')
    assert repos.messages.page(bob, notebook.id) == [], 'coming back starts a fresh chat'
    assert events('notebook_unshared')[0].target_id == bob.id


def test_a_member_leaves_but_the_owner_must_transfer_first(ann, bob, notebook) -> None:
    sharing.invite(ann, notebook.id, 'bob@example.com', 'editor')
    with pytest.raises(sharing.SharingError, match='Transfer ownership'):
        sharing.leave(ann, notebook.id)
    assert sharing.leave(bob, notebook.id)
    assert repos.notebooks.list_for(bob) == []
    assert not sharing.leave(bob, notebook.id)
    assert events('notebook_left')[0].user_id == bob.id


def test_ownership_goes_to_a_member_and_the_old_owner_stays_an_editor(ann, bob, cara, notebook) -> None:
    with pytest.raises(sharing.SharingError, match='Only a member'):
        sharing.transfer(ann, notebook.id, cara.id)
    sharing.invite(ann, notebook.id, 'bob@example.com', 'viewer')
    with pytest.raises(sharing.SharingError, match='own this notebook already'):
        sharing.transfer(ann, notebook.id, ann.id)
    assert sharing.transfer(ann, notebook.id, bob.id)
    assert repos.members.role_of(bob.id, notebook.id) == 'owner'
    assert repos.members.role_of(ann.id, notebook.id) == 'editor'
    assert repos.notebooks.get(bob, notebook.id).owner_id == bob.id
    with pytest.raises(sharing.SharingForbidden):
        sharing.transfer(ann, notebook.id, ann.id)
    assert sharing.leave(ann, notebook.id), 'no longer the owner, Ann may leave'
    assert events('ownership_transferred')[0].target_id == bob.id
    assert [n.owner_name for n in repos.notebooks.list_for(bob)] == ['bob']


def test_only_the_owner_renames_and_deletes_the_notebook(ann, bob, notebook) -> None:
    sharing.invite(ann, notebook.id, 'bob@example.com', 'editor')
    with pytest.raises(sharing.SharingForbidden, match='not rename or delete it'):
        sharing.rename_notebook(bob, notebook.id, 'Mine')
    with pytest.raises(sharing.SharingForbidden):
        sharing.delete_notebook(bob, notebook.id)
    assert repos.notebooks.rename(bob, notebook.id, 'Sneaky') is None, 'the repository refuses too'
    assert sharing.rename_notebook(ann, notebook.id, 'Field guide').title == 'Field guide'
    assert sharing.delete_notebook(ann, notebook.id)
    assert repos.notebooks.list_for(bob) == []


# -- every service asks the same question -------------------------------------------------------------------------


async def test_a_viewer_reads_and_chats_but_every_write_is_refused_and_audited(ann, bob, notebook) -> None:
    source = await ready_source(ann, notebook.id, 'shared-mime-info-README.md')
    note = notes.create(ann, notebook.id, 'Field notes', 'Low tide at six.')
    quiz = artifacts.start(ann, notebook.id, 'quiz', [source.id], {'count': 5})
    await drain()
    sharing.invite(ann, notebook.id, 'bob@example.com', 'viewer')

    assert [s.title for s in repos.sources.list_for(bob, notebook.id)] == [source.title]
    assert sources.for_download(bob, source.id) is not None
    assert notes.get(bob, note.id).body == 'Low tide at six.'
    assert artifacts.get(bob, quiz.id).status == 'done'
    assert artifacts.submit_attempt(bob, quiz.id, {}).total == 5, 'taking a quiz is personal'
    assert (await ask(bob, notebook, 'What does update-mime-database do?', [source.id])).message.content
    assert (await export.export_notebook(bob, notebook.id, 'md')) is not None

    writes = [
        lambda: sources.add_text(bob, notebook.id, 'Mine', 'Some words to add.'),
        lambda: sources.rename(bob, source.id, 'Renamed'),
        lambda: sources.delete(bob, source.id),
        lambda: sources.retry(bob, source.id),
        lambda: notes.create(bob, notebook.id, 'Mine'),
        lambda: notes.update(bob, note.id, body='changed'),
        lambda: notes.delete(bob, note.id),
        lambda: notes.use_as_source(bob, note.id),
        lambda: artifacts.start(bob, notebook.id, 'mindmap', [source.id]),
        lambda: artifacts.regenerate(bob, quiz.id),
        lambda: artifacts.delete(bob, quiz.id),
        lambda: sharing.invite(bob, notebook.id, 'cara@example.com', 'viewer'),
        lambda: sharing.rename_notebook(bob, notebook.id, 'Mine'),
    ]
    for write in writes:
        with pytest.raises(access.Forbidden, match='view this notebook'):
            result = write()
            if hasattr(result, '__await__'):
                await result
    assert len(events('access_refused')) == len(writes)
    assert repos.sources.get(ann, source.id).title == source.title
    assert notes.get(ann, note.id).body == 'Low tide at six.'
    assert artifacts.get(ann, quiz.id) is not None


async def test_the_services_keep_their_own_error_types_for_a_refusal(ann, bob, notebook) -> None:
    sharing.invite(ann, notebook.id, 'bob@example.com', 'viewer')
    with pytest.raises(sources.SourceError):
        await sources.add_text(bob, notebook.id, 'Mine', 'Words.')
    with pytest.raises(notes.NoteError):
        notes.create(bob, notebook.id, 'Mine')
    with pytest.raises(artifacts.ArtifactError):
        artifacts.start(bob, notebook.id, 'mindmap')


async def test_an_editor_adds_sources_writes_notes_and_generates(ann, bob, notebook) -> None:
    sharing.invite(ann, notebook.id, 'bob@example.com', 'editor')
    source = await ready_text(bob, notebook.id)
    assert source.status == 'ready' and source.added_by == bob.id
    assert notes.create(bob, notebook.id, 'Bob’s note', 'Mussels.') is not None
    assert artifacts.start(bob, notebook.id, 'mindmap', [source.id]) is not None
    assert sources.rename(bob, source.id, 'Rock pools').title == 'Rock pools'
    assert events('access_refused') == []


async def test_a_job_checks_the_role_again_when_it_runs(ann, bob, notebook) -> None:
    sharing.invite(ann, notebook.id, 'bob@example.com', 'editor')
    queued = await sources.add_text(bob, notebook.id, 'Queued', TEXT)
    sharing.change_role(ann, notebook.id, bob.id, 'viewer')
    await drain()
    failed = repos.sources.get(ann, queued.id)
    assert failed.status == 'failed' and 'can no longer change this notebook' in failed.error
    assert sources.retry(ann, queued.id).status == 'queued'
    await drain()
    assert repos.sources.get(ann, queued.id).status == 'ready', 'an editor retries it'


# -- each member's chat is private --------------------------------------------------------------------------------


async def test_each_members_chat_is_private(ann, bob, notebook) -> None:
    source = await ready_text(ann, notebook.id)
    sharing.invite(ann, notebook.id, 'bob@example.com', 'viewer')
    hers = await ask(ann, notebook, 'What do sea stars eat?', [source.id])
    his = await ask(bob, notebook, 'Why do anemones close?', [source.id])

    assert [m.content for m in reversed(repos.messages.page(ann, notebook.id))][0] == 'What do sea stars eat?'
    assert {m.user_id for m in repos.messages.page(ann, notebook.id)} == {ann.id}
    assert {m.user_id for m in repos.messages.page(bob, notebook.id)} == {bob.id}
    assert repos.messages.get(bob, hers.message.id) is None
    assert repos.messages.get(ann, his.message.id) is None
    assert notes.from_answer(ann, his.message.id) is None
    prompt_history = repos.messages.history(bob, notebook.id, before=his.message.created_at)
    assert [m.content for m in prompt_history] == ['Why do anemones close?'], 'Ann’s turns never reach his prompt'

    exported = (await export.export_chat(ann, notebook.id, 'md')).content.decode()
    assert 'What do sea stars eat?' in exported and 'Why do anemones close?' not in exported
    whole = (await export.export_notebook(bob, notebook.id, 'json')).content.decode()
    assert 'Why do anemones close?' in whole and 'What do sea stars eat?' not in whole

    assert repos.messages.clear(bob, notebook.id) == 2
    assert len(repos.messages.page(ann, notebook.id)) == 2, 'clearing one chat leaves the others'


# -- the checks can be listed -------------------------------------------------------------------------------------


def test_every_guarded_service_function_declares_its_capability() -> None:
    import aurenlm.exchange.export  # noqa: F401 - importing registers the guarded functions
    import aurenlm.studio.practice  # noqa: F401

    writes = {name: cap for name, cap in access.GUARDED.items() if cap not in (Capability.READ, Capability.CHAT)}
    assert writes['aurenlm.sources.service.delete'] == Capability.EDIT_SOURCES
    assert writes['aurenlm.sources.service.add_upload'] == Capability.EDIT_SOURCES
    assert writes['aurenlm.notes.service.update'] == Capability.WRITE_NOTES
    assert writes['aurenlm.studio.artifacts.start'] == Capability.GENERATE
    assert writes['aurenlm.sharing.service.transfer'] == Capability.SHARE
    assert writes['aurenlm.sharing.service.delete_notebook'] == Capability.MANAGE
    assert access.GUARDED['aurenlm.chat.service.ask'] == Capability.CHAT
    assert access.GUARDED['aurenlm.exchange.export.export_chat'] == Capability.READ
    assert sources.delete.capability == Capability.EDIT_SOURCES
