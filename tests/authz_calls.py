"""How each row of the authorization matrix (tests/authz_table.py) is exercised: the request an API or HTTP row sends
and the call a service row makes, with the things it acts on. The expected outcomes live in the table, not here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aurenlm import repos
from aurenlm.accounts import admin, archive, deletion, password_change, registration
from aurenlm.accounts.deletion import DeletionError
from aurenlm.chat import service as chat
from aurenlm.chat import versions as chat_versions
from aurenlm.exchange import export, importer
from aurenlm.notes import service as notes
from aurenlm.security import sessions, tokens, totp
from aurenlm.sharing import access, invitations
from aurenlm.sharing import service as sharing
from aurenlm.sharing.roles import Capability
from aurenlm.sharing.service import SharingError
from aurenlm.sources import service as sources
from aurenlm.sources.service import SourceError
from aurenlm.studio import artifacts
from tests.authz_table import HIDDEN, LISTED, OK, UNLISTED
from tests.authz_world import QUESTION, Cell, current_code
from tests.helpers import PASSWORD
from tests.sourcekit import stream

# -- API: path parameters and bodies -----------------------------------------------------------------------------------


async def path_value(cell: Cell, name: str, *, fresh: bool) -> str:
    """The thing a path parameter names: the team's own, or (fresh) one made for this cell alone."""
    world = cell.world
    if name == 'notebook_id':
        return cell.new_team().id if fresh else cell.team_id
    if name == 'source_id':
        return (await cell.new_source()).id if fresh else world.source.id
    if name == 'note_id':
        return cell.new_note().id if fresh else world.note.id
    if name == 'artifact_id':
        return world.quiz.id
    if name == 'job_id':  # the job that generated the quiz
        assert world.quiz.job_id
        return world.quiz.job_id
    if name == 'user_id':
        return cell.new_member().id
    if name == 'invitation_id':
        return cell.new_invitation().id
    raise KeyError(f'no target for the path parameter {name!r}: add one to tests/authz_calls.path_value')


@dataclass(frozen=True)
class ApiCall:
    body: Callable[[Cell], Any] | None = None  # the JSON body
    query: dict[str, str] | None = None
    fresh: tuple[str, ...] = ()  # path parameters that get a thing of their own (the call changes or removes it)


def _first_question(cell: Cell) -> str:
    return cell.world.quiz.data['questions'][0]['id']


API_CALLS: dict[str, ApiCall] = {
    'POST /notebooks': ApiCall(body=lambda c: {'title': 'My own notebook'}),
    'PATCH /notebooks/{notebook_id}': ApiCall(body=lambda c: {'title': c.world.team.title}),
    'DELETE /notebooks/{notebook_id}': ApiCall(fresh=('notebook_id',)),
    'POST /notebooks/{notebook_id}/members': ApiCall(body=lambda c: {'email': c.new_person().email, 'role': 'viewer'}),
    'PATCH /notebooks/{notebook_id}/members/{user_id}': ApiCall(body=lambda c: {'role': 'editor'}),
    'POST /notebooks/{notebook_id}/sources': ApiCall(
        body=lambda c: {'title': 'Memo', 'text': f'Memo number {next(c.world.serial)}.'}, fresh=('notebook_id',)
    ),
    'GET /sources/{source_id}/text': ApiCall(query={'page': '1'}),
    'DELETE /sources/{source_id}': ApiCall(fresh=('source_id',)),
    'POST /notebooks/{notebook_id}/chat': ApiCall(
        body=lambda c: {'message': QUESTION, 'source_ids': [c.world.source.id], 'stream': False}
    ),
    'POST /notebooks/{notebook_id}/artifacts': ApiCall(
        body=lambda c: {'kind': 'mindmap', 'source_ids': [c.world.source.id]}
    ),
    'POST /artifacts/{artifact_id}/attempts': ApiCall(body=lambda c: {'answers': {_first_question(c): 0}}),
    'POST /notebooks/{notebook_id}/notes': ApiCall(body=lambda c: {'title': 'Minutes', 'body': 'Decisions.'}),
    'PATCH /notes/{note_id}': ApiCall(body=lambda c: {'body': f'Agenda, take {next(c.world.serial)}.'}),
    'DELETE /notes/{note_id}': ApiCall(fresh=('note_id',)),
    'GET /notebooks/{notebook_id}/export': ApiCall(query={'format': 'md'}),
}


