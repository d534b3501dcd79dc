"""Sources, their pages and chunks, always reached through the acting user's notebook membership."""

from __future__ import annotations

from sqlalchemy import delete as sa_delete
from sqlmodel import func, select

from aurenlm import db
from aurenlm.models import Job, NotebookMember, Source, SourceChunk, SourcePage, User, utcnow

MAX_TITLE = 300


def _member_of(user: User):
    return select(NotebookMember.notebook_id).where(NotebookMember.user_id == user.id)


def list_for(user: User, notebook_id: str) -> list[Source]:
    with db.session() as s:
        return list(
            s.exec(
                select(Source)
                .where(Source.notebook_id == notebook_id, Source.notebook_id.in_(_member_of(user)))
                .order_by(Source.created_at, Source.id)
            )
        )


def page_of(user: User, notebook_id: str, *, limit: int, after: tuple | None = None) -> list[Source]:
    """Oldest first, keyset-paginated by (created_at, id)."""
    query = select(Source).where(Source.notebook_id == notebook_id, Source.notebook_id.in_(_member_of(user)))
    if after is not None:
        at, last_id = after
        query = query.where((Source.created_at > at) | ((Source.created_at == at) & (Source.id > last_id)))
    with db.session() as s:
        return list(s.exec(query.order_by(Source.created_at, Source.id).limit(limit)))


def get(user: User, source_id: str) -> Source | None:
    with db.session() as s:
        return s.exec(select(Source).where(Source.id == source_id, Source.notebook_id.in_(_member_of(user)))).first()


def ready_ids(user: User, notebook_id: str, source_ids: list[str]) -> list[str]:
    """Which of these sources are ready in this notebook, in the order given: one query, no JSON columns loaded."""
    if not source_ids:
        return []
    with db.session() as s:
        found = set(
            s.exec(
                select(Source.id).where(
                    Source.id.in_(source_ids),
                    Source.notebook_id == notebook_id,
                    Source.notebook_id.in_(_member_of(user)),
                    Source.status == 'ready',
                )
            )
        )
    return [sid for sid in source_ids if sid in found]


def count_in(notebook_id: str) -> int:
    with db.session() as s:
        return s.exec(select(func.count(Source.id)).where(Source.notebook_id == notebook_id)).one()


def by_sha256(notebook_id: str, sha256: str) -> Source | None:
    with db.session() as s:
        return s.exec(select(Source).where(Source.notebook_id == notebook_id, Source.sha256 == sha256)).first()


def rename(user: User, source_id: str, title: str) -> Source | None:
    title = ' '.join((title or '').split())[:MAX_TITLE]
    if not title:
        raise ValueError('Give the source a title.')
    source = get(user, source_id)
    if source is None:
        return None
    with db.session() as s:
        row = s.get(Source, source_id)
        row.title, row.updated_at = title, utcnow()
        s.add(row)
        s.commit()
        return row


def pages(user: User, source_id: str) -> list[SourcePage]:
    if get(user, source_id) is None:
        return []
    with db.session() as s:
        return list(s.exec(select(SourcePage).where(SourcePage.source_id == source_id).order_by(SourcePage.page)))


def page(user: User, source_id: str, number: int) -> SourcePage | None:
    if get(user, source_id) is None:
        return None
    with db.session() as s:
        return s.get(SourcePage, (source_id, number))


def chunk(user: User, chunk_id: int) -> SourceChunk | None:
    with db.session() as s:
        return s.exec(
            select(SourceChunk).where(SourceChunk.id == chunk_id, SourceChunk.notebook_id.in_(_member_of(user)))
        ).first()


def chunks_of(source_id: str) -> list[SourceChunk]:
    with db.session() as s:
        return list(s.exec(select(SourceChunk).where(SourceChunk.source_id == source_id).order_by(SourceChunk.ordinal)))


def delete_rows(source: Source) -> None:
    """The source, its pages, chunks (and so their index rows) and jobs, in one transaction."""
    with db.session() as s:
        s.exec(sa_delete(Job).where(Job.ref_id == source.id))
        s.exec(sa_delete(SourceChunk).where(SourceChunk.source_id == source.id))
        s.exec(sa_delete(SourcePage).where(SourcePage.source_id == source.id))
        s.exec(sa_delete(Source).where(Source.id == source.id))
        s.commit()


def all_file_names() -> set[str]:
    with db.session() as s:
        return {name for name in s.exec(select(Source.file_name).where(Source.file_name.is_not(None)))}
