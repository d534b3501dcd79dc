"""The notebook JSON export format (schema version 1), as pydantic models that also validate imports.

Every string, list and number has a bound, unknown fields are refused, and types are strict, so a hostile or
damaged file fails validation before anything is written.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

SCHEMA_VERSION = 1
APP = 'AurenLM'

Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Title = Annotated[str, StringConstraints(max_length=300)]
Short = Annotated[str, StringConstraints(max_length=120)]
Quote = Annotated[str, StringConstraints(max_length=100_000)]
ErrorText = Annotated[str, StringConstraints(max_length=2_000)]
Body = Annotated[str, StringConstraints(max_length=500_000)]
MessageText = Annotated[str, StringConstraints(max_length=1_000_000)]
PageText = Annotated[str, StringConstraints(max_length=10_000_000)]  # a text source is one page
Sha = Annotated[str, StringConstraints(pattern=r'^[0-9a-f]{64}$')]
Count = Annotated[int, Field(ge=0, le=100_000_000)]

MAX_JSON_FIELD = 2_000_000  # serialized size of one free-form JSON value (artifact data, a source guide)
MAX_OPTIONS = 10_000

SOURCE_KINDS = ('pdf', 'docx', 'html', 'markdown', 'text', 'url', 'note')
ARTIFACT_KINDS = ('mindmap', 'quiz', 'flashcards', 'study_guide', 'briefing', 'faq', 'timeline')


def aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _bounded_json(limit: int, what: str) -> AfterValidator:
    """A free-form JSON value whose serialized size stays under `limit` characters."""

    def check(value: Any) -> Any:
        if value is not None and len(json.dumps(value, ensure_ascii=False, default=str)) > limit:
            raise ValueError(f'{what} is larger than {limit:,} characters')
        return value

    return AfterValidator(check)


class Model(BaseModel):
    model_config = ConfigDict(extra='forbid', strict=True)


class Stamped(Model):
    created_at: datetime

    @field_validator('created_at', 'updated_at', check_fields=False)
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return aware(value)


class CitationOut(Model):
    """One citation: marker n in the text points at a passage (chunk) of a source."""

    marker: int = Field(ge=0, le=9999)
    source_id: Id | None = None
    chunk_id: int | None = Field(default=None, ge=0)
    page: int = Field(default=1, ge=0, le=1_000_000)
    quote: Quote = ''
    source_title: Title = ''


class PageOut(Model):
    page: int = Field(ge=1, le=100_000)
    text: PageText


class ChunkOut(Model):
    """Where a passage sits in its page; its text is `pages[page].text[char_start:char_end]`."""

    id: int = Field(ge=0)
    ordinal: int = Field(ge=0, le=1_000_000)
    page: int = Field(ge=1, le=100_000)
    char_start: int = Field(ge=0, le=10_000_000)
    char_end: int = Field(ge=0, le=10_000_000)
    heading: Annotated[str, StringConstraints(max_length=2_000)] = ''


class SourceOut(Stamped):
    id: Id
    kind: Literal['pdf', 'docx', 'html', 'markdown', 'text', 'url', 'note']
    title: Title
    filename: Title | None = None
    url: Annotated[str, StringConstraints(max_length=2_000)] | None = None
    mime: Short = ''
    sha256: Sha
    status: Literal['queued', 'processing', 'ready', 'failed'] = 'ready'
    page_count: Count = 0
    word_count: Count = 0
    guide: Annotated[dict[str, Any] | None, _bounded_json(200_000, 'The source guide')] = None
    outline: Annotated[list[Any] | None, _bounded_json(MAX_JSON_FIELD, 'The source outline')] = None
    pages: list[PageOut] = Field(default_factory=list, max_length=100_000)
    chunks: list[ChunkOut] = Field(default_factory=list, max_length=100_000)


class VersionOut(Stamped):
    id: Id
    title: Title = ''
    body: Body = ''
    updated_at: datetime
    author: Title = ''


class NoteOut(Stamped):
    id: Id
    title: Title = ''
    body: Body = ''
    kind: Literal['note', 'answer', 'report'] = 'note'
    citations: list[CitationOut] = Field(default_factory=list, max_length=1_000)
    source_id: Id | None = None
    updated_at: datetime
    versions: list[VersionOut] = Field(default_factory=list, max_length=1_000)


class MessageOut(Stamped):
    id: Id
    role: Literal['user', 'assistant']
    content: MessageText = ''
    status: Literal['complete', 'streaming', 'interrupted', 'failed'] = 'complete'
    error: ErrorText | None = None
    engine: Short = ''
    reply_to_id: Id | None = None
    superseded_by: Id | None = None
    citations: list[CitationOut] = Field(default_factory=list, max_length=200)


class ArtifactOut(Stamped):
    id: Id
    kind: Literal['mindmap', 'quiz', 'flashcards', 'study_guide', 'briefing', 'faq', 'timeline']
    title: Title = ''
    status: Literal['queued', 'running', 'done', 'failed', 'cancelled'] = 'done'
    engine: Short = ''
    data: Annotated[dict[str, Any] | None, _bounded_json(MAX_JSON_FIELD, 'The artifact data')] = None
    options: Annotated[dict[str, Any], _bounded_json(MAX_OPTIONS, 'The artifact options')] = Field(default_factory=dict)
    source_ids: list[Id] = Field(default_factory=list, max_length=500)
    source_hash: Annotated[str, StringConstraints(max_length=64)] = ''
    version: int = Field(default=1, ge=1, le=100_000)
    parent_id: Id | None = None
    error: ErrorText | None = None


class NotebookOut(Stamped):
    id: Id
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class Bundle(Model):
    """A notebook, or part of one. Only scope 'notebook' can be imported."""

    schema_version: Literal[1]
    app: Short = APP
    scope: Literal['notebook', 'note', 'chat', 'artifact'] = 'notebook'
    exported_at: datetime
    exported_by: Title = ''
    notebook: NotebookOut
    sources: list[SourceOut] = Field(default_factory=list, max_length=1_000)
    notes: list[NoteOut] = Field(default_factory=list, max_length=5_000)
    messages: list[MessageOut] = Field(default_factory=list, max_length=50_000)
    artifacts: list[ArtifactOut] = Field(default_factory=list, max_length=2_000)


class Probe(BaseModel):
    """Just enough to tell a different schema version from a broken file."""

    model_config = ConfigDict(extra='ignore')
    schema_version: Any = None
    app: Any = None
    scope: Any = None


def _int(value: Any, default: int | None) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else default


def citation_from(row: Any, titles: dict[str, str]) -> CitationOut:
    """A citation row, a note's stored reference or an artifact's citation, read defensively."""
    get = row.get if isinstance(row, dict) else lambda name, default=None: getattr(row, name, default)
    source_id = get('source_id')
    source_id = source_id[:64] if isinstance(source_id, str) and source_id else None
    stored = get('source_title', '')
    stored = stored if isinstance(stored, str) else ''
    return CitationOut(
        marker=min(_int(get('marker', 0), 0), 9999),
        source_id=source_id,
        chunk_id=_int(get('chunk_id'), None),
        page=min(_int(get('page', 1), 1), 1_000_000),
        quote=str(get('quote', '') or '')[:100_000],
        source_title=(titles.get(source_id or '') or stored or 'Deleted source')[:300],
    )
