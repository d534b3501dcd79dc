"""The members API: the owner shares by email, changes roles and removes members; members read the list and get 403
on the writes, strangers get 404; every write route refuses a role that does not allow it, and says so in the audit."""

from __future__ import annotations

import pytest
from sqlmodel import select

from aurenlm import db, repos
from aurenlm.accounts import registration
from aurenlm.models import AuditEvent, User
from aurenlm.sharing import service as sharing
from aurenlm.sharing.roles import Capability
from aurenlm.web.api.app import ROUTERS
from aurenlm.web.api.deps import Access
from tests.apikit import api, error_of, token_for
from tests.helpers import PASSWORD, person


@pytest.fixture
def bob() -> User:
    return person('bob@example.com')


def refusals() -> list[AuditEvent]:
    with db.session() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == 'access_refused')))


async def test_the_owner_shares_changes_a_role_and_removes_a_member(ann, bob, notebook) -> None:
    async with api(token_for(ann)) as client:
        added = await client.post(
            f'/notebooks/{notebook.id}/members', json={'email': 'Bob@example.com', 'role': 'viewer'}
        )
        assert added.status_code == 201, added.text
        assert added.json() == {'user_id': bob.id, 'email': 'bob@example.com', 'name': 'bob', 'role': 'viewer'}

        listed = (await client.get(f'/notebooks/{notebook.id}/members')).json()
        assert listed['next_cursor'] is None
        assert [(m['email'], m['role']) for m in listed['items']] == [
            ('ann@example.com', 'owner'),
            ('bob@example.com', 'viewer'),
        ]

        promoted = await client.patch(f'/notebooks/{notebook.id}/members/{bob.id}', json={'role': 'editor'})
        assert promoted.status_code == 200 and promoted.json()['role'] == 'editor'
        assert repos.members.role_of(bob.id, notebook.id) == 'editor'

        removed = await client.delete(f'/notebooks/{notebook.id}/members/{bob.id}')
        assert removed.status_code == 204
        assert repos.notebooks.get(bob, notebook.id) is None
        again = await client.delete(f'/notebooks/{notebook.id}/members/{bob.id}')
        assert again.status_code == 404 and error_of(again)['code'] == 'not_found'


async def test_an_address_without_an_account_is_invited_with_202(ann, notebook) -> None:
    async with api(token_for(ann)) as client:
        invited = await client.post(
            f'/notebooks/{notebook.id}/members', json={'email': 'dana@example.com', 'role': 'editor'}
        )
        assert invited.status_code == 202
        invitation_id, link = invited.json()['invitation_id'], invited.json()['invite_url']
        assert invited.json()['mailed'] == 'off', 'this server sends no mail: the owner hands the link over'
        pending = (await client.get(f'/notebooks/{notebook.id}/invitations')).json()['items']
        assert [(i['id'], i['email'], i['role']) for i in pending] == [(invitation_id, 'dana@example.com', 'editor')]

    token = link.rpartition('/invite/')[2]
    dana = registration.register('dana@example.com', PASSWORD, invitation_token=token)
    async with api(token_for(dana)) as client:
        mine = (await client.get('/notebooks')).json()['items']
        assert [(n['id'], n['role']) for n in mine] == [(notebook.id, 'editor')]


async def test_an_invitation_can_be_cancelled(ann, notebook) -> None:
    async with api(token_for(ann)) as client:
        invited = await client.post(
            f'/notebooks/{notebook.id}/members', json={'email': 'dana@example.com', 'role': 'viewer'}
        )
        invitation_id = invited.json()['invitation_id']
        assert (await client.delete(f'/notebooks/{notebook.id}/invitations/{invitation_id}')).status_code == 204
        assert (await client.delete(f'/notebooks/{notebook.id}/invitations/{invitation_id}')).status_code == 404
        assert (await client.get(f'/notebooks/{notebook.id}/invitations')).json()['items'] == []


@pytest.mark.parametrize(
    ('body', 'status', 'code'),
    [
        ({'email': 'not-an-email', 'role': 'viewer'}, 422, 'invalid'),
        ({'email': 'ann@example.com', 'role': 'viewer'}, 422, 'invalid'),
        ({'email': 'bob@example.com', 'role': 'owner'}, 422, 'invalid'),
        ({'email': 'bob@example.com'}, 422, 'invalid'),
    ],
)
async def test_bad_invitations_are_refused_with_a_message(ann, bob, notebook, body, status, code) -> None:
    async with api(token_for(ann)) as client:
        response = await client.post(f'/notebooks/{notebook.id}/members', json=body)
    assert response.status_code == status and error_of(response)['code'] == code


async def test_inviting_a_present_member_is_a_409(ann, bob, notebook) -> None:
    sharing.invite(ann, notebook.id, 'bob@example.com', 'viewer')
    async with api(token_for(ann)) as client:
        response = await client.post(
            f'/notebooks/{notebook.id}/members', json={'email': 'bob@example.com', 'role': 'editor'}
        )
    assert response.status_code == 409
    error = error_of(response)
    assert error['code'] == 'already_member' and 'already a member' in error['message']


async def test_the_owner_role_is_changed_only_by_a_transfer(ann, bob, notebook) -> None:
    async with api(token_for(ann)) as client:
        own = await client.patch(f'/notebooks/{notebook.id}/members/{ann.id}', json={'role': 'viewer'})
        assert own.status_code == 422 and 'Transfer ownership' in error_of(own)['message']
        leaving = await client.delete(f'/notebooks/{notebook.id}/members/{ann.id}')
        assert leaving.status_code == 422
        stranger = await client.patch(f'/notebooks/{notebook.id}/members/{bob.id}', json={'role': 'viewer'})
        assert stranger.status_code == 404, 'Bob is not a member'


