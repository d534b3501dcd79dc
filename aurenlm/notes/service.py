"""Notes as a service: write, version, restore, delete with undo, save answers and reports as notes, use as source.

Every save makes a version with the full text. Autosaves by the same person within a minute are coalesced into the
latest version; an explicit save always adds one (unless nothing changed), and restoring an old version adds a new
one, so history only grows. (The versions of chat messages are `aurenlm.chat.versions`.)
Every call takes the acting user first; somebody else's note answers None, exactly like a missing one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aurenlm import events, repos
from aurenlm.chat.citations import MARKER, markers_in
from aurenlm.models import Note, NoteVersion, Source, User, utcnow
from aurenlm.repos import artifacts as artifact_repo
from aurenlm.repos import notes as note_repo
from aurenlm.repos.notes import VersionInfo
from aurenlm.sharing import access
from aurenlm.sharing.roles import Capability
from aurenlm.sources import service as sources

MAX_TITLE = 300
MAX_BODY = 500_000  # characters; a note is something a person reads, not a source dump
COALESCE = timedelta(seconds=60)
UNTITLED = 'Untitled note'
KINDS = ('note', 'answer', 'report')


class NoteError(ValueError):
    """A refused change, in words the person can act on."""


class NoteForbidden(access.Forbidden, NoteError):
    """The member's role does not let them write notes (a viewer)."""


@dataclass
class DeletedNote:
    """What Undo needs to put a deleted note back exactly: the row and every version, with their ids."""

    note: Note
    versions: list[NoteVersion] = field(default_factory=list)


def display_title(note: Note) -> str:
    return note.title or UNTITLED


# -- reading ----------------------------------------------------------------------------------------------------


def get(user: User, note_id: str) -> Note | None:
    return note_repo.get(user, note_id)


def list_notes(
    user: User, notebook_id: str, *, limit: int = 30, before: tuple[datetime, str] | None = None
) -> list[Note]:
    """The notebook's notes, most recently changed first; pass the last one's (updated_at, id) for the next page."""
    return note_repo.page(user, notebook_id, limit=limit, before=before)


def versions(
    user: User, note_id: str, *, limit: int = 20, before: tuple[datetime, str] | None = None
) -> list[VersionInfo]:
    """Versions newest first, with time and author; pass the last one's (created_at, id) for the next page."""
    return note_repo.versions(user, note_id, limit=limit, before=before)


def version(user: User, note_id: str, version_id: str) -> NoteVersion | None:
    return note_repo.version(user, note_id, version_id)


# -- writing ----------------------------------------------------------------------------------------------------


def clean_title(title: str | None) -> str:
    title = ' '.join((title or '').split())
    if len(title) > MAX_TITLE:
        raise NoteError(f'Keep the title under {MAX_TITLE} characters.')
    return title


def clean_body(body: str | None) -> str:
    body = (body or '').replace('\r\n', '\n').replace('\x00', '')
    if len(body) > MAX_BODY:
        raise NoteError(
            f'This note is too long ({len(body):,} characters; the limit is {MAX_BODY:,}). Split it into two notes.'
        )
    return body


def _announce(note: Note, action: str, user: User) -> None:
    events.publish(
        events.notebook_topic(note.notebook_id),
        {'type': 'note', 'action': action, 'note_id': note.id, 'by': user.id},
    )


@access.guarded(Capability.WRITE_NOTES, via='notebook_id', refuse=NoteForbidden)
def create(
    user: User,
    notebook_id: str,
    title: str = '',
    body: str = '',
    *,
    kind: str = 'note',
    citations: list[dict[str, Any]] | None = None,
    now: datetime | None = None,
) -> Note | None:
    """A new note with its first version; None when the notebook is not the user's."""
    if kind not in KINDS:
        raise NoteError(f'Unknown note kind {kind!r}.')
    now = now or utcnow()
    note = Note(
        notebook_id=notebook_id,
        user_id=user.id,
        title=clean_title(title),
        body=clean_body(body),
        kind=kind,
        citations=list(citations or []),
        created_at=now,
        updated_at=now,
    )
    first = NoteVersion(
        note_id=note.id, user_id=user.id, title=note.title, body=note.body, created_at=now, updated_at=now
    )
    note_repo.insert(note, first)
    _announce(note, 'created', user)
    return note


