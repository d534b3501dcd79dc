"""Exports: a notebook, a note, the conversation or a studio artifact as Markdown, JSON or PDF.

Everything is first collected into the JSON export model (`export_schema.Bundle`), so the three formats show the
same data; Markdown and PDF are rendered from it by `export_doc` and `export_pdf`. Rendering runs off the event loop.
Every call takes the acting user first; somebody else's notebook answers None, exactly like a missing one.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aurenlm import repos
from aurenlm.exchange import document as export_doc
from aurenlm.exchange import pdf as export_pdf
from aurenlm.exchange.schema import (
    ARTIFACT_KINDS,
    SCHEMA_VERSION,
    ArtifactOut,
    Bundle,
    ChunkOut,
    MessageOut,
    NotebookOut,
    NoteOut,
    PageOut,
    SourceOut,
    VersionOut,
    citation_from,
)
from aurenlm.models import Artifact, ChatMessage, Note, Notebook, Source, User, utcnow
from aurenlm.repos import artifacts as artifact_repo
from aurenlm.repos import notes as note_repo
from aurenlm.sharing import access
from aurenlm.sharing.roles import Capability
from aurenlm.studio import artifacts as artifact_service

FORMATS = {
    'md': ('text/markdown; charset=utf-8', 'md'),
    'json': ('application/json', 'json'),
    'pdf': ('application/pdf', 'pdf'),
}


class ExportError(ValueError):
    """A request that cannot be served; the message is safe to show."""


@dataclass
class Exported:
    content: bytes
    media_type: str
    filename: str


def check_format(fmt: str | None) -> str:
    fmt = (fmt or '').lower().strip()
    if fmt == 'markdown':
        fmt = 'md'
    if fmt not in FORMATS:
        raise ExportError('Choose a format: md, json or pdf.')
    return fmt


# -- collecting -----------------------------------------------------------------------------------------------------


def _source_out(source: Source, pages, chunks) -> SourceOut:
    return SourceOut(
        id=source.id,
        kind=source.kind if source.kind in export_doc.KIND_LABELS else 'text',
        title=source.title,
        filename=source.filename,
        url=source.url,
        mime=source.mime[:120],
        sha256=source.sha256,
        status=source.status if source.status in ('queued', 'processing', 'ready', 'failed') else 'failed',
        page_count=source.page_count,
        word_count=source.word_count,
        guide=source.guide,
        outline=source.outline,
        created_at=source.created_at,
        pages=[PageOut(page=p.page, text=p.text) for p in pages],
        chunks=[
            ChunkOut(id=cid, ordinal=ordinal, page=page, char_start=start, char_end=end, heading=heading[:2_000])
            for cid, ordinal, page, start, end, heading in chunks
        ],
    )


def _note_out(note: Note, versions, titles: dict[str, str]) -> NoteOut:
    return NoteOut(
        id=note.id,
        title=note.title,
        body=note.body,
        kind=note.kind if note.kind in ('note', 'answer', 'report') else 'note',
        citations=[citation_from(c, titles) for c in note.citations if isinstance(c, dict)],
        source_id=note.source_id,
        created_at=note.created_at,
        updated_at=note.updated_at,
        versions=[
            VersionOut(
                id=v.id, title=v.title, body=v.body, created_at=v.created_at, updated_at=v.updated_at, author=v.author
            )
            for v in versions
        ],
    )


def _message_out(message: ChatMessage, cites, titles: dict[str, str]) -> MessageOut:
    return MessageOut(
        id=message.id,
        role=message.role,
        content=message.content,
        status=message.status,
        error=message.error[:2_000] if message.error else None,
        engine=message.engine[:120],
        reply_to_id=message.reply_to_id,
        superseded_by=message.superseded_by,
        created_at=message.created_at,
        citations=[citation_from(c, titles) for c in cites],
    )


def _artifact_out(artifact: Artifact, full: bool) -> ArtifactOut:
    data = artifact.data if full else artifact_service.public_data(artifact)
    return ArtifactOut(
        id=artifact.id,
        kind=artifact.kind,
        title=artifact.title,
        status=artifact.status,
        engine=artifact.engine,
        data=data,
        options=dict(artifact.options),
        source_ids=list(artifact.source_ids),
        source_hash=artifact.source_hash,
        version=artifact.version,
        parent_id=artifact.parent_id,
        error=artifact.error[:2_000] if artifact.error else None,
        created_at=artifact.created_at,
    )


def _bundle(user: User, notebook: Notebook, scope: str, **parts) -> Bundle:
    return Bundle(
        schema_version=SCHEMA_VERSION,
        scope=scope,
        exported_at=utcnow(),
        exported_by=(user.display_name or user.email)[:300],
        notebook=NotebookOut(id=notebook.id, title=notebook.title, created_at=notebook.created_at),
        **parts,
    )


def _sources_out(user: User, notebook_id: str, *, with_text: bool) -> tuple[list[SourceOut], dict[str, str]]:
    listed = repos.sources.list_for(user, notebook_id)
    ready = [s.id for s in listed if s.status == 'ready'] if with_text else []
    pages = repos.sources.source_pages(ready)
    chunks = repos.sources.chunk_positions(ready)
    out = [_source_out(s, pages.get(s.id, []), chunks.get(s.id, [])) for s in listed]
    return out, {s.id: s.title for s in listed}


def _notes_out(user: User, notes: list[Note], titles: dict[str, str]) -> list[NoteOut]:
    versions = note_repo.all_versions([n.id for n in notes])
    return [_note_out(n, versions.get(n.id, []), titles) for n in notes]


def _messages_out(user: User, notebook_id: str, titles: dict[str, str]) -> list[MessageOut]:
    messages = repos.messages.all_for(user, notebook_id)
    cites = repos.messages.citations([m.id for m in messages if m.role == 'assistant'])
    return [_message_out(m, cites.get(m.id, []), titles) for m in messages]


def notebook_bundle(user: User, notebook_id: str, *, with_text: bool = True) -> Bundle | None:
    """Everything in the notebook; `with_text` adds each ready source's pages and passage positions (JSON)."""
    notebook = repos.notebooks.get(user, notebook_id)
    if notebook is None:
        return None
    sources, titles = _sources_out(user, notebook_id, with_text=with_text)
    full = access.can(user, notebook_id, Capability.GENERATE)  # a quiz's answers: for who makes quizzes
    return _bundle(
        user,
        notebook,
        'notebook',
        sources=sources,
        notes=_notes_out(user, note_repo.all_for(user, notebook_id), titles),
        messages=_messages_out(user, notebook_id, titles),
        artifacts=[
            _artifact_out(a, full)
            for a in reversed(artifact_repo.list_for(user, notebook_id))
            if a.kind in ARTIFACT_KINDS  # a kind this export format does not know yet is left out
        ],
    )


