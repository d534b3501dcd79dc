"""Sources in and out: checks at the door, then a durable job that extracts, chunks, indexes and writes the guide.

A source that fails a check at the door leaves nothing behind: no row, no file. One that fails later, in its
job, stays listed as failed with the reason and a Retry.
"""

from __future__ import annotations

import asyncio
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict
from pathlib import Path

from loguru import logger
from sqlalchemy import delete as sa_delete
from sqlalchemy.exc import IntegrityError

from aurenlm import db, events, jobs, repos
from aurenlm.accounts import quotas
from aurenlm.config import get_settings
from aurenlm.ingest import ChunkDraft, Extracted, IngestError, chunk_pages
from aurenlm.ingest.checks import check_word_limit, check_zip, save_bytes, save_stream
from aurenlm.ingest.clamd import scan
from aurenlm.ingest.document import count_words
from aurenlm.ingest.extract import extract
from aurenlm.ingest.extract_pdf import check_pdf
from aurenlm.ingest.sniff import detect_kind
from aurenlm.ingest.urlfetch import fetch_url
from aurenlm.models import Source, SourceChunk, SourcePage, User, utcnow
from aurenlm.search.vectors import embed_passages
from aurenlm.sharing import access
from aurenlm.sharing.roles import Capability
from aurenlm.sources import guide

MIME = {
    'pdf': 'application/pdf',
    'docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'html': 'text/html',
    'markdown': 'text/markdown',
    'text': 'text/plain',
}
INGEST_JOB = 'ingest_source'


class SourceError(ValueError):
    """Why a source was not added, in words the person can act on."""


class SourceForbidden(access.Forbidden, SourceError):
    """The member's role does not let them add, rename or remove sources (a viewer)."""


def files_dir() -> Path:
    path = get_settings().files_dir
    path.mkdir(parents=True, exist_ok=True)
    return path


EXTENSIONS = {
    'pdf': 'pdf',
    'docx': 'docx',
    'html': 'html',
    'url': 'html',
    'markdown': 'md',
    'text': 'txt',
    'note': 'md',
}


def extension(source: Source) -> str:
    if source.kind == 'url' and source.mime == 'application/pdf':
        return 'pdf'
    return EXTENSIONS.get(source.kind, 'bin')


def file_path(source: Source) -> Path | None:
    return files_dir() / source.file_name if source.file_name else None


@access.guarded(Capability.READ, via='source_id')
def for_download(user: User, source_id: str) -> Source | None:
    """A source whose original file the user may download (every member may); None when it is not theirs to see."""
    return repos.sources.get(user, source_id)


def _temp_path() -> Path:
    return files_dir() / f'upload-{uuid.uuid4().hex}.part'


def _check_room(user: User, notebook_id: str) -> None:
    if access.require(user, notebook_id, Capability.EDIT_SOURCES, refuse=SourceForbidden, where='sources.add') is None:
        raise SourceError('This notebook is not available. Go back to your notebooks and open it again.')
    limit = get_settings().max_sources_per_notebook
    if repos.sources.count_in(notebook_id) >= limit:
        raise SourceError(f'This notebook has reached its limit of {limit} sources. Remove one to add another.')
    problem = quotas.source_problem(user, notebook_id) or quotas.storage_problem(user, notebook_id)
    if problem:
        raise SourceError(problem)


def _title_from(filename: str | None, fallback: str) -> str:
    if not filename:
        return fallback
    stem = Path(filename).name.rsplit('.', 1)[0] if '.' in Path(filename).name else Path(filename).name
    return (stem.replace('_', ' ').strip() or fallback)[:300]


@access.declares(Capability.EDIT_SOURCES)
async def add_upload(user: User, notebook_id: str, filename: str, chunks: AsyncIterator[bytes]) -> Source:
    """Stream an upload to disk under the size cap, check it, and queue it for processing."""
    _check_room(user, notebook_id)
    temp = _temp_path()
    try:
        size, sha256 = await save_stream(chunks, temp, get_settings().max_upload_bytes)
        return await _accept(user, notebook_id, temp, size=size, sha256=sha256, filename=filename, url=None)
    finally:
        temp.unlink(missing_ok=True)


