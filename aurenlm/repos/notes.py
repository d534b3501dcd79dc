"""Notes and their versions, always reached through the acting user's notebook membership."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete as sa_delete
from sqlmodel import Session, select

from aurenlm import db
from aurenlm.models import ChatMessage, Note, NotebookMember, NoteVersion, Source, SourceChunk, SourcePage, User


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


def _member_of(user: User):
    return select(NotebookMember.notebook_id).where(NotebookMember.user_id == user.id)


def get(user: User, note_id: str) -> Note | None:
    with db.session() as s:
        return s.exec(select(Note).where(Note.id == note_id, Note.notebook_id.in_(_member_of(user)))).first()


def page(user: User, notebook_id: str, *, limit: int = 30, before: tuple[datetime, str] | None = None) -> list[Note]:
    """Most recently changed first, keyset-paginated by (updated_at, id)."""
    query = select(Note).where(Note.notebook_id == notebook_id, Note.notebook_id.in_(_member_of(user)))
    if before is not None:
        at, last_id = before
        query = query.where((Note.updated_at < at) | ((Note.updated_at == at) & (Note.id < last_id)))
    with db.session() as s:
        return list(s.exec(query.order_by(Note.updated_at.desc(), Note.id.desc()).limit(limit)))


def all_for(user: User, notebook_id: str) -> list[Note]:
    """Every note of the notebook, oldest first (exports read them in the order they were written)."""
    with db.session() as s:
        return list(
            s.exec(
                select(Note)
                .where(Note.notebook_id == notebook_id, Note.notebook_id.in_(_member_of(user)))
                .order_by(Note.created_at, Note.id)
            )
        )


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
    note_id: str,
    *,
    title: str,
    body: str,
    user_id: str,
    now: datetime,
    coalesce_within: timedelta | None,
) -> Saved | None:
    """Write the note's text and version it, in one transaction with the note row locked.

    With `coalesce_within`, the latest version is updated in place when the same person made it less than that
    long ago (autosave); otherwise a new version is added. An empty latest version (a note just created) is always
    filled in place. Saving the text the latest version already holds adds nothing.
    """
    with db.session() as s:
        note = s.exec(select(Note).where(Note.id == note_id).with_for_update()).first()
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
                and latest.user_id == user_id
                and timedelta(0) <= now - latest.created_at < coalesce_within
            )
        )
        if coalesce:
            latest.title, latest.body, latest.updated_at = title, body, now
            version = latest
        else:
            version = NoteVersion(
                note_id=note_id, user_id=user_id, title=title, body=body, created_at=now, updated_at=now
            )
        s.add(version)
        s.commit()
        return Saved(note, version, coalesced=coalesce)


def set_fields(note_id: str, **values) -> Note | None:
    with db.session() as s:
        note = s.get(Note, note_id)
        if note is None:
            return None
        for name, value in values.items():
            setattr(note, name, value)
        s.add(note)
        s.commit()
        return note


def versions(
    user: User, note_id: str, *, limit: int = 20, before: tuple[datetime, str] | None = None
) -> list[VersionInfo]:
    """Newest first, keyset-paginated by (created_at, id); empty for a note the user cannot see."""
    query = (
        select(NoteVersion, User.display_name, User.email)
        .join(Note, Note.id == NoteVersion.note_id)
        .outerjoin(User, User.id == NoteVersion.user_id)
        .where(NoteVersion.note_id == note_id, Note.notebook_id.in_(_member_of(user)))
    )
    if before is not None:
        at, last_id = before
        query = query.where(
            (NoteVersion.created_at < at) | ((NoteVersion.created_at == at) & (NoteVersion.id < last_id))
        )
    query = query.order_by(NoteVersion.created_at.desc(), NoteVersion.id.desc()).limit(limit)
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
                Note.notebook_id.in_(_member_of(user)),
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


def raw_versions(note_id: str) -> list[NoteVersion]:
    with db.session() as s:
        return list(
            s.exec(
                select(NoteVersion)
                .where(NoteVersion.note_id == note_id)
                .order_by(NoteVersion.created_at, NoteVersion.id)
            )
        )


def delete(note_id: str) -> None:
    with db.session() as s:
        s.exec(sa_delete(NoteVersion).where(NoteVersion.note_id == note_id))
        s.exec(sa_delete(Note).where(Note.id == note_id))
        s.commit()


def reinsert(note: Note, versions_: list[NoteVersion]) -> bool:
    """Put a deleted note back with its id and versions; False when the id is taken or the notebook is gone."""
    with db.session() as s:
        if s.get(Note, note.id) is not None:
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


def earlier_questions(notebook_id: str, message_id: str) -> list[ChatMessage]:
    """Questions of the notebook that an edit replaced with `message_id` (its versions one step back)."""
    with db.session() as s:
        return list(
            s.exec(
                select(ChatMessage)
                .where(
                    ChatMessage.notebook_id == notebook_id,
                    ChatMessage.role == 'user',
                    ChatMessage.superseded_by == message_id,
                )
                .order_by(ChatMessage.created_at, ChatMessage.id)
            )
        )


def replace_question(old_id: str, content: str, user_id: str, now: datetime) -> ChatMessage | None:
    """The edited question as a new message; the old one and its current answers point at it. One transaction."""
    with db.session() as s:
        old = s.exec(select(ChatMessage).where(ChatMessage.id == old_id).with_for_update()).first()
        if old is None or old.superseded_by is not None:
            return None
        new = ChatMessage(notebook_id=old.notebook_id, user_id=user_id, role='user', content=content, created_at=now)
        s.add(new)
        s.flush()
        old.superseded_by = new.id
        s.add(old)
        for answer in s.exec(
            select(ChatMessage).where(ChatMessage.reply_to_id == old.id, ChatMessage.superseded_by.is_(None))
        ):
            answer.superseded_by = new.id
            s.add(answer)
        s.commit()
        return new


# -- reads for exports: whole notebooks at once, already scoped by the caller's membership check ---------------------


def notebook_messages(user: User, notebook_id: str) -> list[ChatMessage]:
    """Every message of the notebook, superseded versions included, oldest first."""
    with db.session() as s:
        return list(
            s.exec(
                select(ChatMessage)
                .where(ChatMessage.notebook_id == notebook_id, ChatMessage.notebook_id.in_(_member_of(user)))
                .order_by(ChatMessage.created_at, ChatMessage.id)
            )
        )


def chunk_positions(source_ids: list[str]) -> dict[str, list[tuple[int, int, int, int, int, str]]]:
    """(id, ordinal, page, char_start, char_end, heading) of every chunk, per source, in reading order."""
    grouped: dict[str, list[tuple[int, int, int, int, int, str]]] = {sid: [] for sid in source_ids}
    if not source_ids:
        return grouped
    with db.session() as s:
        rows = s.exec(
            select(
                SourceChunk.source_id,
                SourceChunk.id,
                SourceChunk.ordinal,
                SourceChunk.page,
                SourceChunk.char_start,
                SourceChunk.char_end,
                SourceChunk.heading,
            )
            .where(SourceChunk.source_id.in_(source_ids))
            .order_by(SourceChunk.source_id, SourceChunk.ordinal)
        )
        for source_id, *position in rows:
            grouped[source_id].append(tuple(position))
    return grouped


def source_pages(source_ids: list[str]) -> dict[str, list[SourcePage]]:
    grouped: dict[str, list[SourcePage]] = {sid: [] for sid in source_ids}
    if not source_ids:
        return grouped
    with db.session() as s:
        for row in s.exec(
            select(SourcePage)
            .where(SourcePage.source_id.in_(source_ids))
            .order_by(SourcePage.source_id, SourcePage.page)
        ):
            grouped[row.source_id].append(row)
    return grouped
