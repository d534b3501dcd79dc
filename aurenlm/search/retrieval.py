"""Retrieval for chat: full text and embeddings fused by reciprocal rank, over an in-memory index per notebook.

The database stays the durable store (FTS5 / tsvector serve search); the in-memory index is rebuilt per source
when a notebook's chunks change, so a question costs one small version query plus numpy work.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import numpy as np
from sqlmodel import select

from aurenlm import db
from aurenlm.llm.base import Passage
from aurenlm.models import Source, SourceChunk
from aurenlm.search import embeddings
from aurenlm.search.index import Fusion, Hit, IndexCache, IndexedChunk, NotebookIndex
from aurenlm.search.vectors import query_vector
from aurenlm.text.query import PreparedQuery, prepare

CANDIDATES = 24  # fused hits read before merging neighbours and applying the budget
TOKEN_BUDGET = 3000  # passages sent to the model, in tokens (~1.3 per word)
MAX_PASSAGES = 8

_indexes = IndexCache()  # process-wide cache of search data (not UI state): shared by every user by design


@dataclass(frozen=True)
class SourceStamp:
    source_id: str
    updated_at: datetime


def _stamps(notebook_id: str) -> tuple[SourceStamp, ...]:
    """One row per ready source. Its `updated_at` moves whenever its chunks or their embeddings are rewritten
    (sources.process updates the row after every stage), so a question reads ~50 rows here, not every chunk."""
    with db.session() as s:
        rows = s.exec(
            select(Source.id, Source.updated_at).where(Source.notebook_id == notebook_id, Source.status == 'ready')
        ).all()
    return tuple(sorted((SourceStamp(sid, updated) for sid, updated in rows), key=lambda s: s.source_id))


def _load_chunks(source_id: str) -> tuple[list[IndexedChunk], str | None]:
    """The source's chunks for the index, and the model that embedded them."""
    with db.session() as s:
        rows = s.exec(
            select(
                SourceChunk.id,
                SourceChunk.page,
                SourceChunk.heading,
                SourceChunk.text,
                SourceChunk.embedding,
                SourceChunk.embedding_model,
            )
            .where(SourceChunk.source_id == source_id)
            .order_by(SourceChunk.ordinal)
        ).all()
    chunks = []
    models: Counter[str] = Counter()
    for chunk_id, page, heading, text, blob, model in rows:
        vector = np.frombuffer(blob, dtype='<f4').astype(np.float32) if blob else None
        chunks.append(IndexedChunk(chunk_id, source_id, page, heading, text, vector))
        if model:
            models[model] += 1
    return chunks, (models.most_common(1)[0][0] if models else None)


def notebook_index(notebook_id: str) -> tuple[NotebookIndex, tuple[SourceStamp, ...]]:
    """The notebook's index, updated source by source when its chunks changed. Blocking: call from a thread."""
    stamps = _stamps(notebook_id)

    def build(stale: NotebookIndex | None) -> NotebookIndex:
        index = stale or NotebookIndex()
        old = getattr(index, 'stamps', {})
        models = dict(getattr(index, 'models', {}))
        wanted = {stamp.source_id: stamp for stamp in stamps}
        for source_id in list(index.source_ids):
            if source_id not in wanted:
                index.remove_source(source_id)
                models.pop(source_id, None)
        for source_id, stamp in wanted.items():
            if old.get(source_id) != stamp:
                chunks, models[source_id] = _load_chunks(source_id)
                index.add_source(source_id, chunks)
        index.stamps = wanted  # type: ignore[attr-defined]
        index.models = models  # type: ignore[attr-defined]
        return index

    return _indexes.get(notebook_id, stamps, build), stamps


def forget(notebook_id: str) -> None:
    _indexes.invalidate(notebook_id)


def _model_of(index: NotebookIndex, source_ids: set[str]) -> str:
    by_source: dict[str, str | None] = getattr(index, 'models', {})
    models = Counter(model for source_id, model in by_source.items() if source_id in source_ids and model)
    return models.most_common(1)[0][0] if models else embeddings.OFFLINE_MODEL


async def best_passages(
    notebook_id: str, question: str, source_ids: list[str], *, budget_tokens: int = TOKEN_BUDGET
) -> list[Passage]:
    """The passages that best answer `question` from the selected sources, numbered [1]..[n] for the prompt."""
    if not source_ids or not question.strip():
        return []
    index, _ = await asyncio.to_thread(notebook_index, notebook_id)
    selected = set(source_ids)
    model = _model_of(index, selected)
    prepared = await asyncio.to_thread(prepare, question, embeddings.related_words)
    vector = await query_vector(model, prepared.embed_text or question)
    spans = await asyncio.to_thread(
        ranked_passages, index, prepared, vector, selected, _chunk_rows, budget_tokens=budget_tokens
    )
    if not spans:
        return []
    titles = _titles({span.source_id for span in spans})
    return [
        Passage(n, span.chunk_id, span.source_id, titles.get(span.source_id, ''), span.page, span.heading, span.text)
        for n, span in enumerate(spans, start=1)
    ]


