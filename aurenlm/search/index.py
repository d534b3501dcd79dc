"""In-memory search over one notebook's chunks: BM25 and embeddings, fused by weighted reciprocal rank.

Each source is an immutable segment holding its own postings and vectors, so adding or removing a source touches
only that source; corpus statistics (document frequencies, average length) are summed over segments when the
notebook changes, and BM25 is scored at query time. `IndexCache` keeps one index per notebook, LRU-bounded.

Why not bm25s's index: it is built globally by Python loops (about 10 s for 83,000 chunks), so every source added to
a large notebook would rebuild everything. The scoring here is the same Lucene BM25 that bm25s computes by default
(tests compare the two).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from aurenlm.text.query import PreparedQuery, prepare, terms

K1 = 1.5
B = 0.75


@dataclass(frozen=True, slots=True)
class IndexedChunk:
    chunk_id: int
    source_id: str
    page: int
    heading: str
    text: str
    embedding: np.ndarray | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """A fused result; the ranks are 1-based positions in each retriever's list, None when it did not return it."""

    chunk_id: int
    score: float
    bm25_rank: int | None
    vec_rank: int | None


@dataclass(frozen=True, slots=True)
class Fusion:
    """How the two rankings are combined: score = sum of weight / (rrf_k + rank) over the lists a chunk is in.

    The defaults were measured with the offline wordllama vectors (bench/retrieval.py): a small rrf_k lets a chunk
    that one retriever is sure of stay near the top instead of being averaged away, and full text weighs more
    because a static word-vector model is the weaker of the two. With a stronger embedding model, raise vec_weight.
    """

    bm25_weight: float = 1.5
    vec_weight: float = 1.0
    rrf_k: float = 10.0
    depth: int = 200  # how far down each list is read before fusing


def index_text(heading: str, text: str) -> str:
    """What BM25 sees of a chunk: the heading path gives every chunk of a section its section's words."""
    return f'{heading}\n{text}' if heading else text


@dataclass(frozen=True, slots=True)
class _Segment:
    """One source's chunks: postings in compressed-column form over the segment's own sorted term ids."""

    source_id: str
    chunk_ids: np.ndarray  # int64 (n,)
    doc_len: np.ndarray  # float32 (n,)
    vectors: np.ndarray | None  # float32 (n, dim), zero rows where a chunk has no embedding
    missing_vec: np.ndarray  # int64: rows without an embedding (usually none)
    term_ids: np.ndarray  # int64 (t,) sorted, unique
    indptr: np.ndarray  # int64 (t + 1,)
    post_row: np.ndarray  # int32: local row of each posting
    post_tf: np.ndarray  # float32

    @property
    def size(self) -> int:
        return len(self.chunk_ids)


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """The notebook as one search sees it; replaced whole, never changed, so searches need no lock."""

    segments: tuple[_Segment, ...]
    offsets: np.ndarray  # row where each segment starts, plus the total at the end
    chunk_ids: np.ndarray  # int64, all segments in order
    doc_len: np.ndarray  # float32, all segments in order
    idf: np.ndarray  # float32 per term id of the vocabulary at build time
    avg_len: float
    dim: int | None

    @property
    def size(self) -> int:
        return int(self.offsets[-1])