# -- other HTTP routes: the address each row opens -----------------------------------------------------------------

HTTP_PATHS: dict[str, Callable[[Cell], str]] = {
    'GET /health': lambda c: '/health',
    'GET /ready': lambda c: '/ready',
    'GET /api/docs': lambda c: '/api/docs',
    'GET /auth/complete': lambda c: '/auth/complete?ticket=not-a-ticket&next=/',
    'GET /auth/sign-out': lambda c: '/auth/sign-out',
    'GET /auth/oidc/start': lambda c: '/auth/oidc/start?next=/',
    'GET /auth/oidc/callback': lambda c: '/auth/oidc/callback?state=guessed&code=guessed',
    'GET /download/source/{source_id}': lambda c: f'/download/source/{c.world.source.id}',
    'GET /export/{scope}/{item_id} [notebook]': lambda c: f'/export/notebook/{c.team_id}?format=md',
    'GET /export/{scope}/{item_id} [note]': lambda c: f'/export/note/{c.world.note.id}?format=md',
    'GET /export/{scope}/{item_id} [chat]': lambda c: f'/export/chat/{c.team_id}?format=md',
    'GET /export/{scope}/{item_id} [artifact]': lambda c: f'/export/artifact/{c.world.report.id}?format=md',
    'GET /account/export': lambda c: '/account/export',
}


# -- pages: the address each row opens ----------------------------------------------------------------------------

PAGE_PATHS: dict[str, Callable[[Cell], str]] = {
    '/notebook/{notebook_id}': lambda c: f'/notebook/{c.team_id}',
    '/invite/{token}': lambda c: f'/invite/{c.new_invitation_link(c.world.people["stranger"].email)}',
}


# -- services: the call a forged event would make --------------------------------------------------------------------


def found(result: Any, cell: Cell) -> object:
    """What a service answers for something the caller cannot see is what it answers for a missing one: None,
    False, nothing. Every member has something of their own in the world, so an empty answer means not found."""
    return OK if result else HIDDEN


def done(result: Any, cell: Cell) -> object:
    """For actions on one's own account, or an admin's action: no refusal raised means it was done."""
    return OK


def value(result: Any, cell: Cell) -> object:
    return result


def listed(result: Any, cell: Cell) -> object:
    return LISTED if any(n.id == cell.team_id for n in result) else UNLISTED


@dataclass(frozen=True)
class ServiceCall:
    call: Callable[[Cell], Any]  # with cell.user; may answer a coroutine or an async iterator
    judge: Callable[[Any, Cell], object] = found
    as_clone: bool = False  # it changes the caller's own account: a clone of them acts
    hidden: tuple[type[Exception], str] | None = None  # an error that says "not found" (a stream's refusal)
    refused: type[Exception] | None = None  # an error that refuses with a reason to show


def _user(cell: Cell) -> Any:
    assert cell.user is not None
    return cell.user


def _first_version(cell: Cell) -> str:
    return notes.versions(cell.world.owner, cell.world.note.id)[-1].id


def _chunk_id(cell: Cell) -> int:
    return repos.sources.chunks_of(cell.world.source.id)[0].id


async def _delete_a_source(cell: Cell) -> bool:
    return sources.delete(_user(cell), (await cell.new_source()).id)


async def _upload(cell: Cell):
    data = f'A short memo, number {next(cell.world.serial)}.'.encode()
    return await sources.add_upload(_user(cell), cell.new_team().id, 'memo.txt', stream(data))


async def _set_and_read_selection(cell: Cell) -> set[str]:
    user = _user(cell)
    repos.notebooks.set_deselected_sources(user, cell.team_id, {cell.world.glossary.id})
    return repos.notebooks.deselected_sources(user, cell.team_id)


def _confirm(cell: Cell) -> list[str]:
    user = _user(cell)
    enrolment = totp.start(user)
    return totp.confirm(user, enrolment, current_code(enrolment.secret))


def _require(capability: Capability) -> ServiceCall:
    return ServiceCall(lambda c: access.require(_user(c), c.team_id, capability))


NOT_AVAILABLE = (SourceError, 'not available')  # sources.service's answer for a notebook that is not the caller's

