"""Retrieval for chat: full text and embeddings fused by reciprocal rank, over an in-memory index per notebook.

The database stays the durable store (FTS5 / tsvector serve search); the in-memory index is rebuilt per source
when a notebook's chunks change, so a question costs one small version query plus numpy work.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func
from sqlmodel import select

from aurenlm import db, embeddings
from aurenlm.llm.base import Passage
from aurenlm.models import Source, SourceChunk
from aurenlm.passage_vectors import query_vector
from aurenlm.query import prepare
from aurenlm.search_index import IndexCache, IndexedChunk, NotebookIndex

CANDIDATES = 24  # fused hits read before merging neighbours and applying the budget
TOKEN_BUDGET = 3000  # passages sent to the model, in tokens (~1.3 per word)
MAX_PASSAGES = 8

_indexes = IndexCache()  # process-wide cache of search data (not UI state): shared by every user by design


@dataclass(frozen=True)
class SourceStamp:
    source_id: str
    chunks: int
    last_chunk_id: int
    model: str | None


def _stamps(notebook_id: str) -> tuple[SourceStamp, ...]:
    """One row per source with chunks: changes whenever a source is added, re-indexed or deleted."""
    with db.session() as s:
        rows = s.exec(
            select(
                SourceChunk.source_id,
                func.count(SourceChunk.id),
                func.max(SourceChunk.id),
                func.max(SourceChunk.embedding_model),
            )
            .where(SourceChunk.notebook_id == notebook_id)
            .group_by(SourceChunk.source_id)
        ).all()
    return tuple(sorted((SourceStamp(sid, n, last, model) for sid, n, last, model in rows), key=lambda s: s.source_id))


def _load_chunks(source_id: str) -> list[IndexedChunk]:
    with db.session() as s:
        rows = s.exec(
            select(SourceChunk.id, SourceChunk.page, SourceChunk.heading, SourceChunk.text, SourceChunk.embedding)
            .where(SourceChunk.source_id == source_id)
            .order_by(SourceChunk.ordinal)
        ).all()
    chunks = []
    for chunk_id, page, heading, text, blob in rows:
        vector = np.frombuffer(blob, dtype='<f4').astype(np.float32) if blob else None
        chunks.append(IndexedChunk(chunk_id, source_id, page, heading, text, vector))
    return chunks


def notebook_index(notebook_id: str) -> tuple[NotebookIndex, tuple[SourceStamp, ...]]:
    """The notebook's index, updated source by source when its chunks changed. Blocking: call from a thread."""
    stamps = _stamps(notebook_id)

    def build(stale: NotebookIndex | None) -> NotebookIndex:
        index = stale or NotebookIndex()
        old = getattr(index, 'stamps', {})
        wanted = {stamp.source_id: stamp for stamp in stamps}
        for source_id in list(index.source_ids):
            if source_id not in wanted:
                index.remove_source(source_id)
        for source_id, stamp in wanted.items():
            if old.get(source_id) != stamp:
                index.add_source(source_id, _load_chunks(source_id))
        index.stamps = wanted  # type: ignore[attr-defined]
        return index

    return _indexes.get(notebook_id, stamps, build), stamps


def forget(notebook_id: str) -> None:
    _indexes.invalidate(notebook_id)


def _model_of(stamps: tuple[SourceStamp, ...], source_ids: set[str]) -> str:
    models = Counter(s.model for s in stamps if s.source_id in source_ids and s.model)
    return models.most_common(1)[0][0] if models else embeddings.OFFLINE_MODEL


async def best_passages(
    notebook_id: str, question: str, source_ids: list[str], *, budget_tokens: int = TOKEN_BUDGET
) -> list[Passage]:
    """The passages that best answer `question` from the selected sources, numbered [1]..[n] for the prompt."""
    if not source_ids or not question.strip():
        return []
    index, stamps = await asyncio.to_thread(notebook_index, notebook_id)
    selected = set(source_ids)
    model = _model_of(stamps, selected)
    prepared = await asyncio.to_thread(prepare, question, embeddings.related_words)
    vector = await query_vector(model, prepared.embed_text or question)
    hits = await asyncio.to_thread(index.search, prepared, vector, selected, CANDIDATES)
    return _passages([hit.chunk_id for hit in hits], budget_tokens)


def _passages(chunk_ids: list[int], budget_tokens: int) -> list[Passage]:
    if not chunk_ids:
        return []
    with db.session() as s:
        rows = s.exec(
            select(SourceChunk, Source.title)
            .join(Source, Source.id == SourceChunk.source_id)
            .where(SourceChunk.id.in_(chunk_ids))
        ).all()
    by_id = {chunk.id: (chunk, title) for chunk, title in rows}
    merged: list[dict] = []
    for chunk_id in chunk_ids:  # best first
        if chunk_id not in by_id:
            continue
        chunk, title = by_id[chunk_id]
        if any(_absorb(group, chunk) for group in merged):
            continue
        merged.append(
            {'chunk': chunk, 'title': title, 'start': chunk.char_start, 'end': chunk.char_end, 'text': chunk.text}
        )
    passages: list[Passage] = []
    used = 0
    for group in merged:
        cost = int(len(group['text'].split()) * 1.3)
        if passages and used + cost > budget_tokens:
            break
        used += cost
        chunk = group['chunk']
        passages.append(
            Passage(
                len(passages) + 1, chunk.id, chunk.source_id, group['title'], chunk.page, chunk.heading, group['text']
            )
        )
        if len(passages) >= MAX_PASSAGES:
            break
    return passages


def _absorb(group: dict, chunk: SourceChunk) -> bool:
    """Merge a neighbouring chunk of the same page into a passage, using the overlap so text stays verbatim."""
    anchor: SourceChunk = group['chunk']
    if chunk.source_id != anchor.source_id or chunk.page != anchor.page:
        return False
    start, end = group['start'], group['end']
    if chunk.char_start >= start and chunk.char_end <= end:
        return True  # already inside
    if start < chunk.char_start <= end < chunk.char_end:  # continues after
        group['text'] += chunk.text[end - chunk.char_start :]
        group['end'] = chunk.char_end
        return True
    if chunk.char_start < start <= chunk.char_end < end:  # comes before
        group['text'] = chunk.text[: start - chunk.char_start] + group['text']
        group['start'] = chunk.char_start
        return True
    return False