class NotebookIndex:
    """Full-text and vector search over a notebook; safe to search from many threads while sources change."""

    def __init__(self, chunks: Iterable[IndexedChunk] = (), fusion: Fusion | None = None) -> None:
        self.fusion = fusion or Fusion()
        self._lock = threading.Lock()
        self._vocab: dict[str, int] = {}  # grows only: ids of removed sources' terms simply get df 0
        self._segments: dict[str, _Segment] = {}
        self._snapshot: _Snapshot | None = None
        by_source: dict[str, list[IndexedChunk]] = {}
        for chunk in chunks:
            by_source.setdefault(chunk.source_id, []).append(chunk)
        for source_id, source_chunks in by_source.items():
            self.add_source(source_id, source_chunks)

    def __len__(self) -> int:
        return sum(s.size for s in self._segments.values())

    @property
    def source_ids(self) -> set[str]:
        return set(self._segments)

    def add_source(self, source_id: str, chunks: Sequence[IndexedChunk]) -> None:
        """Index a source's chunks, replacing what was indexed for it before. CPU-bound: about 1 s per 500k words."""
        if any(c.source_id != source_id for c in chunks):
            raise ValueError(f'every chunk given for source {source_id} must belong to it')
        token_lists = [terms(index_text(c.heading, c.text)) for c in chunks]  # the slow part, done outside the lock
        vectors, missing = _stack_vectors(chunks)
        with self._lock:
            segment = _segment(source_id, chunks, token_lists, self._vocab, vectors, missing)
            self._segments.pop(source_id, None)
            if segment.size:
                self._segments[source_id] = segment
            self._snapshot = None

    def remove_source(self, source_id: str) -> None:
        with self._lock:
            if self._segments.pop(source_id, None) is not None:
                self._snapshot = None

    def _current(self) -> _Snapshot:
        snapshot = self._snapshot
        if snapshot is not None:
            return snapshot
        with self._lock:
            if self._snapshot is None:
                self._snapshot = _build_snapshot(tuple(self._segments.values()), len(self._vocab))
            return self._snapshot

    def search(
        self,
        query: str | PreparedQuery,
        query_vec: np.ndarray | None,
        source_ids: set[str] | None = None,
        k: int = 50,
        fusion: Fusion | None = None,
    ) -> list[Hit]:
        """The best k chunks of the selected sources (all when `source_ids` is None) for a question and its vector.

        Pass `query.prepare(question, related=embeddings.related_words)` to match synonyms too. CPU-bound (about
        20 ms at 80,000 chunks): call it from a worker thread, not the event loop.
        """
        fusion = fusion or self.fusion
        prepared = query if isinstance(query, PreparedQuery) else prepare(query)
        snap = self._current()
        selected = [i for i, seg in enumerate(snap.segments) if source_ids is None or seg.source_id in source_ids]
        if not selected or k <= 0:
            return []
        bm25_rows = vec_rows = np.zeros(0, dtype=np.int64)
        if fusion.bm25_weight > 0:
            scores = _bm25_scores(snap, selected, self._query_terms(prepared, len(snap.idf)))
            bm25_rows = _top_rows(scores, fusion.depth, positive_only=True)
        if fusion.vec_weight > 0 and query_vec is not None and snap.dim is not None:
            vec_rows = _top_rows(_vector_scores(snap, selected, query_vec), fusion.depth, positive_only=False)
        return _fuse(snap, bm25_rows, vec_rows, fusion, k)

    def _query_terms(self, prepared: PreparedQuery, vocab_size: int) -> _QueryTerms:
        """Term ids, weights and concept numbers of a question; terms unknown to the snapshot are left out."""
        ids: list[int] = []
        weights: list[float] = []
        concepts: list[int] = []
        number = 0
        for concept in prepared.concepts():
            # terms first seen after this snapshot was built belong to no chunk it covers
            members = [(self._vocab.get(term, vocab_size), weight) for term, weight in concept]
            members = [(i, weight) for i, weight in members if i < vocab_size and i not in ids]
            if not members:
                continue
            for i, weight in members:
                ids.append(i)
                weights.append(weight)
                concepts.append(number)
            number += 1
        return _QueryTerms(
            np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float32), np.array(concepts, dtype=np.int64)
        )

    def bm25_search(self, query: str | PreparedQuery, source_ids: set[str] | None = None, k: int = 50) -> list[Hit]:
        return self.search(query, None, source_ids, k, replace(self.fusion, vec_weight=0.0))

    def vector_search(self, query_vec: np.ndarray, source_ids: set[str] | None = None, k: int = 50) -> list[Hit]:
        return self.search(PreparedQuery('', [], ''), query_vec, source_ids, k, replace(self.fusion, bm25_weight=0.0))


def _stack_vectors(chunks: Sequence[IndexedChunk]) -> tuple[np.ndarray | None, np.ndarray]:
    missing = np.array([i for i, c in enumerate(chunks) if c.embedding is None], dtype=np.int64)
    dims = {int(np.asarray(c.embedding).shape[-1]) for c in chunks if c.embedding is not None}
    if not dims:
        return None, missing
    if len(dims) > 1:
        raise ValueError(f'chunks carry embeddings of different sizes {sorted(dims)}: embed them with one model')
    vectors = np.zeros((len(chunks), dims.pop()), dtype=np.float32)
    for row, chunk in enumerate(chunks):
        if chunk.embedding is not None:
            vectors[row] = chunk.embedding
    return vectors, missing


def _segment(
    source_id: str,
    chunks: Sequence[IndexedChunk],
    token_lists: list[list[str]],
    vocab: dict[str, int],
    vectors: np.ndarray | None,
    missing: np.ndarray,
) -> _Segment:
    ids = [vocab.setdefault(t, len(vocab)) for tokens in token_lists for t in tokens]
    lengths = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=len(token_lists))
    rows = np.repeat(np.arange(len(chunks), dtype=np.int64), lengths)
    # one key per (term, row): unique() both counts term frequencies and sorts postings by term
    keys, tf = np.unique((np.asarray(ids, dtype=np.int64) << 32) | rows, return_counts=True)
    term_ids, starts = np.unique(keys >> 32, return_index=True)
    return _Segment(
        source_id=source_id,
        chunk_ids=np.fromiter((c.chunk_id for c in chunks), dtype=np.int64, count=len(chunks)),
        doc_len=lengths.astype(np.float32),
        vectors=vectors,
        missing_vec=missing,
        term_ids=term_ids,
        indptr=np.append(starts, len(keys)).astype(np.int64),
        post_row=(keys & 0xFFFFFFFF).astype(np.int32),
        post_tf=tf.astype(np.float32),
    )


