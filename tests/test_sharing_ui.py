"""Sharing as people do it in the browser (NiceGUI's simulated User): the Share dialog, what each role sees, the home
page's shared notebooks, leaving, transferring, and a page that loses access while it is open."""

from __future__ import annotations

import pytest
from nicegui.testing import User as TestUser
from sqlmodel import select

from aurenlm import db, repos
from aurenlm.models import AuditEvent, Notebook, Source, User
from aurenlm.sharing import service as sharing
from aurenlm.sources import service as sources
from components import access_watch
from tests.helpers import confirm, person, sign_in
from tests.sourcekit import drain


@pytest.fixture
def bob() -> User:
    return person('bob@example.com')


async def ann_opens_share_dialog_with_bob(user: TestUser, ann: User, notebook: Notebook) -> None:
    """Bob is a viewer of Ann's notebook; Ann signs in and opens its Share dialog, where he is listed."""
    sharing.invite(ann, notebook.id, 'bob@example.com', 'viewer')
    await sign_in(user)
    await user.open(f'/notebook/{notebook.id}')
    user.find(marker='share-button').click()
    await user.should_see('bob@example.com')


@pytest.fixture
async def pools(ann: User, notebook: Notebook) -> Source:
    """A ready pasted-text source in Ann's notebook."""
    source = await sources.add_text(ann, notebook.id, 'Tide pools', 'Anemones close at low tide to keep water.')
    await drain()
    return source


async def test_the_owner_shares_from_the_dialog_and_sees_members_and_invitations(
    user: TestUser, ann, bob, notebook
) -> None:
    await sign_in(user)
    await user.open(f'/notebook/{notebook.id}')
    user.find(marker='share-button').click()
    await user.should_see('Share “Manuals”')
    await user.should_see('ann@example.com')

    user.find(marker='share-email').type('bob@example.com')
    user.find(marker='share-role').elements.pop().value = 'editor'
    user.find(marker='share-send').click()
    await user.should_see('Shared with bob@example.com as editor.')
    assert repos.members.role_of(bob.id, notebook.id) == 'editor'

    user.find(marker='share-email').type('dana@example.com')
    user.find(marker='share-send').click()
    await user.should_see('dana@example.com has no account yet. Use “Copy invite link” below')  # no mail here
    await user.should_see('only their invite link lets them in')
    user.find(marker='copy-invite-link').click()
    await user.should_see('Invite link for dana@example.com copied. It works once, for that address only.')

    user.find(marker='share-email').type('bob@example.com')
    user.find(marker='share-send').click()
    await user.should_see('bob@example.com is already a member, as editor.')
    user.find(marker='share-email').clear().type('no address')
    user.find(marker='share-send').click()
    await user.should_see('Enter a valid email address')

    user.find(marker='cancel-invitation').click()
    await user.should_see('Invitation to dana@example.com cancelled')
    assert sharing.list_invitations(ann, notebook.id) == []


async def test_the_owner_changes_a_role_and_removes_a_member_in_the_dialog(user: TestUser, ann, bob, notebook) -> None:
    await ann_opens_share_dialog_with_bob(user, ann, notebook)
    user.find(marker='member-role-select').elements.pop().value = 'editor'
    await user.should_see('bob@example.com is now editor')
    assert repos.members.role_of(bob.id, notebook.id) == 'editor'

    user.find(marker='remove-member').click()
    await confirm(user, 'Remove bob@example.com?')
    await user.should_not_see(marker='remove-member')
    assert len(user.find(marker='member-row').elements) == 1
    assert repos.members.role_of(bob.id, notebook.id) is None


async def test_a_viewer_sees_what_a_viewer_may_do(user: TestUser, ann, bob, notebook, pools) -> None:
    sharing.invite(ann, notebook.id, 'bob@example.com', 'viewer')
    await sign_in(user, 'bob@example.com')
    await user.should_see('Shared by ann')
    await user.should_see(marker='notebook-role')
    assert user.find(marker='notebook-role').elements.pop().text == 'Viewer'
    await user.should_not_see(marker='rename-notebook')
    await user.should_see(marker='leave-notebook')

    await user.open(f'/notebook/{notebook.id}')
    await user.should_see('Tide pools')
    for marker in ('add-sources', 'rename-source', 'delete-source', 'studio-mindmap', 'new-note', 'share-button'):
        await user.should_not_see(marker=marker)
    await user.should_see(marker='download-source')
    await user.should_see(marker='members-button')
    await user.should_see('Only you see this chat')
    await user.should_see('As a viewer you open what editors make here.')
    assert 'readonly' in user.find(marker='notebook-title').elements.pop().props


async def test_an_editor_adds_sources_but_does_not_share_or_rename(user: TestUser, ann, bob, notebook, pools) -> None:
    sharing.invite(ann, notebook.id, 'bob@example.com', 'editor')
    await sign_in(user, 'bob@example.com')
    await user.open(f'/notebook/{notebook.id}')
    for marker in ('add-sources', 'rename-source', 'delete-source', 'studio-mindmap', 'new-note'):
        await user.should_see(marker=marker)
    await user.should_not_see(marker='share-button')
    assert 'readonly' in user.find(marker='notebook-title').elements.pop().props


