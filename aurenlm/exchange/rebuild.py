"""Rebuild a notebook from a validated export: plan each source (its pages and passages), then write every
aggregate's rows (sources, notes, messages, artifacts) in the caller's transaction, pointing old ids at new ones.

Nothing here checks the file: `importer.parse` has done that. Values are still cleaned of NUL characters, and the
loosely typed parts of a source (guide, outline) are kept only when they read as what they claim to be.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import Session

from aurenlm.exchange.schema import ArtifactOut, Bundle, CitationOut, MessageOut, NoteOut, SourceOut
from aurenlm.ingest import ChunkDraft, Page, chunk_pages
from aurenlm.ingest.document import count_words
from aurenlm.ingest.extract_text import markdown_headings
from aurenlm.models import (
    Artifact,
    ChatMessage,
    Citation,
    Note,
    Notebook,
    NotebookMember,
    NoteVersion,
    Source,
    SourceChunk,
    SourcePage,
    User,
    utcnow,
)
from aurenlm.sources import service as sources


class _Guide(BaseModel):
    model_config = ConfigDict(extra='ignore')
    summary: str = Field(default='', max_length=20_000)
    topics: list[str] = Field(default_factory=list, max_length=50)
    questions: list[str] = Field(default_factory=list, max_length=50)


class _OutlineEntry(BaseModel):
    model_config = ConfigDict(extra='ignore')
    title: str = Field(max_length=500)
    level: int = Field(ge=1, le=12)
    page: int | None = None
    children: list[_OutlineEntry] = Field(default_factory=list, max_length=2_000)


_OutlineEntry.model_rebuild()


def clean(value: Any) -> Any:
    """No NUL characters anywhere (PostgreSQL text cannot hold them)."""
    if isinstance(value, str):
        return value.replace('\x00', '')
    if isinstance(value, list):
        return [clean(v) for v in value]
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items()}
    return value


def _guide(value: Any) -> dict | None:
    try:
        return clean(_Guide.model_validate(value).model_dump()) if value else None
    except ValidationError:
        return None


def _outline(value: Any) -> list | None:
    try:
        return [clean(_OutlineEntry.model_validate(v).model_dump()) for v in value] if value else None
    except (ValidationError, TypeError):
        return None


@dataclass
class PlannedSource:
    old: SourceOut
    row: Source
    pages: list[SourcePage]
    drafts: list[ChunkDraft]
    old_ids: list[int | None]  # the exported chunk id of each draft (None when re-chunked)
    blobs: list[bytes] = field(default_factory=list)
    model: str = ''
    text: str = ''


def _drafts(source: SourceOut) -> tuple[list[ChunkDraft], list[int | None]]:
    texts = {p.page: clean(p.text) for p in source.pages}
    if source.chunks:
        ordered = sorted(source.chunks, key=lambda c: c.ordinal)
        drafts = [
            ChunkDraft(
                c.ordinal,
                c.page,
                c.char_start,
                c.char_end,
                clean(c.heading),
                texts[c.page][c.char_start : c.char_end],
            )
            for c in ordered
        ]
        return drafts, [c.id for c in ordered]
    markdown = source.kind in ('markdown', 'note')
    pages = [Page(n, text, markdown_headings(text)[0] if markdown else []) for n, text in texts.items()]
    drafts = chunk_pages(pages)
    return drafts, [None] * len(drafts)


def plan_source(source: SourceOut, notebook_id: str, user: User) -> PlannedSource:
    text = '\n\n'.join(clean(p.text) for p in source.pages)
    row = Source(
        notebook_id=notebook_id,
        added_by=user.id,
        kind=source.kind,
        title=clean(source.title) or 'Imported source',
        filename=f'{clean(source.title) or "source"}.txt'[:300],
        url=clean(source.url) if source.url else None,
        mime='text/plain',
        size=len(text.encode('utf-8')),
        sha256=source.sha256,
        file_name=uuid.uuid4().hex,
        status='ready',
        stage='ready',
        progress=1.0,
        page_count=len(source.pages),
        word_count=sum(count_words(p.text) for p in source.pages),
        guide=_guide(source.guide),
        outline=_outline(source.outline),
        created_at=source.created_at,
        updated_at=utcnow(),
    )
    pages = [SourcePage(source_id=row.id, page=p.page, text=clean(p.text)) for p in source.pages]
    drafts, old_ids = _drafts(source)
    return PlannedSource(source, row, pages, drafts, old_ids, text=text)


class IdMap:
    """Old ids in the file -> new ids in the database."""

    def __init__(self) -> None:
        self.sources: dict[str, str] = {}
        self.chunks: dict[int, int] = {}
        self.messages: dict[str, str] = {}
        self.artifacts: dict[str, str] = {}
        self.chunks_by_page: dict[tuple[str, int], list[SourceChunk]] = {}

    def chunk(self, old_chunk: int | None, old_source: str | None, page: int, quote: str) -> int | None:
        if old_chunk is not None and old_chunk in self.chunks:
            return self.chunks[old_chunk]
        new_source = self.sources.get(old_source or '')
        candidates = self.chunks_by_page.get((new_source or '', page), [])
        for candidate in candidates:  # re-chunked source: the passage on that page that holds the quote
            if quote and quote[:200] in candidate.text:
                return candidate.id
        return candidates[0].id if candidates else None

    def cite(self, cite: CitationOut) -> dict[str, Any]:
        return {
            'marker': cite.marker,
            'source_id': self.sources.get(cite.source_id or ''),
            'chunk_id': self.chunk(cite.chunk_id, cite.source_id, cite.page, cite.quote),
            'page': cite.page,
            'quote': clean(cite.quote),
            'source_title': clean(cite.source_title),
        }

    def artifact_data(self, value: Any) -> Any:
        """Point every {source_id, chunk_id, ...} citation inside artifact data at the new rows."""
        if isinstance(value, list):
            return [self.artifact_data(v) for v in value]
        if not isinstance(value, dict):
            return clean(value)
        out = {k: self.artifact_data(v) for k, v in value.items()}
        if 'chunk_id' in value and 'source_id' in value:
            page = value.get('page') if isinstance(value.get('page'), int) else 1
            quote = value.get('quote') if isinstance(value.get('quote'), str) else ''
            old_chunk = value['chunk_id'] if isinstance(value['chunk_id'], int) else None
            old_source = value['source_id'] if isinstance(value['source_id'], str) else None
            out['source_id'] = self.sources.get(old_source or '', '')
            out['chunk_id'] = self.chunk(old_chunk, old_source, page, quote) or 0
        return out


def write_rows(s: Session, user: User, bundle: Bundle, notebook: Notebook, planned: list[PlannedSource]) -> None:
    """Every row of the new notebook, in the caller's transaction (which commits). Blocking."""
    ids = IdMap()
    s.add(notebook)
    s.flush()
    s.add(NotebookMember(notebook_id=notebook.id, user_id=user.id, role='owner'))
    _write_sources(s, planned, ids)
    for note in bundle.notes:
        _write_note(s, user, notebook, note, ids)
    _write_messages(s, user, notebook, bundle.messages, ids)
    _write_artifacts(s, user, notebook, bundle.artifacts, ids)