async def test_members_read_the_list_but_get_403_on_every_write_and_strangers_get_404(ann, bob, notebook) -> None:
    cara = person('cara@example.com')
    sharing.invite(ann, notebook.id, 'bob@example.com', 'editor')
    writes = [
        ('POST', f'/notebooks/{notebook.id}/members', {'email': 'cara@example.com', 'role': 'viewer'}),
        ('PATCH', f'/notebooks/{notebook.id}/members/{ann.id}', {'role': 'viewer'}),
        ('DELETE', f'/notebooks/{notebook.id}/members/{ann.id}', None),
        ('PATCH', f'/notebooks/{notebook.id}', {'title': 'Taken'}),
        ('DELETE', f'/notebooks/{notebook.id}', None),
    ]
    async with api(token_for(bob)) as client:
        assert (await client.get(f'/notebooks/{notebook.id}/members')).status_code == 200
        assert (await client.get(f'/notebooks/{notebook.id}/invitations')).status_code == 403
        for method, path, body in writes:
            response = await client.request(method, path, json=body)
            assert response.status_code == 403, (method, path, response.text)
            error = error_of(response)
            assert error['code'] == 'forbidden' and 'only its owner' in error['message']
    assert len(refusals()) == len(writes) + 1
    assert {e.detail['role'] for e in refusals()} == {'editor'}

    async with api(token_for(cara)) as client:
        assert (await client.get(f'/notebooks/{notebook.id}/members')).status_code == 404
        for method, path, body in writes:
            response = await client.request(method, path, json=body)
            assert response.status_code == 404, (method, path)
            assert error_of(response)['code'] == 'not_found'
    assert repos.notebooks.get(ann, notebook.id).title == 'Manuals'
    assert repos.members.count(notebook.id) == 2


async def test_a_viewer_calling_write_routes_is_refused_and_audited(ann, bob, notebook) -> None:
    note = repos.notes.insert(*_note(ann, notebook.id))
    sharing.invite(ann, notebook.id, 'bob@example.com', 'viewer')
    writes = [
        ('POST', f'/notebooks/{notebook.id}/sources', {'title': 'Mine', 'text': 'Words of my own.'}),
        ('POST', f'/notebooks/{notebook.id}/notes', {'title': 'Mine'}),
        ('PATCH', f'/notes/{note.id}', {'body': 'changed'}),
        ('DELETE', f'/notes/{note.id}', None),
        ('POST', f'/notebooks/{notebook.id}/artifacts', {'kind': 'mindmap'}),
    ]
    async with api(token_for(bob)) as client:
        notebook_seen = (await client.get(f'/notebooks/{notebook.id}')).json()
        assert notebook_seen['role'] == 'viewer'
        assert (await client.get(f'/notes/{note.id}')).status_code == 200
        for method, path, body in writes:
            response = await client.request(method, path, json=body)
            assert response.status_code == 403, (method, path, response.text)
            assert 'view this notebook' in error_of(response)['message']
    audited = refusals()
    assert len(audited) == len(writes)
    assert all(e.user_id == bob.id and e.detail['notebook_id'] == notebook.id for e in audited)
    assert repos.notes.get(ann, note.id).body == 'Low tide.'


async def test_message_lists_are_private_to_each_member(ann, bob, notebook) -> None:
    sharing.invite(ann, notebook.id, 'bob@example.com', 'viewer')
    repos.messages.add(notebook.id, role='user', content='Ann asks', user_id=ann.id)
    repos.messages.add(notebook.id, role='user', content='Bob asks', user_id=bob.id)
    async with api(token_for(bob)) as client:
        items = (await client.get(f'/notebooks/{notebook.id}/messages')).json()['items']
    assert [m['content'] for m in items] == ['Bob asks']


def _note(user: User, notebook_id: str):
    from aurenlm.models import Note, NoteVersion

    note = Note(notebook_id=notebook_id, user_id=user.id, title='Field', body='Low tide.')
    return note, NoteVersion(note_id=note.id, user_id=user.id, title='Field', body='Low tide.')


def test_every_route_that_acts_in_a_notebook_declares_the_capability_it_needs() -> None:
    declared: dict[tuple[str, str], Capability | None] = {}
    for route in (route for router in ROUTERS for route in router.routes):
        dependant = route.dependant
        found = [d.call for d in dependant.dependencies if isinstance(d.call, Access)]
        for method in route.methods:
            declared[(method, route.path)] = found[0].needs if found else None
    acting_in_a_notebook = {key: need for key, need in declared.items() if '{' in key[1]}
    undeclared = sorted(key for key, need in acting_in_a_notebook.items() if need is None)
    assert undeclared == []
    assert declared[('POST', '/notebooks/{notebook_id}/members')] == Capability.SHARE
    assert declared[('DELETE', '/sources/{source_id}')] == Capability.EDIT_SOURCES
    assert declared[('PATCH', '/notebooks/{notebook_id}')] == Capability.MANAGE
    assert declared[('GET', '/notebooks/{notebook_id}/messages')] == Capability.CHAT
    assert declared[('GET', '/notebooks')] is None, 'the list of your notebooks is not in one notebook'
    assert len(declared) >= 30
