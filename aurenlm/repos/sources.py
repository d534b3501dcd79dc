"""Sources, their pages and chunks, always reached through the acting user's notebook membership."""

from __future__ import annotations

from sqlalchemy import delete as sa_delete
from sqlmodel import func, select

from aurenlm import db
from aurenlm.models import Job, Source, SourceChunk, SourcePage, User, utcnow
from aurenlm.repos import scope

MAX_TITLE = 300


def list_for(user: User, notebook_id: str) -> list[Source]:
    with db.session() as s:
        return list(s.exec(scope.in_notebook(user, Source, notebook_id).order_by(Source.created_at, Source.id)))


def page_of(user: User, notebook_id: str, *, limit: int, after: tuple | None = None) -> list[Source]:
    """Oldest first, keyset-paginated by (created_at, id)."""
    query = scope.in_notebook(user, Source, notebook_id)
    with db.session() as s:
        return list(s.exec(scope.keyset(query, Source.created_at, Source.id, after, newest_first=False).limit(limit)))


def get(user: User, source_id: str) -> Source | None:
    return scope.find(user, Source, source_id)


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
                    scope.visible(user, Source),
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
    return scope.change(user, Source, source_id, {'title': title, 'updated_at': utcnow()})


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
    return scope.find(user, SourceChunk, chunk_id)


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


# -- reads for exports: whole sources at once, already scoped by the caller's membership check --------------------


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