@access.declares(Capability.EDIT_SOURCES)
async def add_url(user: User, notebook_id: str, url: str) -> Source:
    _check_room(user, notebook_id)
    settings = get_settings()
    url = (url or '').strip()
    if not url:
        raise SourceError('Paste a web address, like https://example.org/article.')
    fetched = await fetch_url(
        url,
        max_bytes=settings.max_upload_bytes,
        timeout_s=settings.url_fetch_timeout_s,
        allow_private=settings.allow_private_urls,
    )
    temp = _temp_path()
    try:
        size, sha256 = save_bytes(fetched.body, temp, settings.max_upload_bytes)
        return await _accept(
            user, notebook_id, temp, size=size, sha256=sha256, filename=fetched.filename, url=fetched.final_url
        )
    finally:
        temp.unlink(missing_ok=True)


@access.declares(Capability.EDIT_SOURCES)
async def add_text(user: User, notebook_id: str, title: str, body: str, *, kind: str = 'text') -> Source:
    """Pasted text (or a note turned into a source): stored as a Markdown file like any upload."""
    _check_room(user, notebook_id)
    title = ' '.join((title or '').split())[:300]
    if not (body or '').strip():
        raise SourceError('Paste some text first.')
    if not title:
        raise SourceError('Give the text a title.')
    check_word_limit(count_words(body), get_settings().max_words_per_source)
    temp = _temp_path()
    try:
        size, sha256 = save_bytes(body.encode('utf-8'), temp, get_settings().max_upload_bytes)
        return await _accept(
            user, notebook_id, temp, size=size, sha256=sha256, filename=f'{title}.md', url=None, title=title, kind=kind
        )
    finally:
        temp.unlink(missing_ok=True)


async def _accept(
    user: User,
    notebook_id: str,
    temp: Path,
    *,
    size: int,
    sha256: str,
    filename: str | None,
    url: str | None,
    title: str | None = None,
    kind: str | None = None,
) -> Source:
    settings = get_settings()
    detected = 'markdown' if kind in ('text', 'note') else await asyncio.to_thread(detect_kind, temp, filename)
    if detected == 'pdf':
        await asyncio.to_thread(check_pdf, temp)
    if detected == 'docx':
        await asyncio.to_thread(check_zip, temp, settings.max_zip_uncompressed_mb * 1024 * 1024, settings.max_zip_ratio)
    if detected in ('text', 'markdown') and kind is None:
        # cheap for text: refuse oversized text at the door instead of failing later
        extracted = await asyncio.to_thread(extract, temp, detected)
        check_word_limit(extracted.word_count, settings.max_words_per_source)
    if settings.clamd_socket:
        await scan(temp, settings.clamd_socket)
    existing = repos.sources.by_sha256(notebook_id, sha256)
    if existing is not None:
        raise SourceError(f'This file is already in the notebook as “{existing.title}”.')
    problem = quotas.storage_problem(user, notebook_id, size)
    if problem:
        raise SourceError(problem)
    source_kind = 'note' if kind == 'note' else ('url' if url else detected)
    name = uuid.uuid4().hex
    source = Source(
        notebook_id=notebook_id,
        added_by=user.id,
        kind=source_kind,
        title=title or _title_from(filename, url or 'Untitled source'),
        filename=Path(filename).name[:300] if filename else None,
        url=url,
        mime=MIME.get(detected, 'application/octet-stream'),
        size=size,
        sha256=sha256,
        file_name=name,
        status='queued',
        stage='queued',
    )
    final = files_dir() / name
    shutil.move(temp, final)
    try:
        jobs.enqueue(
            INGEST_JOB, {'source_id': source.id, 'kind': detected}, user_id=user.id, notebook_id=notebook_id, row=source
        )
    except IntegrityError:
        final.unlink(missing_ok=True)
        raise SourceError('This file is already in the notebook.') from None
    except BaseException:
        final.unlink(missing_ok=True)
        raise
    jobs.wake()
    repos.notebooks.touch(notebook_id)
    _announce(source)
    return source