async def test_a_write_from_a_page_whose_role_was_lowered_is_refused_with_the_reason(
    user: TestUser, ann, bob, notebook, pools
) -> None:
    sharing.invite(ann, notebook.id, 'bob@example.com', 'editor')
    await sign_in(user, 'bob@example.com')
    await user.open(f'/notebook/{notebook.id}')
    await user.should_see(marker='delete-source')
    repos.members.set_role(notebook.id, bob.id, 'viewer')  # behind the page's back: no live event reaches it
    user.find(marker='delete-source').click()
    await confirm(user, 'Delete source?')
    await user.should_see(
        'You can view this notebook and chat with its sources, but not add, rename or remove sources.'
    )
    assert repos.sources.get(ann, pools.id) is not None
    with db.session() as s:
        refused = s.exec(select(AuditEvent).where(AuditEvent.action == 'access_refused')).one()
    assert refused.user_id == bob.id and refused.detail['capability'] == 'edit_sources'


async def test_a_removed_member_sees_no_access_at_once_and_no_traceback(user: TestUser, ann, bob, notebook) -> None:
    sharing.invite(ann, notebook.id, 'bob@example.com', 'viewer')
    await sign_in(user, 'bob@example.com')
    await user.open(f'/notebook/{notebook.id}')
    await user.should_see(marker='members-button')
    sharing.remove_member(ann, notebook.id, bob.id)
    await user.should_see('You no longer have access')
    await user.should_not_see(marker='members-button')
    await user.should_not_see('Sources')
    await user.should_see('Back to your notebooks')


async def test_a_member_removed_by_another_process_is_stopped_on_the_next_action(
    user: TestUser, ann, bob, notebook
) -> None:
    sharing.invite(ann, notebook.id, 'bob@example.com', 'viewer')
    await sign_in(user, 'bob@example.com')
    await user.open(f'/notebook/{notebook.id}')
    await user.should_see(marker='members-button')
    assert access_watch.allows_event(user.client)
    repos.members.remove(notebook.id, bob.id)  # as another process would: no live event here
    assert not access_watch.allows_event(user.client), 'the next socket event is dropped'
    await user.should_see('You no longer have access')
    assert access_watch.allows_event(user.client), 'what is left of the page (the way home) still works'


async def test_a_promoted_member_is_told_and_the_page_reloads(user: TestUser, ann, bob, notebook) -> None:
    sharing.invite(ann, notebook.id, 'bob@example.com', 'viewer')
    await sign_in(user, 'bob@example.com')
    await user.open(f'/notebook/{notebook.id}')
    await user.should_not_see(marker='add-sources')
    sharing.change_role(ann, notebook.id, bob.id, 'editor')
    await user.should_see('You are now editor of this notebook. The page reloads to match.')


async def test_a_member_leaves_from_the_people_dialog(user: TestUser, ann, bob, notebook) -> None:
    sharing.invite(ann, notebook.id, 'bob@example.com', 'viewer')
    await sign_in(user, 'bob@example.com')
    await user.open(f'/notebook/{notebook.id}')
    user.find(marker='members-button').click()
    await user.should_see('People in “Manuals”')
    await user.should_see('bob (you)')
    user.find(marker='leave-notebook').click()
    await confirm(user, 'Leave this notebook?')
    await user.should_see('Your notebooks')
    assert repos.notebooks.list_for(bob) == []


async def test_a_member_leaves_from_the_home_page(user: TestUser, ann, bob, notebook) -> None:
    sharing.invite(ann, notebook.id, 'bob@example.com', 'editor')
    await sign_in(user, 'bob@example.com')
    await user.should_see('Manuals')
    user.find(marker='leave-notebook').click()
    await confirm(user, 'Leave notebook?')
    await user.should_see('You left the notebook')
    await user.should_see('No notebooks yet')


async def test_the_owner_transfers_ownership_and_becomes_an_editor(user: TestUser, ann, bob, notebook) -> None:
    await ann_opens_share_dialog_with_bob(user, ann, notebook)
    user.find(marker='make-owner').click()
    await confirm(user, 'Make bob@example.com the owner?')
    await user.should_see('bob@example.com now owns this notebook')
    assert repos.members.role_of(bob.id, notebook.id) == 'owner'
    assert repos.members.role_of(ann.id, notebook.id) == 'editor'


async def test_a_viewer_compares_note_versions_but_cannot_restore_one(user: TestUser, ann, bob, notebook) -> None:
    from aurenlm.notes import service as notes

    note = notes.create(ann, notebook.id, 'Low tide', 'First draft.')
    notes.update(ann, note.id, body='Second draft.')
    sharing.invite(ann, notebook.id, 'bob@example.com', 'viewer')
    await sign_in(user, 'bob@example.com')
    await user.open(f'/notebook/{notebook.id}')
    user.find('Notes').click()
    user.find(marker='note-card').click()
    await user.should_see('Read only')
    user.find(marker='note-history').click()
    await user.should_see(marker='version-time')
    await user.should_not_see(marker='restore-version')