@dataclass(frozen=True, slots=True)
class ChunkRow:
    id: int
    source_id: str
    page: int
    char_start: int
    char_end: int
    heading: str
    text: str


def _chunk_rows(chunk_ids: list[int]) -> dict[int, ChunkRow]:
    """The chunks' offsets and text (not their embeddings), by id; ids deleted meanwhile are simply missing."""
    columns = (
        SourceChunk.id,
        SourceChunk.source_id,
        SourceChunk.page,
        SourceChunk.char_start,
        SourceChunk.char_end,
        SourceChunk.heading,
        SourceChunk.text,
    )
    with db.session() as s:
        rows = s.exec(select(*columns).where(SourceChunk.id.in_(chunk_ids))).all()
    return {row[0]: ChunkRow(*row) for row in rows}


def _titles(source_ids: set[str]) -> dict[str, str]:
    with db.session() as s:
        return dict(s.exec(select(Source.id, Source.title).where(Source.id.in_(source_ids))).all())


def ranked_passages(
    index: NotebookIndex,
    prepared: PreparedQuery,
    vector: np.ndarray | None,
    source_ids: set[str] | None,
    fetch: Callable[[list[int]], Mapping[int, ChunkLike]],
    *,
    budget_tokens: int = TOKEN_BUDGET,
    fusion: Fusion | None = None,
) -> list[Span]:
    """Search, then merge and budget: the whole ranking the app does, for the app and bench/retrieval.py alike.

    `fetch` gives the chunk rows (offsets and text) of chunk ids: the database in the app, a list in the benchmark.
    CPU-bound and, in the app, blocking: call it from a worker thread.
    """
    hits = index.search(prepared, vector, source_ids, CANDIDATES, fusion)
    if not hits:
        return []
    return merge_passages(hits, fetch([hit.chunk_id for hit in hits]), budget_tokens=budget_tokens)


class ChunkLike(Protocol):
    """What merging reads of a chunk; the database rows (`ChunkRow`) and the benchmark's chunks both have it."""

    @property
    def source_id(self) -> str: ...
    @property
    def page(self) -> int: ...
    @property
    def char_start(self) -> int: ...
    @property
    def char_end(self) -> int: ...
    @property
    def heading(self) -> str: ...
    @property
    def text(self) -> str: ...


@dataclass
class Span:
    """A passage before numbering: one or more neighbouring chunks of a page, as one verbatim slice of its text."""

    chunk_id: int  # the best-ranked chunk in it: citations point here
    source_id: str
    page: int
    heading: str
    char_start: int
    char_end: int
    text: str
    chunk_ids: list[int]

    @property
    def tokens(self) -> int:
        return int(len(self.text.split()) * 1.3)


def merge_passages(
    hits: Sequence[Hit],
    chunks: Mapping[int, ChunkLike],
    *,
    budget_tokens: int = TOKEN_BUDGET,
    max_passages: int = MAX_PASSAGES,
) -> list[Span]:
    """The passages the model is given, best first: ranked hits, neighbouring chunks of a page merged, budget applied.

    Pure (no database): `best_passages` and bench/retrieval.py both call it, so the benchmark scores exactly what
    the app sends. Hits whose chunk is not in `chunks` (deleted meanwhile) are skipped.
    """
    spans: list[Span] = []
    for hit in hits:  # best first
        chunk = chunks.get(hit.chunk_id)
        if chunk is None:
            continue
        new = Span(
            hit.chunk_id,
            chunk.source_id,
            chunk.page,
            chunk.heading,
            chunk.char_start,
            chunk.char_end,
            chunk.text,
            [hit.chunk_id],
        )
        home = next((span for span in spans if _absorb(span, new)), None)
        if home is None:
            spans.append(new)
            continue
        # grown, the passage may now reach a later one of the same page: they become one, at the better place
        for other in [span for span in spans if span is not home and _absorb(home, span)]:
            spans.remove(other)
    out: list[Span] = []
    used = 0
    for span in spans:
        if out and used + span.tokens > budget_tokens:
            break
        used += span.tokens
        out.append(span)
        if len(out) >= max_passages:
            break
    return out


def _absorb(span: Span, other: Span) -> bool:
    """Merge `other` into `span` when both are on one page and overlap, using the overlap so text stays verbatim."""
    if other.source_id != span.source_id or other.page != span.page:
        return False
    start, end = span.char_start, span.char_end
    if other.char_start >= start and other.char_end <= end:
        pass  # already inside
    elif start < other.char_start <= end < other.char_end:  # continues after
        span.text += other.text[end - other.char_start :]
        span.char_end = other.char_end
    elif other.char_start < start <= other.char_end < end:  # comes before
        span.text = other.text[: start - other.char_start] + span.text
        span.char_start = other.char_start
    elif other.char_start <= start and other.char_end >= end:  # holds the whole passage
        span.text, span.char_start, span.char_end = other.text, other.char_start, other.char_end
    else:
        return False
    span.chunk_ids.extend(i for i in other.chunk_ids if i not in span.chunk_ids)
    return True