def source_event(source: Source) -> dict:
    return {
        'type': 'source',
        'source_id': source.id,
        'status': source.status,
        'stage': source.stage,
        'progress': source.progress,
        'error': source.error,
    }


def _announce(source: Source) -> None:
    events.publish(events.notebook_topic(source.notebook_id), source_event(source))


def _update(source_id: str, **values) -> Source | None:
    with db.session() as s:
        row = s.get(Source, source_id)
        if row is None:
            return None
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = utcnow()
        s.add(row)
        s.commit()
    _announce(row)
    return row


@jobs.handler(INGEST_JOB)
async def process(ctx: jobs.JobContext) -> None:
    """extract -> chunk -> index -> embed -> guide, with progress the page shows live."""
    source_id, kind = ctx.payload['source_id'], ctx.payload['kind']
    with db.session() as s:
        source = s.get(Source, source_id)
    if source is None:
        return  # deleted while queued
    if not access.still_allowed(ctx.job.user_id, source.notebook_id, Capability.EDIT_SOURCES):
        raise jobs.PermanentJobError(
            'The person who added this source can no longer change this notebook. An editor can press Retry.'
        )
    path = file_path(source)
    if path is None or not path.exists():
        raise jobs.PermanentJobError('The stored file is missing. Delete this source and add it again.')
    started = time.perf_counter()
    _update(source_id, status='processing', stage='extracting', progress=0.05, error=None)
    await ctx.progress(0.05, 'Extracting text', force=True)
    try:
        extracted: Extracted = await asyncio.to_thread(extract, path, kind)
        check_word_limit(extracted.word_count, get_settings().max_words_per_source)
    except IngestError as e:
        raise jobs.PermanentJobError(str(e)) from e
    _update(source_id, stage='indexing', progress=0.45)
    await ctx.progress(0.45, 'Indexing', force=True)
    drafts = chunk_pages(extracted.pages)
    await asyncio.to_thread(_store_text, source, extracted, drafts)
    _update(source_id, stage='embedding', progress=0.65)
    await ctx.progress(0.65, 'Embedding', force=True)
    await embed_source(source_id)
    _update(source_id, stage='guide', progress=0.85)
    await ctx.progress(0.85, 'Writing the source guide', force=True)
    try:
        source_guide = await guide.write_guide(source, extracted)
    except Exception:  # noqa: BLE001 - a guide is a nicety: the source is usable without one
        logger.exception(f'source guide failed for {source_id}')
        source_guide = None
    _update(source_id, status='ready', stage='ready', progress=1.0, guide=source_guide)
    logger.info(
        f'source {source_id} ready: {len(extracted.pages)} pages, {len(drafts)} chunks '
        f'in {time.perf_counter() - started:.2f} s'
    )


def chunk_rows(
    source: Source, drafts: Sequence[ChunkDraft], blobs: Sequence[bytes] | None = None, model: str | None = None
) -> list[SourceChunk]:
    """The passage rows of a source, one per draft, with their embeddings when they are known already.

    Ingest and import both write passages; this is the one place that says how a draft becomes a row.
    """
    embeddings: Sequence[bytes | None] = blobs if blobs is not None else [None] * len(drafts)
    return [
        SourceChunk(
            source_id=source.id,
            notebook_id=source.notebook_id,
            embedding=blob,
            embedding_model=model or None,
            **asdict(draft),
        )
        for draft, blob in zip(drafts, embeddings, strict=True)
    ]


def _store_text(source: Source, extracted: Extracted, drafts: list[ChunkDraft]) -> None:
    """Pages and chunks in one transaction; a retry replaces what an earlier attempt wrote."""
    with db.session() as s:
        s.exec(sa_delete(SourceChunk).where(SourceChunk.source_id == source.id))
        s.exec(sa_delete(SourcePage).where(SourcePage.source_id == source.id))
        s.add_all(SourcePage(source_id=source.id, page=p.number, text=p.text) for p in extracted.pages)
        s.add_all(chunk_rows(source, drafts))
        row = s.get(Source, source.id)
        row.page_count = len(extracted.pages)
        row.word_count = extracted.word_count
        row.outline = [entry.to_dict() for entry in extracted.outline]
        if not row.title or row.title == 'Untitled source':
            row.title = (extracted.title or row.title)[:300]
        s.add(row)
        s.commit()