@access.guarded(Capability.WRITE_NOTES, via='note_id', refuse=NoteForbidden)
def update(
    user: User,
    note_id: str,
    *,
    title: str | None = None,
    body: str | None = None,
    autosave: bool = False,
    now: datetime | None = None,
) -> Note | None:
    """Save the note's title and/or body and version it.

    `autosave=True` may fold the change into the latest version (same person, less than a minute old); an explicit
    save (Ctrl/Cmd+S, the API) always adds a version unless nothing changed. None for a note the user cannot see.
    """
    note = note_repo.get(user, note_id)
    if note is None:
        return None
    saved = note_repo.save(
        user,
        note_id,
        title=clean_title(title) if title is not None else note.title,
        body=clean_body(body) if body is not None else note.body,
        now=now or utcnow(),
        coalesce_within=COALESCE if autosave else None,
    )
    if saved is None:
        return None
    if saved.version is not None:
        _announce(saved.note, 'saved', user)
    return saved.note


@access.guarded(Capability.WRITE_NOTES, via='note_id', refuse=NoteForbidden)
def restore(user: User, note_id: str, version_id: str, *, now: datetime | None = None) -> Note | None:
    """Make an old version current again by adding it as a new version; nothing is overwritten."""
    note = note_repo.get(user, note_id)
    old = note_repo.version(user, note_id, version_id) if note is not None else None
    if note is None or old is None:
        return None
    saved = note_repo.save(user, note_id, title=old.title, body=old.body, now=now or utcnow(), coalesce_within=None)
    if saved is None:
        return None
    _announce(saved.note, 'restored', user)
    return saved.note


@access.guarded(Capability.WRITE_NOTES, via='note_id', refuse=NoteForbidden)
def delete(user: User, note_id: str) -> DeletedNote | None:
    """Delete a note and its versions; the answer holds everything `undelete` needs (the UI keeps it for Undo)."""
    note = note_repo.get(user, note_id)
    if note is None:
        return None
    snapshot = DeletedNote(note, note_repo.raw_versions(user, note_id))
    if not note_repo.delete(user, note_id):
        return None
    _announce(note, 'deleted', user)
    return snapshot


@access.declares(Capability.WRITE_NOTES)
def undelete(user: User, deleted: DeletedNote) -> Note | None:
    """Undo a delete: the same note, id and versions. None when the notebook is gone or the note already back."""
    note = deleted.note
    refused = NoteForbidden
    if access.require(user, note.notebook_id, Capability.WRITE_NOTES, refuse=refused, where='notes.undelete') is None:
        return None
    if not note_repo.reinsert(user, note, deleted.versions):
        return None
    restored = note_repo.get(user, note.id)
    if restored is not None:
        _announce(restored, 'created', user)
    return restored


# -- from chat answers and studio reports -----------------------------------------------------------------------


def citation_refs(rows) -> list[dict[str, Any]]:
    """Citations as a note keeps them: {marker, source_id, chunk_id, page, quote, source_title}."""
    return [
        {
            'marker': int(row['marker']),
            'source_id': row.get('source_id'),
            'chunk_id': row.get('chunk_id'),
            'page': int(row.get('page') or 1),
            'quote': str(row.get('quote') or ''),
            'source_title': str(row.get('source_title') or ''),
        }
        for row in rows
    ]


def _source_titles(user: User, source_ids) -> dict[str, str]:
    titles: dict[str, str] = {}
    for source_id in {sid for sid in source_ids if sid}:
        source = repos.sources.get(user, source_id)
        if source is not None:
            titles[source_id] = source.title
    return titles


def _first_line(text: str, limit: int = 80) -> str:
    line = ' '.join((text or '').strip().split('\n', 1)[0].split())
    line = re.sub(r'^#+\s*', '', line)
    return line if len(line) <= limit else line[: limit - 1].rstrip() + '…'