SERVICE_CALLS: dict[str, ServiceCall] = {
    # sharing
    'sharing.service.list_members': ServiceCall(lambda c: sharing.list_members(_user(c), c.team_id)),
    'sharing.service.list_invitations': ServiceCall(lambda c: sharing.list_invitations(_user(c), c.team_id)),
    'sharing.service.invite': ServiceCall(
        lambda c: sharing.invite(_user(c), c.team_id, c.new_person().email, 'viewer')
    ),
    'sharing.service.change_role': ServiceCall(
        lambda c: sharing.change_role(_user(c), c.team_id, c.new_member().id, 'editor')
    ),
    'sharing.service.remove_member': ServiceCall(
        lambda c: sharing.remove_member(_user(c), c.team_id, c.new_member().id)
    ),
    'sharing.service.cancel_invitation': ServiceCall(
        lambda c: sharing.cancel_invitation(_user(c), c.team_id, c.new_invitation().id)
    ),
    'sharing.service.transfer': ServiceCall(
        lambda c: sharing.transfer(_user(c), c.new_team().id, c.world.people['viewer'].id)
    ),
    'sharing.service.rename_notebook': ServiceCall(
        lambda c: sharing.rename_notebook(_user(c), c.team_id, c.world.team.title)
    ),
    'sharing.service.delete_notebook': ServiceCall(lambda c: sharing.delete_notebook(_user(c), c.new_team().id)),
    'sharing.service.leave': ServiceCall(lambda c: sharing.leave(_user(c), c.new_team().id), refused=SharingError),
    'sharing.invitations.link': ServiceCall(lambda c: invitations.link(_user(c), c.team_id, c.new_invitation().id)),
    "sharing.invitations.accept [an invitation to the caller's address]": ServiceCall(
        lambda c: invitations.accept(_user(c), c.new_invitation_link(_user(c).email)), judge=done
    ),
    'sharing.invitations.accept [an invitation to someone else]': ServiceCall(
        lambda c: invitations.accept(_user(c), c.new_invitation_link(c.new_person().email)),
        judge=done,
        refused=invitations.InvitationError,
    ),
    'sharing.access.role_of': ServiceCall(lambda c: access.role_of(_user(c), c.team_id), judge=value),
    'sharing.access.can [edit_sources]': ServiceCall(
        lambda c: access.can(_user(c), c.team_id, Capability.EDIT_SOURCES), judge=value
    ),
    'sharing.access.require [read]': _require(Capability.READ),
    'sharing.access.require [chat]': _require(Capability.CHAT),
    'sharing.access.require [edit_sources]': _require(Capability.EDIT_SOURCES),
    'sharing.access.require [write_notes]': _require(Capability.WRITE_NOTES),
    'sharing.access.require [generate]': _require(Capability.GENERATE),
    'sharing.access.require [share]': _require(Capability.SHARE),
    'sharing.access.require [manage]': _require(Capability.MANAGE),
    'sharing.access.notebook_of [source_id]': ServiceCall(
        lambda c: access.notebook_of(_user(c), 'source_id', c.world.source.id)
    ),
    # sources
    'sources.service.for_download': ServiceCall(lambda c: sources.for_download(_user(c), c.world.source.id)),
    'sources.service.add_upload': ServiceCall(_upload, hidden=NOT_AVAILABLE),
    'sources.service.add_url': ServiceCall(
        lambda c: sources.add_url(_user(c), c.new_team().id, f'{c.world.url_base}/page/{next(c.world.serial)}'),
        hidden=NOT_AVAILABLE,
    ),
    'sources.service.add_text': ServiceCall(
        lambda c: sources.add_text(_user(c), c.new_team().id, 'Memo', f'Memo number {next(c.world.serial)}.'),
        hidden=NOT_AVAILABLE,
    ),
    'sources.service.retry': ServiceCall(lambda c: sources.retry(_user(c), c.world.source.id)),
    'sources.service.rename': ServiceCall(lambda c: sources.rename(_user(c), c.world.source.id, c.world.source.title)),
    'sources.service.delete': ServiceCall(_delete_a_source),
    'sources.service.delete_notebook': ServiceCall(lambda c: sources.delete_notebook(_user(c), c.new_team().id)),
    # notes
    'notes.service.get': ServiceCall(lambda c: notes.get(_user(c), c.world.note.id)),
    'notes.service.list_notes': ServiceCall(lambda c: notes.list_notes(_user(c), c.team_id)),
    'notes.service.versions': ServiceCall(lambda c: notes.versions(_user(c), c.world.note.id)),
    'notes.service.version': ServiceCall(lambda c: notes.version(_user(c), c.world.note.id, _first_version(c))),
    'notes.service.create': ServiceCall(lambda c: notes.create(_user(c), c.team_id, 'Minutes', 'Decisions.')),
    'notes.service.update': ServiceCall(
        lambda c: notes.update(_user(c), c.world.note.id, body=f'Agenda, take {next(c.world.serial)}.')
    ),
    'notes.service.restore': ServiceCall(lambda c: notes.restore(_user(c), c.world.note.id, _first_version(c))),
    'notes.service.delete': ServiceCall(lambda c: notes.delete(_user(c), c.new_note().id)),
    'notes.service.undelete': ServiceCall(lambda c: notes.undelete(_user(c), c.new_deleted_note())),
    'notes.service.from_answer': ServiceCall(lambda c: notes.from_answer(_user(c), c.own_answer().id)),
    'notes.service.from_artifact': ServiceCall(lambda c: notes.from_artifact(_user(c), c.world.report.id)),
    'notes.service.use_as_source': ServiceCall(
        lambda c: notes.use_as_source(_user(c), c.new_note(f'Note number {next(c.world.serial)}.').id)
    ),
    # chat
    'chat.service.check_rate': ServiceCall(lambda c: chat.check_rate(_user(c)), judge=done),
    'chat.service.ask': ServiceCall(
        lambda c: chat.ask(_user(c), c.world.team, QUESTION, source_ids=[c.world.source.id]),
        hidden=(chat.ChatError, 'no longer have access'),
    ),
    'chat.service.regenerate': ServiceCall(
        lambda c: chat.regenerate(_user(c), c.world.team, c.new_answer().id, source_ids=[c.world.source.id]),
        hidden=(chat.ChatError, 'no longer available'),
    ),
    'chat.versions.versions': ServiceCall(lambda c: chat_versions.versions(_user(c), c.own_answer().id)),
    "chat.versions.versions [another member's answer]": ServiceCall(
        lambda c: chat_versions.versions(_user(c), c.world.answers['owner'].id)
    ),
    'chat.versions.edit_question': ServiceCall(
        lambda c: chat_versions.edit_question(_user(c), c.new_question().id, 'And what about patents?')
    ),
    # studio
    'studio.artifacts.get': ServiceCall(lambda c: artifacts.get(_user(c), c.world.quiz.id)),
    'studio.artifacts.list_for': ServiceCall(lambda c: artifacts.list_for(_user(c), c.team_id)),
    'studio.artifacts.lineages': ServiceCall(lambda c: artifacts.lineages(_user(c), c.team_id)),
    'studio.artifacts.versions': ServiceCall(lambda c: artifacts.versions(_user(c), c.world.quiz.id)),
    'studio.artifacts.start': ServiceCall(
        lambda c: artifacts.start(_user(c), c.team_id, 'timeline', [c.world.source.id])
    ),
    'studio.artifacts.regenerate': ServiceCall(lambda c: artifacts.regenerate(_user(c), c.world.mindmap.id)),
    'studio.artifacts.cancel': ServiceCall(lambda c: artifacts.cancel(_user(c), c.new_running_artifact().id)),
    'studio.artifacts.delete': ServiceCall(lambda c: artifacts.delete(_user(c), c.new_artifact().id)),
    'studio.artifacts.save_mindmap_edit': ServiceCall(
        lambda c: artifacts.save_mindmap_edit(_user(c), c.world.mindmap.id, c.world.mindmap.data)
    ),
    'studio.practice.submit_attempt': ServiceCall(
        lambda c: artifacts.submit_attempt(_user(c), c.world.quiz.id, {_first_question(c): 1})
    ),
    'studio.practice.attempts': ServiceCall(lambda c: artifacts.attempts(_user(c), c.world.quiz.id)),
    'studio.practice.mark_card': ServiceCall(
        lambda c: artifacts.mark_card(_user(c), c.world.flashcards.id, c.world.flashcards.data['cards'][0]['id'], True)
    ),
    'studio.practice.marks': ServiceCall(lambda c: artifacts.marks(_user(c), c.world.flashcards.id)),
    # export and import
    'exchange.export.notebook_bundle': ServiceCall(lambda c: export.notebook_bundle(_user(c), c.team_id)),
    'exchange.export.note_bundle': ServiceCall(lambda c: export.note_bundle(_user(c), c.world.note.id)),
    'exchange.export.chat_bundle': ServiceCall(lambda c: export.chat_bundle(_user(c), c.team_id)),
    'exchange.export.artifact_bundle': ServiceCall(lambda c: export.artifact_bundle(_user(c), c.world.report.id)),
    'exchange.export.export_notebook': ServiceCall(lambda c: export.export_notebook(_user(c), c.team_id, 'md')),
    'exchange.export.export_note': ServiceCall(lambda c: export.export_note(_user(c), c.world.note.id, 'md')),
    'exchange.export.export_chat': ServiceCall(lambda c: export.export_chat(_user(c), c.team_id, 'md')),
    'exchange.export.export_artifact': ServiceCall(lambda c: export.export_artifact(_user(c), c.world.report.id, 'md')),
    'exchange.importer.import_notebook': ServiceCall(
        lambda c: importer.import_notebook(_user(c), c.world.import_json), judge=done
    ),
    # the admin's actions: on a newcomer's account, or the instance (set to what it already is)
    'accounts.admin.require_admin': ServiceCall(lambda c: admin.require_admin(_user(c)), judge=done),
    'accounts.admin.is_admin': ServiceCall(lambda c: admin.is_admin(_user(c)), judge=value),
    'accounts.admin.check_can_remove': ServiceCall(
        lambda c: admin.check_can_remove(_user(c), c.new_person().id, 'disable'), judge=done
    ),
    'accounts.admin.shared_notebooks': ServiceCall(
        lambda c: admin.shared_notebooks(_user(c), c.world.owner.id), judge=done
    ),
    'accounts.admin.list_users': ServiceCall(lambda c: admin.list_users(_user(c)), judge=done),
    'accounts.admin.disable': ServiceCall(lambda c: admin.disable(_user(c), c.new_person().id), judge=done),
    'accounts.admin.enable': ServiceCall(lambda c: admin.enable(_user(c), c.new_person().id), judge=done),
    'accounts.admin.reset_two_factor': ServiceCall(
        lambda c: admin.reset_two_factor(_user(c), c.new_person().id), judge=done
    ),
    'accounts.admin.cut_off': ServiceCall(lambda c: admin.cut_off(_user(c), c.new_person().id), judge=done),
    'accounts.admin.set_quotas': ServiceCall(
        lambda c: admin.set_quotas(_user(c), c.new_person().id, max_sources=10, max_storage_bytes=None), judge=done
    ),
    'accounts.admin.set_admin': ServiceCall(lambda c: admin.set_admin(_user(c), c.new_person().id, False), judge=done),
    'accounts.admin.delete': ServiceCall(lambda c: _admin_delete(c), judge=done),
    'accounts.admin.set_registration_policy': ServiceCall(
        lambda c: admin.set_registration_policy(_user(c), registration.policy()), judge=done
    ),
    'accounts.admin.set_require_2fa': ServiceCall(lambda c: admin.set_require_2fa(_user(c), False), judge=done),
    'accounts.admin.audit_entries': ServiceCall(lambda c: admin.audit_entries(_user(c)), judge=done),
    'accounts.admin.audit_actions': ServiceCall(lambda c: admin.audit_actions(_user(c)), judge=done),
    # one's own account
    'accounts.archive.account_archive': ServiceCall(lambda c: archive.account_archive(_user(c)), judge=done),
    'accounts.deletion.shared_notebooks_owned': ServiceCall(
        lambda c: deletion.shared_notebooks_owned(_user(c)), judge=done
    ),
    'accounts.deletion.delete_user [own account]': ServiceCall(
        lambda c: deletion.delete_user(_user(c), _user(c)), judge=done, as_clone=True
    ),
    'accounts.deletion.proof_asked': ServiceCall(lambda c: deletion.proof_asked(_user(c)), judge=done),
    'accounts.deletion.delete_own_account': ServiceCall(
        lambda c: deletion.delete_own_account(_user(c), email=_user(c).email, answer=PASSWORD),
        judge=done,
        as_clone=True,
    ),
    "accounts.deletion.delete_user [a teammate's account]": ServiceCall(
        lambda c: deletion.delete_user(_user(c), c.new_member()), judge=done, refused=DeletionError
    ),
    'accounts.password_change.change_password': ServiceCall(
        lambda c: password_change.change_password(_user(c), PASSWORD, 'a-brand-new-passphrase', keep_token=None),
        judge=done,
        as_clone=True,
    ),
    'security.sessions.active': ServiceCall(lambda c: sessions.active(_user(c)), judge=done),
    'security.sessions.issue_ticket': ServiceCall(lambda c: sessions.issue_ticket(_user(c), 'the browser'), judge=done),
    'security.sessions.revoke_all': ServiceCall(lambda c: sessions.revoke_all(_user(c)), judge=done),
    'security.sessions.revoke_others': ServiceCall(
        lambda c: sessions.revoke_others(_user(c), keep_token=None), judge=done
    ),
    "security.sessions.revoke_session [the owner's session]": ServiceCall(
        lambda c: sessions.revoke_session(_user(c), c.owner_session_id())
    ),
    'security.tokens.issue': ServiceCall(lambda c: tokens.issue(_user(c), 'a script'), judge=done),
    "security.tokens.revoke [the owner's token]": ServiceCall(lambda c: tokens.revoke(_user(c), c.owner_token_id())),
    'security.totp.start': ServiceCall(lambda c: totp.start(_user(c)), judge=done, as_clone=True),
    'security.totp.confirm': ServiceCall(_confirm, judge=done, as_clone=True),
    'security.totp.disable': ServiceCall(
        lambda c: totp.disable(c.enrolled_clone()[0], PASSWORD), judge=done, as_clone=True
    ),
    'security.totp.regenerate_recovery_codes': ServiceCall(
        lambda c: totp.regenerate_recovery_codes(*_enrolled_with_code(c)), judge=done, as_clone=True
    ),
    'security.totp.must_enrol': ServiceCall(lambda c: totp.must_enrol(_user(c)), judge=done),
    'repos.audit.for_user': ServiceCall(lambda c: repos.audit.for_user(_user(c)), judge=done),
    'repos.tokens.list_for': ServiceCall(lambda c: repos.tokens.list_for(_user(c)), judge=done),
    'repos.users.set_dark_mode': ServiceCall(lambda c: repos.users.set_dark_mode(_user(c), None), judge=done),
    # repositories the components read and write directly
    'repos.notebooks.create': ServiceCall(lambda c: repos.notebooks.create(_user(c), 'My own notebook'), judge=done),
    'repos.notebooks.list_for': ServiceCall(lambda c: repos.notebooks.list_for(_user(c)), judge=listed),
    'repos.notebooks.get': ServiceCall(lambda c: repos.notebooks.get(_user(c), c.team_id)),
    'repos.notebooks.deselected_sources': ServiceCall(
        lambda c: repos.notebooks.deselected_sources(_user(c), c.team_id)
    ),
    'repos.notebooks.set_deselected_sources': ServiceCall(_set_and_read_selection),
    'repos.sources.list_for': ServiceCall(lambda c: repos.sources.list_for(_user(c), c.team_id)),
    'repos.sources.get': ServiceCall(lambda c: repos.sources.get(_user(c), c.world.source.id)),
    'repos.sources.page': ServiceCall(lambda c: repos.sources.page(_user(c), c.world.source.id, 1)),
    'repos.sources.chunk': ServiceCall(lambda c: repos.sources.chunk(_user(c), _chunk_id(c))),
    'repos.messages.page': ServiceCall(lambda c: repos.messages.page(_user(c), c.team_id)),
    'repos.messages.get': ServiceCall(lambda c: repos.messages.get(_user(c), c.own_answer().id)),
    "repos.messages.get [another member's answer]": ServiceCall(
        lambda c: repos.messages.get(_user(c), c.world.answers['owner'].id)
    ),
    'repos.messages.clear': ServiceCall(lambda c: repos.messages.clear(_user(c), c.new_team().id)),
}


def _admin_delete(cell: Cell) -> Any:
    doomed = cell.new_person()
    return admin.delete(_user(cell), doomed.id, typed=doomed.email)


def _enrolled_with_code(cell: Cell) -> tuple[Any, str]:
    user, codes = cell.enrolled_clone()
    return user, codes[0]