def _build_snapshot(segments: tuple[_Segment, ...], vocab_size: int) -> _Snapshot:
    offsets = np.zeros(len(segments) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([s.size for s in segments])
    total = int(offsets[-1])
    df = np.zeros(vocab_size, dtype=np.float64)
    for seg in segments:
        df[seg.term_ids] += np.diff(seg.indptr)  # term ids are unique within a segment
    idf = np.log1p((total - df + 0.5) / (df + 0.5)).astype(np.float32)  # Lucene's, never negative
    dims = {s.vectors.shape[1] for s in segments if s.vectors is not None}
    if len(dims) > 1:
        raise ValueError(f'sources carry embeddings of different sizes {sorted(dims)}: re-embed them with one model')
    return _Snapshot(
        segments=segments,
        offsets=offsets,
        chunk_ids=np.concatenate([s.chunk_ids for s in segments]) if segments else np.zeros(0, np.int64),
        doc_len=np.concatenate([s.doc_len for s in segments]) if segments else np.zeros(0, np.float32),
        idf=idf,
        avg_len=float(sum(float(s.doc_len.sum()) for s in segments) / total) if total else 1.0,
        dim=dims.pop() if dims else None,
    )


@dataclass(frozen=True, slots=True)
class _QueryTerms:
    ids: np.ndarray  # int64 term ids
    weights: np.ndarray  # float32: 1 for the question's own terms, less for stand-ins
    concepts: np.ndarray  # int64: terms with the same number are scored as one concept


def _bm25_scores(snap: _Snapshot, selected: list[int], query: _QueryTerms) -> np.ndarray:
    """BM25 of every row over the question's concepts; unselected rows: 0.

    A concept is a term with its weighted stand-ins (synonyms), scored like Lucene's SynonymQuery: its frequency in a
    chunk is the weighted sum of its terms' frequencies, its idf that of its most common term. With one term per
    concept this is plain Lucene BM25.
    """
    scores = np.zeros(snap.size, dtype=np.float32)
    if not len(query.ids):
        return scores
    n_concepts = int(query.concepts.max()) + 1
    # the rarest reading of a concept must not lift it: idf from its most common term
    concept_idf = np.full(n_concepts, np.inf, dtype=np.float32)
    np.minimum.at(concept_idf, query.concepts, snap.idf[query.ids])
    rows, tfs, concepts = [], [], []
    for i in selected:
        seg = snap.segments[i]
        pos = np.minimum(np.searchsorted(seg.term_ids, query.ids), len(seg.term_ids) - 1)
        found = seg.term_ids[pos] == query.ids
        if not found.any():
            continue
        starts, ends = seg.indptr[pos[found]], seg.indptr[pos[found] + 1]
        lengths = ends - starts
        # every matched term's posting range gathered at once, so the Python loop runs per source, not per term
        take = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))
        rows.append(seg.post_row[take] + snap.offsets[i])
        tfs.append(seg.post_tf[take] * np.repeat(query.weights[found], lengths))
        concepts.append(np.repeat(query.concepts[found], lengths))
    if not rows:
        return scores
    row, tf, concept = np.concatenate(rows), np.concatenate(tfs), np.concatenate(concepts)
    several = np.bincount(query.concepts, minlength=n_concepts) > 1
    if several.any():
        # a row can hold several terms of one concept: add their frequencies up per (concept, row), in a dense
        # array per such concept (a few MB at most; linear, where sorting the postings would not be)
        slot = np.cumsum(several) - 1
        grouped = several[concept]
        n_slots = int(several.sum())
        dense = np.bincount(
            slot[concept[grouped]] * snap.size + row[grouped], weights=tf[grouped], minlength=n_slots * snap.size
        )
        held = np.flatnonzero(dense)
        row = np.concatenate([row[~grouped], held % snap.size])
        tf = np.concatenate([tf[~grouped], dense[held].astype(np.float32)])
        concept = np.concatenate([concept[~grouped], np.flatnonzero(several)[held // snap.size]])
    norm = K1 * ((1 - B) + B * snap.doc_len[row] / snap.avg_len)
    scores += np.bincount(row, weights=concept_idf[concept] * tf / (norm + tf), minlength=snap.size).astype(np.float32)
    return scores


def _vector_scores(snap: _Snapshot, selected: list[int], query_vec: np.ndarray) -> np.ndarray:
    q = np.asarray(query_vec, dtype=np.float32).reshape(-1)
    if q.shape[0] != snap.dim:
        raise ValueError(f'query vector has {q.shape[0]} values, the index {snap.dim}: embed it with the same model')
    # unselected sources and chunks without a vector stay at -inf, so they never rank
    scores = np.full(snap.size, -np.inf, dtype=np.float32)
    for i in selected:
        seg = snap.segments[i]
        if seg.vectors is None:
            continue
        lo, hi = int(snap.offsets[i]), int(snap.offsets[i + 1])
        scores[lo:hi] = seg.vectors @ q
        scores[lo + seg.missing_vec] = -np.inf
    return scores


def _top_rows(scores: np.ndarray, depth: int, positive_only: bool) -> np.ndarray:
    """Rows of the `depth` best scores, best first; -inf (unselected, no vector) and, if asked, zero are left out."""
    valid = scores > 0 if positive_only else np.isfinite(scores)
    candidates = np.flatnonzero(valid)
    if len(candidates) > depth:
        part = np.argpartition(scores[candidates], -depth)[-depth:]
        candidates = candidates[part]
    # stable on row order, so equal scores keep document order and results are reproducible
    return candidates[np.argsort(-scores[candidates], kind='stable')]


def _fuse(snap: _Snapshot, bm25_rows: np.ndarray, vec_rows: np.ndarray, fusion: Fusion, k: int) -> list[Hit]:
    fused: dict[int, list] = {}  # row -> [score, bm25 rank, vec rank]
    for rank, row in enumerate(bm25_rows.tolist(), start=1):
        fused[row] = [fusion.bm25_weight / (fusion.rrf_k + rank), rank, None]
    for rank, row in enumerate(vec_rows.tolist(), start=1):
        entry = fused.setdefault(row, [0.0, None, None])
        entry[0] += fusion.vec_weight / (fusion.rrf_k + rank)
        entry[2] = rank
    best = sorted(fused.items(), key=lambda item: (-item[1][0], item[0]))[:k]
    return [Hit(int(snap.chunk_ids[row]), float(score), b, v) for row, (score, b, v) in best]


class IndexCache:
    """One `NotebookIndex` per notebook, rebuilt when the caller's version stamp changes; LRU-bounded by chunks.

    The version is anything hashable that changes whenever the notebook's indexed chunks do, such as
    (number of chunks, largest chunk id, embedding model) or a generation counter kept with the notebook.
    A chunk costs about 2.5 KB here (a 256-d vector and its postings), so the default budget is about 500 MB.
    """

    def __init__(self, max_chunks: int = 200_000) -> None:
        self.max_chunks = max_chunks
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[Hashable, NotebookIndex]] = OrderedDict()
        self._building: dict[str, threading.Lock] = {}

    def get(
        self, notebook_id: str, version: Hashable, build: Callable[[NotebookIndex | None], NotebookIndex]
    ) -> NotebookIndex:
        """The notebook's index at `version`; `build(stale)` makes it, given the outdated index to update if any.

        Callers asking for the same notebook at once wait for one build instead of each doing it.
        """
        with self._lock:
            entry = self._entries.get(notebook_id)
            if entry is not None and entry[0] == version:
                self._entries.move_to_end(notebook_id)
                return entry[1]
            build_lock = self._building.setdefault(notebook_id, threading.Lock())
        with build_lock:
            with self._lock:
                entry = self._entries.get(notebook_id)
                if entry is not None and entry[0] == version:
                    self._entries.move_to_end(notebook_id)
                    return entry[1]
            index = build(entry[1] if entry is not None else None)
            with self._lock:
                self._entries[notebook_id] = (version, index)
                self._entries.move_to_end(notebook_id)
                self._evict(keep=notebook_id)
            return index

    def invalidate(self, notebook_id: str) -> None:
        with self._lock:
            self._entries.pop(notebook_id, None)

    def __contains__(self, notebook_id: str) -> bool:
        with self._lock:
            return notebook_id in self._entries

    @property
    def total_chunks(self) -> int:
        with self._lock:
            return sum(len(index) for _, index in self._entries.values())

    def _evict(self, keep: str) -> None:
        total = sum(len(index) for _, index in self._entries.values())
        for notebook_id in list(self._entries):
            if total <= self.max_chunks:
                break
            if notebook_id == keep:
                continue
            total -= len(self._entries.pop(notebook_id)[1])
