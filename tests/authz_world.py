"""The world the authorization matrix (tests/test_authz_matrix.py) acts in, built once for the module.

A team notebook with one of everything in it (a ready source, a note with versions, a quiz, flashcards, a mind map,
a report, each member's private chat, a pending invitation), the people of the matrix's columns, their API tokens,
and a `Cell`: what one caller needs for one cell (a cookie, a token, and fresh things for a call that would change
or use up the shared ones: a copy of the team notebook, a new source, a new member, a clone of the caller, ...).
"""

from __future__ import annotations

import http.server
import importlib.util
import itertools
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pyotp
from starlette.requests import Request

from aurenlm import db, repos
from aurenlm.accounts import admin as admin_service
from aurenlm.chat import service as chat
from aurenlm.exchange import export
from aurenlm.models import Artifact, ChatMessage, Invitation, Note, Notebook, Source, User
from aurenlm.notes import service as notes
from aurenlm.notes.service import DeletedNote
from aurenlm.repos import invitations as invitation_links
from aurenlm.repos import members
from aurenlm.security import passwords, sessions, tokens, totp
from aurenlm.sharing import service as sharing
from aurenlm.sources import service as sources
from aurenlm.studio import artifacts
from aurenlm.web import auth
from tests.helpers import PASSWORD
from tests.sourcekit import drain, upload

CALLERS = ('anonymous', 'owner', 'editor', 'viewer', 'stranger', 'disabled', 'admin', 'read-only token')
PEOPLE = ('owner', 'editor', 'viewer', 'stranger', 'disabled', 'admin')
# the team notebook's members; the disabled person was an editor until an admin disabled their account
ROLES = {'owner': 'owner', 'editor': 'editor', 'viewer': 'viewer', 'disabled': 'editor'}
QUESTION = 'What does the licence say about copyleft?'
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class World:
    people: dict[str, User]
    tokens: dict[str, str]  # a read+write token per person, and the owner's read-only one under 'read-only token'
    dead_session: str  # the cookie the disabled person's browser still holds from before
    team: Notebook
    source: Source  # the GPL, ready
    glossary: Source  # a short text, ready, that every member has deselected
    note: Note  # the owner's, with two versions
    quiz: Artifact
    flashcards: Artifact
    mindmap: Artifact
    report: Artifact
    answers: dict[str, ChatMessage]  # each member's own finished answer in their private chat
    url_base: str  # a web page server on loopback, for adding sources by URL
    import_json: bytes  # a notebook export to import
    serial: Iterator[int]

    @property
    def owner(self) -> User:
        return self.people['owner']


# -- people ----------------------------------------------------------------------------------------------------------


_HASH: list[str] = []


def quick_person(label: str, serial: Iterator[int], **fields: Any) -> User:
    """An account with the tests' password, written directly: argon2 runs once for all of them, not once each."""
    if not _HASH:
        _HASH.append(passwords.hash_password(PASSWORD))
    n = next(serial)
    user = User(email=f'{label}-{n}@team.example', password_hash=_HASH[0], display_name=f'{label} {n}', **fields)
    with db.session() as s:
        s.add(user)
        s.commit()
    return user


def disable_now(user: User) -> None:
    """What an admin's Disable does to the account (aurenlm/accounts/admin.py), without an admin in the story."""
    repos.admin.disable(user.id)
    sessions.revoke_all(user)


# -- a web page to add by URL ---------------------------------------------------------------------------------------


