"""The in-memory notebook index: BM25 + vectors fused by rank, source filters, changes, and the per-notebook cache."""

from __future__ import annotations

import threading

import bm25s
import numpy as np
import pytest

from aurenlm.search.index import Fusion, IndexCache, IndexedChunk, NotebookIndex, index_text
from aurenlm.text import query

TEXTS = {
    'tasn': [
        ('4.2 Field functions', 'asn1_create_element creates a structure of the named type from the definitions.'),
        ('4.2 Field functions', 'Creating elements: a structure is made from definitions, then filled with values.'),
        ('4.3 DER functions', 'asn1_der_decoding fills a structure with the values of a DER encoded string.'),
    ],
    'mime': [
        ('2.4 The glob files', 'Applications must match file name patterns case-insensitively, unless told otherwise.'),
        ('2.5 The magic files', 'The magic file starts with a fixed string and its numbers are big-endian.'),
    ],
    'gpl': [
        ('8. Termination', 'Your rights are reinstated if you stop violating the license within sixty days.'),
        ('9. Acceptance', 'You do not need to accept the license to receive or run a copy of the program.'),
    ],
}


def _vector(text: str, dim: int = 32) -> np.ndarray:
    """A stand-in embedding: hashed bag of terms, so texts that share words point the same way."""
    v = np.zeros(dim, dtype=np.float32)
    for term in query.terms(text):
        v[hash(term) % dim] += 1.0
    n = np.linalg.norm(v)
    return v / n if n else v


def _chunks(with_vectors: bool = True) -> list[IndexedChunk]:
    out, chunk_id = [], 1
    for source_id, items in TEXTS.items():
        for heading, text in items:
            vec = _vector(index_text(heading, text)) if with_vectors else None
            out.append(IndexedChunk(chunk_id, source_id, 1, heading, text, vec))
            chunk_id += 1
    return out


def _ids(hits) -> list[int]:
    return [h.chunk_id for h in hits]


def test_source_filter_excludes_unselected_sources() -> None:
    index = NotebookIndex(_chunks())
    question = 'structure license patterns'
    hits = index.search(question, _vector(question), {'mime'})
    assert hits and all(h.chunk_id in (4, 5) for h in hits)
    assert index.search(question, _vector(question), set()) == []
    assert {h.chunk_id for h in index.search(question, _vector(question), None)} > {4, 5}


def test_an_exact_identifier_ranks_first() -> None:
    index = NotebookIndex(_chunks())
    question = 'What does asn1_create_element do?'
    hits = index.search(question, _vector(question), None)
    assert hits[0].chunk_id == 1
    assert hits[0].bm25_rank == 1


def test_identifier_parts_match_words_and_words_match_identifier_parts() -> None:
    assert query.terms('asn1_create_element') == ['asn1_create_element', 'asn1', 'creat', 'element']
    assert query.terms('getElementById') == ['getelementbyid', 'element', 'id']
    index = NotebookIndex(_chunks(with_vectors=False))
    # spelled as words, the question still reaches the chunk that names the function
    assert 1 in _ids(index.bm25_search('create element asn1'))


def test_query_handling_drops_question_words_and_stems() -> None:
    prepared = query.prepare('How does the decoder handle DER-encoded certificates?')
    # an identifier-like compound is kept whole (exact mentions score higher) and also split into stemmed parts
    assert prepared.terms == ['decod', 'handl', 'der-encoded', 'der', 'encod', 'certif']
    assert prepared.embed_text == 'decoder handle DER encoded certificates'
    assert query.stem('connections') == query.stem('connected') == 'connect'


def test_remove_and_replace_a_source() -> None:
    index = NotebookIndex(_chunks())
    assert 6 in _ids(index.bm25_search('reinstated rights termination'))
    index.remove_source('gpl')
    assert index.source_ids == {'tasn', 'mime'}
    assert not {6, 7} & set(_ids(index.bm25_search('reinstated rights termination')))
    index.add_source('mime', [IndexedChunk(40, 'mime', 3, 'Icons', 'Generic icons end in x-generic.', None)])
    assert len(index) == 4
    assert _ids(index.bm25_search('generic icon')) == [40]
    assert 4 not in _ids(index.bm25_search('patterns case-insensitively'))


def test_bm25_scores_match_bm25s() -> None:
    chunks = _chunks(with_vectors=False)
    index = NotebookIndex(chunks)
    reference = bm25s.BM25(k1=1.5, b=0.75, method='lucene')
    reference.index([query.terms(index_text(c.heading, c.text)) for c in chunks], show_progress=False)
    question = 'structure values definitions license'
    expected = reference.get_scores(query.prepare(question).terms)
    order = [int(i) + 1 for i in np.argsort(-expected, kind='stable') if expected[i] > 0]
    assert _ids(index.bm25_search(question)) == order


def test_chunks_without_vectors_still_found_by_text() -> None:
    chunks = _chunks()
    chunks[2] = IndexedChunk(3, 'tasn', 1, chunks[2].heading, chunks[2].text, None)
    index = NotebookIndex(chunks)
    hits = index.search('DER decoding', _vector('DER decoding'), None)
    assert 3 in _ids(hits)
    assert next(h for h in hits if h.chunk_id == 3).vec_rank is None


