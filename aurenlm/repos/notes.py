"""Notes and their versions, always reached through the acting user's notebook membership."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete as sa_delete
from sqlmodel import Session, select

from aurenlm import db
from aurenlm.models import Note, NotebookMember, NoteVersion, Source, User
from aurenlm.repos import scope


@dataclass
class VersionInfo:
    """A version as History lists it: the text, when, and who saved it."""

    id: str
    note_id: str
    title: str
    body: str
    created_at: datetime
    updated_at: datetime
    author_id: str | None
    author: str


@dataclass
class Saved:
    note: Note
    version: NoteVersion | None  # None when nothing changed
    coalesced: bool = False


def get(user: User, note_id: str) -> Note | None:
    return scope.find(user, Note, note_id)


def page(user: User, notebook_id: str, *, limit: int = 30, before: tuple[datetime, str] | None = None) -> list[Note]:
    """Most recently changed first, keyset-paginated by (updated_at, id)."""
    query = scope.keyset(scope.in_notebook(user, Note, notebook_id), Note.updated_at, Note.id, before)
    with db.session() as s:
        return list(s.exec(query.limit(limit)))


def all_for(user: User, notebook_id: str) -> list[Note]:
    """Every note of the notebook, oldest first (exports read them in the order they were written)."""
    with db.session() as s:
        return list(s.exec(scope.in_notebook(user, Note, notebook_id).order_by(Note.created_at, Note.id)))


def insert(note: Note, version: NoteVersion) -> Note:
    with db.session() as s:
        s.add(note)
        s.flush()
        s.add(version)
        s.commit()
    return note


def _latest(s: Session, note_id: str) -> NoteVersion | None:
    return s.exec(
        select(NoteVersion)
        .where(NoteVersion.note_id == note_id)
        .order_by(NoteVersion.created_at.desc(), NoteVersion.id.desc())
        .limit(1)
    ).first()


def save(
    user: User,
    note_id: str,
    *,
    title: str,
    body: str,
    now: datetime,
    coalesce_within: timedelta | None,
) -> Saved | None:
    """Write the note's text and version it, in one transaction with the note row locked.

    With `coalesce_within`, the latest version is updated in place when the same person made it less than that
    long ago (autosave); otherwise a new version is added. An empty latest version (a note just created) is always
    filled in place. Saving the text the latest version already holds adds nothing.
    """
    with db.session() as s:
        note = scope.reach(s, user, Note, note_id, lock=True)
        if note is None:
            return None
        latest = _latest(s, note_id)
        if latest is not None and latest.title == title and latest.body == body:
            if note.title != title or note.body != body:  # a row written before versions existed
                note.title, note.body, note.updated_at = title, body, now
                s.add(note)
                s.commit()
            return Saved(note, None)
        note.title, note.body, note.updated_at = title, body, now
        s.add(note)
        coalesce = latest is not None and (
            (not latest.title and not latest.body)  # an empty version (a new note) holds nothing worth keeping
            or (
                coalesce_within is not None
                and latest.user_id == user.id
                and timedelta(0) <= now - latest.created_at < coalesce_within
            )
        )
        if coalesce:
            latest.title, latest.body, latest.updated_at = title, body, now
            version = latest
        else:
            version = NoteVersion(
                note_id=note_id, user_id=user.id, title=title, body=body, created_at=now, updated_at=now
            )
        s.add(version)
        s.commit()
        return Saved(note, version, coalesced=coalesce)


def set_fields(user: User, note_id: str, **values) -> Note | None:
    """Set fields of a note in one of the user's notebooks; None when it is not."""
    return scope.change(user, Note, note_id, values)


def versions(
    user: User, note_id: str, *, limit: int = 20, before: tuple[datetime, str] | None = None
) -> list[VersionInfo]:
    """Newest first, keyset-paginated by (created_at, id); empty for a note the user cannot see."""
    query = (
        select(NoteVersion, User.display_name, User.email)
        .join(Note, Note.id == NoteVersion.note_id)
        .outerjoin(User, User.id == NoteVersion.user_id)
        .where(NoteVersion.note_id == note_id, scope.visible(user, Note))
    )
    query = scope.keyset(query, NoteVersion.created_at, NoteVersion.id, before).limit(limit)
    with db.session() as s:
        return [_info(version, name, email) for version, name, email in s.exec(query)]


def _info(version: NoteVersion, name: str | None, email: str | None) -> VersionInfo:
    return VersionInfo(
        version.id,
        version.note_id,
        version.title,
        version.body,
        version.created_at,
        version.updated_at,
        version.user_id,
        name or email or 'Former member',
    )


def version(user: User, note_id: str, version_id: str) -> NoteVersion | None:
    with db.session() as s:
        return s.exec(
            select(NoteVersion)
            .join(Note, Note.id == NoteVersion.note_id)
            .where(
                NoteVersion.id == version_id,
                NoteVersion.note_id == note_id,
                scope.visible(user, Note),
            )
        ).first()


def all_versions(note_ids: list[str]) -> dict[str, list[VersionInfo]]:
    """Every version of the notes, oldest first, for exports (the caller has checked access to the notes)."""
    if not note_ids:
        return {}
    query = (
        select(NoteVersion, User.display_name, User.email)
        .outerjoin(User, User.id == NoteVersion.user_id)
        .where(NoteVersion.note_id.in_(note_ids))
        .order_by(NoteVersion.created_at, NoteVersion.id)
    )
    grouped: dict[str, list[VersionInfo]] = {note_id: [] for note_id in note_ids}
    with db.session() as s:
        for row, name, email in s.exec(query):
            grouped[row.note_id].append(_info(row, name, email))
    return grouped


def raw_versions(user: User, note_id: str) -> list[NoteVersion]:
    """The note's version rows as stored, oldest first (what Undo of a delete puts back)."""
    query = (
        select(NoteVersion)
        .join(Note, Note.id == NoteVersion.note_id)
        .where(NoteVersion.note_id == note_id, scope.visible(user, Note))
        .order_by(NoteVersion.created_at, NoteVersion.id)
    )
    with db.session() as s:
        return list(s.exec(query))


def delete(user: User, note_id: str) -> bool:
    """The note and its versions in one transaction; False when the user cannot reach it."""
    with db.session() as s:
        if scope.reach(s, user, Note, note_id) is None:
            return False
        s.exec(sa_delete(NoteVersion).where(NoteVersion.note_id == note_id))
        s.exec(sa_delete(Note).where(Note.id == note_id))
        s.commit()
    return True


def reinsert(user: User, note: Note, versions_: list[NoteVersion]) -> bool:
    """Put a deleted note back with its id and versions; False when the id is taken or the user has left the
    notebook (or it is gone)."""
    with db.session() as s:
        if s.get(NotebookMember, (note.notebook_id, user.id)) is None or s.get(Note, note.id) is not None:
            return False
        if note.source_id is not None and s.get(Source, note.source_id) is None:
            note.source_id = None  # the source made from it was deleted meanwhile
        s.add(Note.model_validate(note.model_dump()))
        s.flush()
        s.add_all(NoteVersion.model_validate(v.model_dump()) for v in versions_)
        s.commit()
    return True


def source_exists(source_id: str | None) -> bool:
    if source_id is None:
        return False
    with db.session() as s:
        return s.get(Source, source_id) is not None