def _write_sources(s: Session, planned: list[PlannedSource], ids: IdMap) -> None:
    """Sources, then their pages and passages; the new passage ids are recorded for citations."""
    for plan in planned:
        s.add(plan.row)
        ids.sources[plan.old.id] = plan.row.id
    s.flush()
    for plan in planned:
        s.add_all(plan.pages)
        chunks = sources.chunk_rows(plan.row, plan.drafts, plan.blobs, plan.model)
        s.add_all(chunks)
        s.flush()
        for old_id, chunk in zip(plan.old_ids, chunks, strict=True):
            if old_id is not None:
                ids.chunks[old_id] = chunk.id
            ids.chunks_by_page.setdefault((plan.row.id, chunk.page), []).append(chunk)


def _write_note(s: Session, user: User, notebook: Notebook, note: NoteOut, ids: IdMap) -> None:
    """A note with its versions; one exported without versions gets its text as the first."""
    row = Note(
        notebook_id=notebook.id,
        user_id=user.id,
        title=clean(note.title),
        body=clean(note.body),
        kind=note.kind,
        citations=[ids.cite(c) for c in note.citations],
        source_id=ids.sources.get(note.source_id or ''),
        created_at=note.created_at,
        updated_at=note.updated_at,
    )
    s.add(row)
    s.flush()
    versions = [
        NoteVersion(
            note_id=row.id,
            user_id=user.id,
            title=clean(v.title),
            body=clean(v.body),
            created_at=v.created_at,
            updated_at=v.updated_at,
        )
        for v in note.versions or []
    ]
    first = NoteVersion(note_id=row.id, user_id=user.id, title=row.title, body=row.body, created_at=utcnow())
    s.add_all(versions or [first])


def _write_messages(s: Session, user: User, notebook: Notebook, messages: list[MessageOut], ids: IdMap) -> None:
    """Messages first (answers and versions point at each other), then their citations."""
    for message in messages:
        ids.messages[message.id] = uuid.uuid4().hex
    for message in messages:
        status, error = message.status, clean(message.error)
        if status == 'streaming':
            status, error = 'interrupted', 'This answer was unfinished when the notebook was exported.'
        s.add(
            ChatMessage(
                id=ids.messages[message.id],
                notebook_id=notebook.id,
                user_id=user.id,  # the importer's own chat: questions and answers alike
                role=message.role,
                content=clean(message.content),
                status=status,
                error=error,
                engine=clean(message.engine),
                reply_to_id=ids.messages.get(message.reply_to_id or ''),
                superseded_by=ids.messages.get(message.superseded_by or ''),
                created_at=message.created_at,
            )
        )
    s.flush()
    for message in messages:
        for cite in message.citations:
            mapped = ids.cite(cite)
            s.add(
                Citation(
                    message_id=ids.messages[message.id],
                    chunk_id=mapped['chunk_id'],
                    source_id=mapped['source_id'],
                    marker=cite.marker,
                    page=cite.page,
                    quote=mapped['quote'],
                )
            )


def _write_artifacts(s: Session, user: User, notebook: Notebook, artifacts: list[ArtifactOut], ids: IdMap) -> None:
    """Studio artifacts with their version chains; one still being generated at export time is cancelled."""
    for artifact in artifacts:
        ids.artifacts[artifact.id] = uuid.uuid4().hex
    for artifact in artifacts:
        status, error = artifact.status, clean(artifact.error)
        if status in ('queued', 'running'):
            status, error = 'cancelled', 'This was still being generated when the notebook was exported.'
        s.add(
            Artifact(
                id=ids.artifacts[artifact.id],
                notebook_id=notebook.id,
                user_id=user.id,
                kind=artifact.kind,
                title=clean(artifact.title),
                status=status,
                engine=clean(artifact.engine),
                data=ids.artifact_data(artifact.data) if artifact.data is not None else None,
                options=clean(dict(artifact.options)),
                source_ids=[ids.sources[sid] for sid in artifact.source_ids if sid in ids.sources],
                source_hash=clean(artifact.source_hash),
                version=artifact.version,
                parent_id=ids.artifacts.get(artifact.parent_id or ''),
                error=error,
                created_at=artifact.created_at,
            )
        )