def test_mismatched_vector_sizes_are_refused() -> None:
    index = NotebookIndex(_chunks())
    with pytest.raises(ValueError, match='same model'):
        index.search('anything', np.ones(7, dtype=np.float32), None)


def test_fusion_weights_tilt_the_order() -> None:
    index = NotebookIndex(_chunks())
    question = 'a structure filled with values'
    vec = _vector('asn1 decoding der encoded string')  # a vector that disagrees with the words
    text_first = index.search(question, vec, None, fusion=Fusion(bm25_weight=1.0, vec_weight=0.1))
    vec_first = index.search(question, vec, None, fusion=Fusion(bm25_weight=0.1, vec_weight=1.0))
    assert text_first[0].chunk_id == 2
    assert vec_first[0].chunk_id == 3


def test_cache_rebuilds_when_the_version_changes() -> None:
    cache = IndexCache(max_chunks=100)
    builds: list[NotebookIndex | None] = []

    def build(stale: NotebookIndex | None) -> NotebookIndex:
        builds.append(stale)
        return NotebookIndex(_chunks())

    first = cache.get('nb1', (7, 7), build)
    assert cache.get('nb1', (7, 7), build) is first
    assert builds == [None]
    second = cache.get('nb1', (8, 8), build)
    assert second is not first
    assert builds == [None, first]  # the outdated index is handed over, to update instead of rebuild


def test_cache_evicts_least_recently_used_beyond_its_chunk_budget() -> None:
    cache = IndexCache(max_chunks=10)  # room for one notebook of 7 chunks
    cache.get('a', 1, lambda stale: NotebookIndex(_chunks()))
    cache.get('b', 1, lambda stale: NotebookIndex(_chunks()))
    assert 'b' in cache and 'a' not in cache
    assert cache.total_chunks == 7


def test_cache_builds_once_for_concurrent_callers() -> None:
    cache = IndexCache()
    calls = []
    gate = threading.Event()

    def build(stale):
        calls.append(1)
        gate.wait(5)
        return NotebookIndex(_chunks())

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get('nb', 1, build))) for _ in range(4)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert len({id(r) for r in results}) == 1


def test_searching_while_sources_change() -> None:
    index = NotebookIndex(_chunks())
    errors = []

    def churn():
        try:
            for i in range(30):
                index.add_source('extra', [IndexedChunk(100 + i, 'extra', 1, '', f'churn text {i} asn1', None)])
                index.remove_source('extra')
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    thread = threading.Thread(target=churn)
    thread.start()
    for _ in range(30):
        assert 1 in _ids(index.search('asn1_create_element', None, None))
    thread.join()
    assert not errors


def test_synonyms_widen_full_text_but_weigh_less_than_the_question_words() -> None:
    def related(words):
        return {'remarks': [('comments', 0.8), ('remark', 0.9)]} if 'remarks' in words else {}

    prepared = query.prepare('Where do remarks go?', related=related)
    assert prepared.terms == ['remark', 'go']
    assert prepared.expansions == (('comment', query.RELATED_WEIGHT * 0.8),)  # an inflection of the word is not added
    assert prepared.expands == ('remark',)

    index = NotebookIndex(
        [
            IndexedChunk(1, 's', 1, '', 'Comments begin with two dashes.', None),
            IndexedChunk(2, 's', 1, '', 'Remarks go at the end of a line.', None),
            IndexedChunk(3, 's', 1, '', 'Values are encoded in DER.', None),
        ]
    )
    assert _ids(index.bm25_search(query.prepare('Where do remarks go?'))) == [2]
    assert _ids(index.bm25_search(prepared)) == [2, 1]


def test_a_word_and_its_synonyms_count_as_one_concept() -> None:
    def related(words):
        return {'remarks': [('comments', 0.9), ('notes', 0.8)]} if 'remarks' in words else {}

    prepared = query.prepare('Where do remarks about dashes go?', related=related)
    assert prepared.expands == ('remark', 'remark')
    assert prepared.concepts() == [
        [('remark', 1.0), ('comment', query.RELATED_WEIGHT * 0.9), ('note', query.RELATED_WEIGHT * 0.8)],
        [('dash', 1.0)],
        [('go', 1.0)],
    ]
    index = NotebookIndex(
        [
            IndexedChunk(1, 's', 1, '', 'Remarks, comments and notes: remarks are comments, comments are notes.', None),
            IndexedChunk(2, 's', 1, '', 'Remarks start with two dashes.', None),
            IndexedChunk(3, 's', 1, '', 'Values are encoded in DER.', None),
            IndexedChunk(4, 's', 1, '', 'Strings end with a zero byte.', None),
        ]
    )
    # saying one thing three ways does not beat covering two of the question's ideas (summed per term, it would)
    assert _ids(index.bm25_search(prepared)) == [2, 1]
    # a query built without groups scores every expansion as a concept of its own, as before
    flat = query.PreparedQuery(prepared.text, prepared.terms, prepared.embed_text, prepared.expansions)
    assert len(flat.concepts()) == 5
