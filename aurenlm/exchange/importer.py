"""Import a notebook's JSON export as a new notebook of the acting user: sources with their text, notes with their
versions, the conversation with its citations, and studio artifacts.

The file is validated completely (schema version, strict types, bounds, references) before anything is written.
Embeddings are computed first, then files are written and every row goes in one transaction; if anything fails,
the files are removed again and nothing is left behind. Citations and artifacts are pointed at the new passages.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loguru import logger
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aurenlm import db, repos, studio
from aurenlm.config import get_settings
from aurenlm.exchange.schema import SCHEMA_VERSION, ArtifactOut, Bundle, CitationOut, Probe, SourceOut
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
from aurenlm.repos.notebooks import NotebookError, clean_title
from aurenlm.search.vectors import embed_passages
from aurenlm.sources import service as sources
from aurenlm.studio.validation import ArtifactError, clean_mindmap

MAX_IMPORT_MB = 64
MAX_IMPORT_BYTES = MAX_IMPORT_MB * 1024 * 1024
MAX_TOTAL_VERSIONS = 20_000
MAX_TOTAL_CHUNKS = 200_000
MAX_CHUNK_CHARS = 50_000
AGAIN = 'Export the notebook again from AurenLM and import the new file.'


class NotebookImportError(ValueError):
    """Why an import was refused; nothing was created. The message is safe to show."""


@dataclass
class ImportResult:
    notebook: Notebook
    sources: int = 0
    notes: int = 0
    messages: int = 0
    artifacts: int = 0
    skipped_sources: list[str] = field(default_factory=list)  # titles of sources exported without text


# -- validation -------------------------------------------------------------------------------------------------


def _where(error: dict) -> str:
    return ' → '.join(str(part) for part in error.get('loc', ())) or 'the file'


def _invalid(e: ValidationError) -> NotebookImportError:
    first = e.errors(include_url=False)[0]
    message = str(first.get('msg', 'invalid'))
    if first.get('type') == 'json_invalid':
        return NotebookImportError(f'This file is not valid JSON ({message}). Choose a notebook export (.json).')
    return NotebookImportError(
        f'This file is not a valid AurenLM notebook export: {_where(first)}: {message[:200]}. {AGAIN}'
    )


def parse(raw: bytes | str) -> Bundle:
    """Validate an export completely; raises NotebookImportError with a reason a person can act on."""
    size = len(raw.encode('utf-8') if isinstance(raw, str) else raw)
    if size > MAX_IMPORT_BYTES:
        raise NotebookImportError(f'The file is larger than {MAX_IMPORT_MB} MB. Export a smaller notebook.')
    if not size:
        raise NotebookImportError('The file is empty. Choose a notebook export (.json).')
    try:
        probe = Probe.model_validate_json(raw)
    except ValidationError as e:
        raise _invalid(e) from None
    if probe.schema_version is None:
        raise NotebookImportError(
            'This file is not an AurenLM notebook export (it has no schema_version). Choose a notebook export (.json).'
        )
    if type(probe.schema_version) is not int or probe.schema_version != SCHEMA_VERSION:
        raise NotebookImportError(
            f'This export has schema version {json.dumps(probe.schema_version)[:20]}, and this server reads version '
            f'{SCHEMA_VERSION}. Export the notebook with this version of AurenLM.'
        )
    if probe.scope not in (None, 'notebook'):
        raise NotebookImportError(
            f'This file is an export of a single {str(probe.scope)[:20]}, not of a notebook. '
            'Export the whole notebook as JSON and import that.'
        )
    try:
        bundle = Bundle.model_validate_json(raw, strict=True)
    except ValidationError as e:
        raise _invalid(e) from None
    except RecursionError:
        raise NotebookImportError(f'This file is nested too deeply to be a notebook export. {AGAIN}') from None
    check(bundle)
    return bundle


def _unique(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise NotebookImportError(f'The file lists the {what} {item[:40]!r} twice. {AGAIN}')
        seen.add(item)


def check(bundle: Bundle) -> None:
    """The rules a schema cannot say: unique ids, limits of this server, pages and passages that fit their text."""
    settings = get_settings()
    _unique([s.id for s in bundle.sources], 'source')
    _unique([n.id for n in bundle.notes], 'note')
    _unique([m.id for m in bundle.messages], 'message')
    _unique([a.id for a in bundle.artifacts], 'artifact')
    _unique([v.id for n in bundle.notes for v in n.versions], 'note version')
    with_text = [s for s in bundle.sources if s.pages]
    _unique([s.sha256 for s in with_text], 'source content')
    _unique([str(c.id) for s in with_text for c in s.chunks], 'passage')
    if len(with_text) > settings.max_sources_per_notebook:
        raise NotebookImportError(
            f'The notebook has {len(with_text)} sources; this server allows {settings.max_sources_per_notebook} per '
            'notebook. Remove some sources before exporting.'
        )
    if sum(len(n.versions) for n in bundle.notes) > MAX_TOTAL_VERSIONS:
        raise NotebookImportError(f'The notebook has more than {MAX_TOTAL_VERSIONS:,} note versions. {AGAIN}')
    if sum(len(s.chunks) for s in with_text) > MAX_TOTAL_CHUNKS:
        raise NotebookImportError(f'The notebook has more than {MAX_TOTAL_CHUNKS:,} passages. {AGAIN}')
    for source in with_text:
        _check_source(source, settings.max_words_per_source)
    for artifact in bundle.artifacts:
        _check_artifact(artifact)


def _check_source(source: SourceOut, max_words: int) -> None:
    name = f'source “{source.title[:60]}”'
    numbers = [p.page for p in source.pages]
    if numbers != list(range(1, len(numbers) + 1)):
        raise NotebookImportError(f'The pages of the {name} are not numbered 1, 2, 3… in order. {AGAIN}')
    words = sum(count_words(p.text) for p in source.pages)
    if words > max_words:
        raise NotebookImportError(f'The {name} has {words:,} words; this server allows {max_words:,} per source.')
    lengths = {p.page: len(p.text) for p in source.pages}
    ordinals = [c.ordinal for c in source.chunks]
    if source.chunks and sorted(ordinals) != list(range(len(ordinals))):
        raise NotebookImportError(f'The passages of the {name} are not numbered in order. {AGAIN}')
    for chunk in source.chunks:
        length = lengths.get(chunk.page)
        if length is None or not 0 <= chunk.char_start < chunk.char_end <= length:
            raise NotebookImportError(f'A passage of the {name} points outside its page. {AGAIN}')
        if chunk.char_end - chunk.char_start > MAX_CHUNK_CHARS:
            raise NotebookImportError(f'A passage of the {name} is implausibly long. {AGAIN}')


def _check_artifact(artifact: ArtifactOut) -> None:
    name = f'studio item “{artifact.title[:60] or artifact.kind}”'
    try:
        studio.parse_options(artifact.kind, artifact.options)
    except studio.StudioError as e:
        raise NotebookImportError(f'The options of the {name} are not valid: {e}') from None
    if artifact.status != 'done':
        return
    if artifact.data is None:
        raise NotebookImportError(f'The {name} is marked finished but has no content. {AGAIN}')
    try:
        if artifact.kind == 'mindmap':
            clean_mindmap(artifact.data)
        elif artifact.kind == 'quiz':
            studio.Quiz.model_validate(artifact.data)
        elif artifact.kind == 'flashcards':
            studio.Flashcards.model_validate(artifact.data)
        else:
            report = studio.Report.model_validate(artifact.data)
            if report.kind != artifact.kind:
                raise ValueError('its kind does not match')
    except (ValidationError, ArtifactError, ValueError) as e:
        reason = _where(e.errors()[0]) + ': ' + e.errors()[0]['msg'] if isinstance(e, ValidationError) else str(e)
        hint = ' Quizzes must include their answers.' if artifact.kind == 'quiz' else ''
        raise NotebookImportError(f'The content of the {name} is not valid ({reason[:200]}).{hint} {AGAIN}') from None


# -- building the new notebook ------------------------------------------------------------------------------------


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


def _clean(value: Any) -> Any:
    """No NUL characters anywhere (PostgreSQL text cannot hold them)."""
    if isinstance(value, str):
        return value.replace('\x00', '')
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    return value


def _guide(value: Any) -> dict | None:
    try:
        return _clean(_Guide.model_validate(value).model_dump()) if value else None
    except ValidationError:
        return None


def _outline(value: Any) -> list | None:
    try:
        return [_clean(_OutlineEntry.model_validate(v).model_dump()) for v in value] if value else None
    except (ValidationError, TypeError):
        return None


@dataclass
class _PlannedSource:
    old: SourceOut
    row: Source
    pages: list[SourcePage]
    drafts: list[ChunkDraft]
    old_ids: list[int | None]  # the exported chunk id of each draft (None when re-chunked)
    blobs: list[bytes] = field(default_factory=list)
    model: str = ''
    text: str = ''


def _drafts(source: SourceOut) -> tuple[list[ChunkDraft], list[int | None]]:
    texts = {p.page: _clean(p.text) for p in source.pages}
    if source.chunks:
        ordered = sorted(source.chunks, key=lambda c: c.ordinal)
        drafts = [
            ChunkDraft(
                c.ordinal,
                c.page,
                c.char_start,
                c.char_end,
                _clean(c.heading),
                texts[c.page][c.char_start : c.char_end],
            )
            for c in ordered
        ]
        return drafts, [c.id for c in ordered]
    markdown = source.kind in ('markdown', 'note')
    pages = [Page(n, text, markdown_headings(text)[0] if markdown else []) for n, text in texts.items()]
    drafts = chunk_pages(pages)
    return drafts, [None] * len(drafts)


def _plan_source(source: SourceOut, notebook_id: str, user: User) -> _PlannedSource:
    text = '\n\n'.join(_clean(p.text) for p in source.pages)
    row = Source(
        notebook_id=notebook_id,
        added_by=user.id,
        kind=source.kind,
        title=_clean(source.title) or 'Imported source',
        filename=f'{_clean(source.title) or "source"}.txt'[:300],
        url=_clean(source.url) if source.url else None,
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
    pages = [SourcePage(source_id=row.id, page=p.page, text=_clean(p.text)) for p in source.pages]
    drafts, old_ids = _drafts(source)
    return _PlannedSource(source, row, pages, drafts, old_ids, text=text)


class _Ids:
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
            'quote': _clean(cite.quote),
            'source_title': _clean(cite.source_title),
        }

    def artifact_data(self, value: Any) -> Any:
        """Point every {source_id, chunk_id, ...} citation inside artifact data at the new rows."""
        if isinstance(value, list):
            return [self.artifact_data(v) for v in value]
        if not isinstance(value, dict):
            return _clean(value)
        out = {k: self.artifact_data(v) for k, v in value.items()}
        if 'chunk_id' in value and 'source_id' in value:
            page = value.get('page') if isinstance(value.get('page'), int) else 1
            quote = value.get('quote') if isinstance(value.get('quote'), str) else ''
            old_chunk = value['chunk_id'] if isinstance(value['chunk_id'], int) else None
            old_source = value['source_id'] if isinstance(value['source_id'], str) else None
            out['source_id'] = self.sources.get(old_source or '', '')
            out['chunk_id'] = self.chunk(old_chunk, old_source, page, quote) or 0
        return out


def _write_rows(user: User, bundle: Bundle, notebook: Notebook, planned: list[_PlannedSource]) -> ImportResult:
    """Every row in one transaction. Blocking."""
    ids = _Ids()
    now = utcnow()
    with db.session() as s:
        s.add(notebook)
        s.flush()
        s.add(NotebookMember(notebook_id=notebook.id, user_id=user.id, role='owner'))
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
        for note in bundle.notes:
            row = Note(
                notebook_id=notebook.id,
                user_id=user.id,
                title=_clean(note.title),
                body=_clean(note.body),
                kind=note.kind,
                citations=[ids.cite(c) for c in note.citations],
                source_id=ids.sources.get(note.source_id or ''),
                created_at=note.created_at,
                updated_at=note.updated_at,
            )
            s.add(row)
            s.flush()
            versions = note.versions or []
            s.add_all(
                NoteVersion(
                    note_id=row.id,
                    user_id=user.id,
                    title=_clean(v.title),
                    body=_clean(v.body),
                    created_at=v.created_at,
                    updated_at=v.updated_at,
                )
                for v in versions
            )
            if not versions:
                s.add(NoteVersion(note_id=row.id, user_id=user.id, title=row.title, body=row.body, created_at=now))
        for message in bundle.messages:
            ids.messages[message.id] = uuid.uuid4().hex
        for message in bundle.messages:
            status, error = message.status, _clean(message.error)
            if status == 'streaming':
                status, error = 'interrupted', 'This answer was unfinished when the notebook was exported.'
            s.add(
                ChatMessage(
                    id=ids.messages[message.id],
                    notebook_id=notebook.id,
                    user_id=user.id if message.role == 'user' else None,
                    role=message.role,
                    content=_clean(message.content),
                    status=status,
                    error=error,
                    engine=_clean(message.engine),
                    reply_to_id=ids.messages.get(message.reply_to_id or ''),
                    superseded_by=ids.messages.get(message.superseded_by or ''),
                    created_at=message.created_at,
                )
            )
        s.flush()
        for message in bundle.messages:
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
        for artifact in bundle.artifacts:
            ids.artifacts[artifact.id] = uuid.uuid4().hex
        for artifact in bundle.artifacts:
            status, error = artifact.status, _clean(artifact.error)
            if status in ('queued', 'running'):
                status, error = 'cancelled', 'This was still being generated when the notebook was exported.'
            s.add(
                Artifact(
                    id=ids.artifacts[artifact.id],
                    notebook_id=notebook.id,
                    user_id=user.id,
                    kind=artifact.kind,
                    title=_clean(artifact.title),
                    status=status,
                    engine=_clean(artifact.engine),
                    data=ids.artifact_data(artifact.data) if artifact.data is not None else None,
                    options=_clean(dict(artifact.options)),
                    source_ids=[ids.sources[sid] for sid in artifact.source_ids if sid in ids.sources],
                    source_hash=_clean(artifact.source_hash),
                    version=artifact.version,
                    parent_id=ids.artifacts.get(artifact.parent_id or ''),
                    error=error,
                    created_at=artifact.created_at,
                )
            )
        s.commit()
    return ImportResult(
        notebook,
        sources=len(planned),
        notes=len(bundle.notes),
        messages=len(bundle.messages),
        artifacts=len(bundle.artifacts),
    )


def _write_files(planned: list[_PlannedSource]) -> list[Path]:
    written: list[Path] = []
    folder = sources.files_dir()
    try:
        for plan in planned:
            path = folder / plan.row.file_name
            path.write_bytes(plan.text.encode('utf-8'))
            written.append(path)
    except BaseException:
        _remove(written)
        raise
    return written


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


async def import_notebook(user: User, raw: bytes | str) -> ImportResult:
    """Create a new notebook from a JSON export. Raises NotebookImportError; on any failure nothing is created."""
    bundle = await asyncio.to_thread(parse, raw)
    try:
        title = clean_title(_clean(bundle.notebook.title))
    except NotebookError as e:
        raise NotebookImportError(f'The notebook title is not valid: {e}') from None
    notebook = Notebook(owner_id=user.id, title=title)
    importable = [s for s in bundle.sources if s.pages]
    skipped = [s.title for s in bundle.sources if not s.pages]
    planned = await asyncio.to_thread(lambda: [_plan_source(s, notebook.id, user) for s in importable])
    try:
        for plan in planned:
            if plan.drafts:
                plan.model, plan.blobs = await embed_passages([(d.heading, d.text) for d in plan.drafts])
    except Exception as e:  # noqa: BLE001 - the embedding service is down: nothing was written yet
        logger.opt(exception=e).warning('embedding imported sources failed')
        raise NotebookImportError(
            'Indexing the imported sources failed, so nothing was created. Try the import again in a few minutes.'
        ) from e
    written = await asyncio.to_thread(_write_files, planned)
    try:
        result = await asyncio.to_thread(_write_rows, user, bundle, notebook, planned)
    except BaseException as e:
        _remove(written)
        if isinstance(e, Exception):
            logger.opt(exception=e).warning('notebook import failed')
            raise NotebookImportError(
                'The import failed and nothing was created. Check that the file is an unmodified AurenLM export.'
            ) from e
        raise
    result.skipped_sources = skipped
    repos.notebooks.touch(notebook.id)
    logger.info(
        f'imported notebook {notebook.id} for {user.id}: {result.sources} sources, {result.notes} notes, '
        f'{result.messages} messages, {result.artifacts} artifacts'
    )
    return result


def describe(result: ImportResult) -> str:
    """One line for the notification after an import."""
    text = (
        f'Imported “{result.notebook.title}”: {result.sources} sources, {result.notes} notes, '
        f'{result.messages} messages, {result.artifacts} studio items.'
    )
    if result.skipped_sources:
        text += f' {len(result.skipped_sources)} source(s) had no text in the export and were left out.'
    return text