def note_bundle(user: User, note_id: str) -> Bundle | None:
    note = note_repo.get(user, note_id)
    notebook = repos.notebooks.get(user, note.notebook_id) if note else None
    if note is None or notebook is None:
        return None
    titles = {s.id: s.title for s in repos.sources.list_for(user, notebook.id)}
    return _bundle(user, notebook, 'note', notes=_notes_out(user, [note], titles))


def chat_bundle(user: User, notebook_id: str) -> Bundle | None:
    notebook = repos.notebooks.get(user, notebook_id)
    if notebook is None:
        return None
    titles = {s.id: s.title for s in repos.sources.list_for(user, notebook_id)}
    return _bundle(user, notebook, 'chat', messages=_messages_out(user, notebook_id, titles))


def artifact_bundle(user: User, artifact_id: str) -> Bundle | None:
    artifact = artifact_repo.get(user, artifact_id)
    notebook = repos.notebooks.get(user, artifact.notebook_id) if artifact else None
    if artifact is None or notebook is None:
        return None
    if artifact.kind not in ARTIFACT_KINDS:
        raise ExportError('This kind of studio output cannot be exported yet.')
    full = access.can(user, notebook.id, Capability.GENERATE)
    return _bundle(user, notebook, 'artifact', artifacts=[_artifact_out(artifact, full)])


# -- the public calls -----------------------------------------------------------------------------------------------


def render(bundle: Bundle, fmt: str) -> bytes:
    """Blocking: call it from a thread (PDF rendering takes a while)."""
    if fmt == 'json':
        return bundle.model_dump_json(indent=2).encode('utf-8')
    doc = export_doc.build_doc(bundle)
    if fmt == 'md':
        return export_doc.render_markdown(doc).encode('utf-8')
    return export_pdf.render_pdf(doc)


def _stamp() -> str:
    return utcnow().strftime('%Y-%m-%d')


async def _export(collect, fmt: str, name: str) -> Exported | None:
    fmt = check_format(fmt)
    bundle = await asyncio.to_thread(collect, fmt)
    if bundle is None:
        return None
    content = await asyncio.to_thread(render, bundle, fmt)
    media_type, extension = FORMATS[fmt]
    return Exported(content, media_type, f'{name(bundle)} {_stamp()}.{extension}')


@access.guarded(Capability.READ, via='notebook_id')
async def export_notebook(user: User, notebook_id: str, fmt: str) -> Exported | None:
    """The whole notebook; None when it is not the user's. The JSON form can be imported back."""
    return await _export(
        lambda f: notebook_bundle(user, notebook_id, with_text=f == 'json'), fmt, lambda b: b.notebook.title
    )


@access.guarded(Capability.READ, via='note_id')
async def export_note(user: User, note_id: str, fmt: str) -> Exported | None:
    return await _export(lambda f: note_bundle(user, note_id), fmt, lambda b: b.notes[0].title or 'Untitled note')


@access.guarded(Capability.READ, via='notebook_id')
async def export_chat(user: User, notebook_id: str, fmt: str) -> Exported | None:
    """The user's own chat: each member's chat is private (repos.messages)."""
    return await _export(lambda f: chat_bundle(user, notebook_id), fmt, lambda b: f'{b.notebook.title} chat')


@access.guarded(Capability.READ, via='artifact_id')
async def export_artifact(user: User, artifact_id: str, fmt: str) -> Exported | None:
    return await _export(
        lambda f: artifact_bundle(user, artifact_id), fmt, lambda b: b.artifacts[0].title or 'Artifact'
    )