async def embed_source(source_id: str) -> None:
    """Embeddings for every chunk of a source, stored as float32 blobs beside the chunk."""
    chunks = repos.sources.chunks_of(source_id)
    if not chunks:
        return
    model, blobs = await embed_passages([(c.heading, c.text) for c in chunks])
    with db.session() as s:
        for c, blob in zip(chunks, blobs, strict=True):
            row = s.get(SourceChunk, c.id)
            row.embedding, row.embedding_model = blob, model
            s.add(row)
        s.commit()


@jobs.on_failure(INGEST_JOB)
def _mark_failed(job) -> None:
    status = 'failed'
    error = job.error or 'Processing failed. Press Retry.'
    if job.status == 'cancelled':
        error = 'Processing was cancelled. Press Retry to process it again.'
    _update(job.ref_id, status=status, stage='failed', error=error)


@access.guarded(Capability.EDIT_SOURCES, via='source_id', refuse=SourceForbidden)
def retry(user: User, source_id: str) -> Source | None:
    source = repos.sources.get(user, source_id)
    if source is None:
        return None
    if source.status not in ('failed',):
        return source
    detected = 'markdown' if source.kind in ('note',) else None
    path = file_path(source)
    if detected is None and path is not None and path.exists():
        detected = detect_kind(path, source.filename)
    source.status, source.stage, source.progress, source.error = 'queued', 'queued', 0.0, None
    jobs.enqueue(
        INGEST_JOB,
        {'source_id': source.id, 'kind': detected or 'text'},
        user_id=user.id,
        notebook_id=source.notebook_id,
        row=source,
    )
    _announce(source)
    return source


@access.guarded(Capability.EDIT_SOURCES, via='source_id', refuse=SourceForbidden)
def rename(user: User, source_id: str, title: str) -> Source | None:
    """Raises ValueError for an empty title; None when the source is not the user's to see."""
    return repos.sources.rename(user, source_id, title)


@access.guarded(Capability.EDIT_SOURCES, via='source_id', missing=False, refuse=SourceForbidden)
def delete(user: User, source_id: str) -> bool:
    """Rows first, in one transaction; then the file. A crash in between leaves a file the sweep removes."""
    source = repos.sources.get(user, source_id)
    if source is None:
        return False
    for job in _running_jobs(source.id):
        jobs.cancel(job)
    repos.sources.delete_rows(source)
    path = file_path(source)
    if path is not None:
        path.unlink(missing_ok=True)
    guide.forget(source.sha256)
    events.publish(events.notebook_topic(source.notebook_id), {'type': 'source_deleted', 'source_id': source.id})
    return True


def _running_jobs(source_id: str) -> list[str]:
    from sqlmodel import select

    from aurenlm.models import Job

    with db.session() as s:
        return list(s.exec(select(Job.id).where(Job.ref_id == source_id, Job.status.in_(('queued', 'running')))))


def sweep_orphan_files(min_age_s: float = 3600) -> int:
    """Remove stored files that no source row points to (left by a crash between commit and unlink)."""
    known = repos.sources.all_file_names()
    removed = 0
    now = time.time()
    for path in files_dir().iterdir():
        if path.name in known or not path.is_file():
            continue
        if now - path.stat().st_mtime < min_age_s:
            continue  # an upload in flight
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def delete_notebook(user: User, notebook_id: str) -> bool:
    """The notebook with everything in it, and then its stored files. Callers go through
    `aurenlm.sharing.service.delete_notebook`, which checks the role; `repos.notebooks.delete` lets only the owner."""
    owned = [s for s in repos.sources.list_for(user, notebook_id)]
    if not repos.notebooks.delete(user, notebook_id):
        return False
    for source in owned:
        path = file_path(source)
        if path is not None:
            path.unlink(missing_ok=True)
        guide.forget(source.sha256)
    return True