class _Pages(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        body = f'Page {self.path}: field notes about tide pools, anemones and the licence of each photo.'.encode()
        self.send_response(200)
        self.send_header('Content-Type', 'text/plain; charset=utf-8')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:  # quiet
        pass


@contextmanager
def web_pages() -> Iterator[str]:
    """A web server on loopback whose every path is a different short page (so no two are duplicates)."""
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f'http://127.0.0.1:{server.server_address[1]}'
    finally:
        server.shutdown()
        server.server_close()


# -- the world ------------------------------------------------------------------------------------------------------


async def _answer(user: User, team: Notebook, source_ids: list[str]) -> ChatMessage:
    async for event in chat.ask(user, team, QUESTION, source_ids=source_ids):
        if isinstance(event, chat.Done):
            return event.message
    raise AssertionError('the offline provider did not answer')


async def _made(owner: User, team: Notebook, kind: str, source_ids: list[str]) -> Artifact:
    started = artifacts.start(owner, team.id, kind, source_ids)
    assert started is not None
    return started


async def build(url_base: str) -> World:
    serial = itertools.count(1)
    people = {
        name: repos.users.create(f'{name}@team.example', PASSWORD, is_admin=name == 'admin', display_name=name)
        for name in PEOPLE
    }
    owner = people['owner']
    team = repos.notebooks.create(owner, 'Team handbook')
    for name in ('editor', 'viewer', 'disabled'):
        sharing.invite(owner, team.id, people[name].email, ROLES[name])
    sharing.invite(owner, team.id, 'still-to-register@team.example', 'viewer')  # a pending invitation

    source = await upload(owner, team.id, 'gpl-3.txt')
    glossary = await sources.add_text(owner, team.id, 'Glossary', 'Copyleft: a licence that keeps copies free.')
    await drain()
    made = {kind: await _made(owner, team, kind, [source.id]) for kind in ('quiz', 'flashcards', 'mindmap')}
    made['study_guide'] = await _made(owner, team, 'study_guide', [source.id])
    await drain()
    done = {kind: artifacts.get(owner, a.id) for kind, a in made.items()}
    assert all(a is not None and a.status == 'done' for a in done.values()), done

    note = notes.create(owner, team.id, 'Meeting notes', 'Agenda: licences.')
    note = notes.update(owner, note.id, body='Agenda: licences and copyleft.')
    quiz, deck = done['quiz'], done['flashcards']
    answers = {}
    for name in ROLES:
        member = people[name]
        answers[name] = await _answer(member, team, [source.id])
        artifacts.submit_attempt(member, quiz.id, {quiz.data['questions'][0]['id']: 0})
        artifacts.mark_card(member, deck.id, deck.data['cards'][0]['id'], True)
        repos.notebooks.set_deselected_sources(member, team.id, {glossary.id})

    sample = repos.notebooks.create(owner, 'Sample to import')
    notes.create(owner, sample.id, 'Sample', 'A note that travels in an export.')
    exported = await export.export_notebook(owner, sample.id, 'json')
    assert exported is not None

    issued = {name: tokens.issue(people[name], 'matrix', can_write=True).token for name in PEOPLE}
    issued['read-only token'] = tokens.issue(owner, 'matrix read-only', can_write=False).token
    dead = sessions.create(people['disabled']).token
    admin_service.disable(people['admin'], people['disabled'].id)
    return World(
        people=people,
        tokens=issued,
        dead_session=dead,
        team=team,
        source=repos.sources.get(owner, source.id),
        glossary=glossary,
        note=note,
        quiz=quiz,
        flashcards=deck,
        mindmap=done['mindmap'],
        report=done['study_guide'],
        answers=answers,
        url_base=url_base,
        import_json=exported.content,
        serial=serial,
    )


# -- one cell -------------------------------------------------------------------------------------------------------


def events_refused(session_token: str | None) -> bool:
    """What main.py asks before every socket event of a page: was the session this page was built with lost since?
    (pages/guard.py; the page here is the one the caller had open, built while they were signed in)."""
    cookie = f'{auth.cookie_name()}={session_token or ""}'.encode()
    page = SimpleNamespace(auren_signed_in=True, request=Request({'type': 'http', 'headers': [(b'cookie', cookie)]}))
    return _guard().refuses_events(page)


def _guard() -> ModuleType:
    """pages/guard.py, without importing the `pages` package: that import registers every page, which only main.py
    may do inside NiceGUI's simulation (a page registered outside it is missing from every later simulated app)."""
    module = sys.modules.get('pages.guard')
    if module is None:
        spec = importlib.util.spec_from_file_location('pages.guard', ROOT / 'pages' / 'guard.py')
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules['pages.guard'] = module
        spec.loader.exec_module(module)
    return module


class Cell:
    """One caller in one cell: who acts, with what cookie or token, on which things."""

    def __init__(self, world: World, caller: str, *, as_clone: bool = False) -> None:
        self.world, self.caller = world, caller
        self.person = world.people.get('owner' if caller == 'read-only token' else caller)
        self.user = self.clone() if as_clone and self.person is not None else self.person

    # -- credentials

    def cookie(self) -> str | None:
        """The sign-in cookie this caller's browser holds: none, a dead one (disabled), or a fresh session."""
        if self.caller in ('anonymous', 'read-only token'):
            return None
        if self.caller == 'disabled':
            return self.world.dead_session
        assert self.user is not None
        return sessions.create(self.user, user_agent='authz matrix').token

    def token(self) -> str | None:
        return None if self.caller == 'anonymous' else self.world.tokens[self.caller]

    # -- the shared things, as this caller reaches them

    @property
    def team_id(self) -> str:
        return self.world.team.id

    def own_answer(self) -> ChatMessage:
        """This caller's own answer in the team's chat; a non-member tries the owner's (they have none of their own)."""
        return self.world.answers.get(self.caller) or self.world.answers['owner']

    # -- fresh things, for calls that change or use up what they act on

    def clone(self) -> User:
        """A new account standing where the caller stands (an admin or not, disabled or not), for calls that change
        the caller's own account (a password, two-factor, deleting it)."""
        assert self.person is not None
        twin = quick_person(self.caller, self.world.serial, is_admin=self.person.is_admin)
        if self.person.disabled_at is not None:
            disable_now(twin)
        return twin

    def new_person(self) -> User:
        return quick_person('newcomer', self.world.serial)

    def new_team(self) -> Notebook:
        """A copy of the team notebook's membership, each member with a question and answer in their own chat."""
        owner = self.world.owner
        team = repos.notebooks.create(owner, f'Team copy {next(self.world.serial)}')
        for name, role in ROLES.items():
            if role != 'owner':
                members.add(team.id, self.world.people[name].id, role)
            question = repos.messages.add(team.id, role='user', content=QUESTION, user_id=self.world.people[name].id)
            repos.messages.add(
                team.id,
                role='assistant',
                content='Copyleft keeps copies free [1].',
                user_id=self.world.people[name].id,
                reply_to_id=question.id,
                after=question.created_at,
            )
        return team

    def new_member(self) -> User:
        """A newcomer who just joined the team notebook as a viewer."""
        newcomer = self.new_person()
        members.add(self.team_id, newcomer.id, 'viewer')
        return newcomer

    def new_invitation(self, email: str | None = None, notebook_id: str | None = None) -> Invitation:
        """A pending invitation from the owner (to a new address, into the team notebook, unless told otherwise)."""
        email = email or f'invitee-{next(self.world.serial)}@team.example'
        return members.invite(notebook_id or self.team_id, email, 'viewer', self.world.owner.id)

    def new_invitation_link(self, email: str) -> str:
        """The secret of the link of a new invitation to `email`, into a copy of the team notebook."""
        return invitation_links.link_token(self.new_invitation(email, self.new_team().id).id)

    async def new_source(self) -> Source:
        n = next(self.world.serial)
        return await sources.add_text(self.world.owner, self.new_team().id, f'Memo {n}', f'Memo number {n}.')

    def new_note(self, body: str = 'A scratch note.') -> Note:
        note = notes.create(self.world.owner, self.new_team().id, 'Scratch', body)
        assert note is not None
        return note

    def new_deleted_note(self) -> DeletedNote:
        deleted = notes.delete(self.world.owner, self.new_note().id)
        assert deleted is not None
        return deleted

    def new_artifact(self) -> Artifact:
        """A finished report in a copy of the team notebook."""
        report = self.world.report
        artifact = Artifact(
            notebook_id=self.new_team().id,
            user_id=self.world.owner.id,
            kind=report.kind,
            title=report.title,
            status='done',
            data=report.data,
            options=report.options,
            source_ids=[],
        )
        with db.session() as s:
            s.add(artifact)
            s.commit()
        return artifact

    def new_running_artifact(self) -> Artifact:
        started = artifacts.start(self.world.owner, self.team_id, 'faq', [self.world.source.id])
        assert started is not None
        return started

    def new_answer(self) -> ChatMessage:
        """A finished question and answer in this caller's own chat (the owner's, for a non-member)."""
        asker = self.person if self.caller in ROLES else self.world.owner
        assert asker is not None
        question = repos.messages.add(self.team_id, role='user', content=QUESTION, user_id=asker.id)
        return repos.messages.add(
            self.team_id,
            role='assistant',
            content='Copyleft keeps copies free [1].',
            user_id=asker.id,
            reply_to_id=question.id,
            after=question.created_at,
        )

    def new_question(self) -> ChatMessage:
        answer = self.new_answer()
        question = repos.messages.get(self.person if self.caller in ROLES else self.world.owner, answer.reply_to_id)
        assert question is not None
        return question

    def owner_session_id(self) -> str:
        return sessions.create(self.world.owner, user_agent='the owner’s laptop').session.id

    def owner_token_id(self) -> str:
        return tokens.issue(self.world.owner, 'the owner’s script').row.id

    def enrolled_clone(self) -> tuple[User, list[str]]:
        """A clone of the caller with two-factor sign-in on, and its recovery codes."""
        assert self.user is not None
        enrolment = totp.start(self.user)
        codes = totp.confirm(self.user, enrolment, current_code(enrolment.secret))
        return self.user, codes


def current_code(secret: str) -> str:
    """The code an authenticator app shows now for this secret."""
    return pyotp.TOTP(secret).now()