@access.declares(Capability.WRITE_NOTES)  # through create()
def from_answer(user: User, message_id: str) -> Note | None:
    """A note holding a chat answer's Markdown, its citations kept as references to the passages."""
    message = repos.messages.get(user, message_id)
    if message is None:
        return None
    if message.role != 'assistant':
        raise NoteError('Only answers can be saved as notes.')
    if message.status == 'streaming' or not message.content.strip():
        raise NoteError('Wait until the answer has finished, then save it.')
    question = repos.messages.get(user, message.reply_to_id) if message.reply_to_id else None
    rows = repos.messages.citations([message.id]).get(message.id, [])
    titles = _source_titles(user, [row.source_id for row in rows])
    refs = citation_refs(
        {
            'marker': row.marker,
            'source_id': row.source_id,
            'chunk_id': row.chunk_id,
            'page': row.page,
            'quote': row.quote,
            'source_title': titles.get(row.source_id or '', ''),
        }
        for row in rows
    )
    title = _first_line(question.content) if question is not None else _first_line(message.content)
    return create(user, message.notebook_id, title or 'Saved answer', message.content, kind='answer', citations=refs)


@access.declares(Capability.WRITE_NOTES)  # through create()
def from_artifact(user: User, artifact_id: str) -> Note | None:
    """A note from a finished studio artifact: a report keeps its citations; other kinds become Markdown."""
    from aurenlm.exchange import (
        document as export_doc,
    )  # imported here: export_doc reads the artifacts service, which is heavy

    artifact = artifact_repo.get(user, artifact_id)
    if artifact is None:
        return None
    if artifact.status != 'done' or artifact.data is None:
        raise NoteError('This is not ready yet. Wait until it has finished, then save it.')
    full = access.can(user, artifact.notebook_id, Capability.GENERATE)  # a quiz's answers: for who makes quizzes
    body, cites = export_doc.artifact_markdown(artifact, full=full)
    titles = _source_titles(user, [c.get('source_id') for c in cites])
    for cite in cites:
        cite['source_title'] = titles.get(cite.get('source_id') or '', '')
    return create(
        user,
        artifact.notebook_id,
        artifact.title or 'Saved report',
        body,
        kind='report',
        citations=citation_refs(cites),
    )


# -- use as source ------------------------------------------------------------------------------------------------


def source_text(note: Note) -> str:
    """The note's text as a source: its citation markers become "(title, p. N)" so they do not clash with the
    [n] numbers the chat gives passages."""
    refs = {int(c['marker']): c for c in note.citations if isinstance(c, dict) and 'marker' in c}
    if not refs:
        return note.body

    def replace(match: re.Match) -> str:
        numbers = markers_in(match.group(1))
        known = [refs[n] for n in numbers if n in refs]
        if not known:
            return match.group(0)
        return '(' + '; '.join(f'{c.get("source_title") or "source"}, p. {c.get("page", 1)}' for c in known) + ')'

    return MARKER.sub(replace, note.body)


@access.guarded(Capability.WRITE_NOTES, via='note_id', refuse=NoteForbidden)
async def use_as_source(user: User, note_id: str) -> Source | None:
    """Add the note to the notebook's sources (kind 'note'): indexed, citable and listed like any other source."""
    note = note_repo.get(user, note_id)
    if note is None:
        return None
    if note_repo.source_exists(note.source_id):
        existing = repos.sources.get(user, note.source_id)
        name = f' as “{existing.title}”' if existing else ''
        raise NoteError(f'This note is already a source{name}. Delete that source first to add the note again.')
    if not note.body.strip():
        raise NoteError('Write something in the note first, then use it as a source.')
    try:
        source = await sources.add_text(user, note.notebook_id, display_title(note), source_text(note), kind='note')
    except sources.SourceError as e:
        raise NoteError(str(e)) from None
    note_repo.set_fields(user, note.id, source_id=source.id)
    return source
