"""Retrieval as chat uses it: best_passages over real ingested documents, on the test database (SQLite or Postgres)."""

from __future__ import annotations

import pytest

from aurenlm import repos
from aurenlm.search import retrieval
from aurenlm.search.index import Hit
from tests.sourcekit import ready_source


@pytest.fixture
async def manuals(ann, notebook):
    tasn = await ready_source(ann, notebook.id, 'libtasn1.pdf')
    gpl = await ready_source(ann, notebook.id, 'gpl-3.txt')
    return tasn, gpl


async def test_a_paraphrased_question_finds_its_page(notebook, manuals) -> None:
    tasn, gpl = manuals
    selected = [tasn.id, gpl.id]
    # the answers say it in other words: "Create a deep copy", "Thread-safety ... used in parallel", "charge any price"
    for question, page in (
        ('How do I make a deep clone of a node?', 14),
        ('Is it safe to call into the library from several threads at the same time?', 4),
    ):
        passages = await retrieval.best_passages(notebook.id, question, selected)
        assert passages, question
        assert (passages[0].source_id, passages[0].page) == (tasn.id, page), question
    passages = await retrieval.best_passages(notebook.id, 'May I charge money for copies of the program?', selected)
    assert any(p.source_id == gpl.id and 'charge any price or no price' in p.text for p in passages[:3])


async def test_only_the_selected_sources_are_used(notebook, manuals) -> None:
    tasn, gpl = manuals
    question = 'What happens to my rights if I violate the license?'
    only_tasn = await retrieval.best_passages(notebook.id, question, [tasn.id])
    only_gpl = await retrieval.best_passages(notebook.id, question, [gpl.id])
    assert only_tasn and {p.source_id for p in only_tasn} == {tasn.id}
    assert only_gpl and {p.source_id for p in only_gpl} == {gpl.id}
    assert any('Termination' in p.heading for p in only_gpl)
    assert await retrieval.best_passages(notebook.id, question, []) == []
    assert await retrieval.best_passages(notebook.id, '   ', [gpl.id]) == []


async def test_passages_are_verbatim_page_text_numbered_within_budget(ann, notebook, manuals) -> None:
    tasn, gpl = manuals
    question = 'How do I decode DER data into a structure, and what if the buffer is too small?'
    passages = await retrieval.best_passages(notebook.id, question, [tasn.id, gpl.id], budget_tokens=1500)
    assert [p.marker for p in passages] == list(range(1, len(passages) + 1))
    assert 1 < len(passages) <= retrieval.MAX_PASSAGES
    assert sum(int(len(p.text.split()) * 1.3) for p in passages) <= 1500
    titles = {tasn.id: tasn.title, gpl.id: gpl.title}
    chunk_ids = set()
    for passage in passages:
        assert passage.source_title == titles[passage.source_id]
        page = repos.sources.page(ann, passage.source_id, passage.page)
        assert passage.text in page.text, 'a passage, merged or not, is a verbatim slice of its page'
        chunk_ids.add(passage.chunk_id)
    assert len(chunk_ids) == len(passages)
    # distinct passages: no two of them overlap on a page
    spans = sorted((p.source_id, p.page, page_start(ann, p), page_start(ann, p) + len(p.text)) for p in passages)
    for a, b in zip(spans, spans[1:], strict=False):
        assert a[:2] != b[:2] or a[3] <= b[2]


def page_start(ann, passage) -> int:
    return repos.sources.page(ann, passage.source_id, passage.page).text.index(passage.text)


async def test_the_index_follows_sources_as_they_change(ann, notebook, manuals) -> None:
    tasn, gpl = manuals
    index, stamps = retrieval.notebook_index(notebook.id)
    assert index.source_ids == {tasn.id, gpl.id} and len(stamps) == 2
    assert retrieval.notebook_index(notebook.id)[0] is index, 'unchanged sources: the cached index is reused'
    readme = await ready_source(ann, notebook.id, 'shared-mime-info-README.md')
    index, _ = retrieval.notebook_index(notebook.id)
    assert index.source_ids == {tasn.id, gpl.id, readme.id}
    passages = await retrieval.best_passages(notebook.id, 'Where do I report bugs in the MIME database?', [readme.id])
    assert passages and 'gitlab.freedesktop.org' in ' '.join(p.text for p in passages)
    retrieval.forget(notebook.id)
    assert retrieval.notebook_index(notebook.id)[0] is not index


PAGE = 'Alpha beta gamma. Delta epsilon zeta. Eta theta iota. Kappa lambda mu.'


def _row(chunk_id: int, start: int, end: int, page: int = 1, source: str = 's') -> retrieval.ChunkRow:
    return retrieval.ChunkRow(chunk_id, source, page, start, end, 'H', PAGE[start:end])


def _hits(*ids: int) -> list[Hit]:
    return [Hit(i, 1.0 / n, None, None) for n, i in enumerate(ids, start=1)]


def test_merge_joins_overlapping_neighbours_verbatim_and_keeps_the_best_first() -> None:
    rows = {1: _row(1, 18, 53), 2: _row(2, 0, 36), 3: _row(3, 37, 71), 4: _row(4, 0, 17, page=2), 5: _row(5, 0, 17)}
    spans = retrieval.merge_passages(_hits(1, 4, 2, 3, 9), rows)
    assert [s.chunk_id for s in spans] == [1, 4]  # 2 and 3 overlap 1 on its page and join it; 9 is gone
    first = spans[0]
    assert first.text == PAGE[0:71] and (first.char_start, first.char_end) == (0, 71)
    assert first.chunk_ids == [1, 2, 3]
    assert spans[1].page == 2
    # a chunk that bridges two passages of a page makes them one, at the place of the better one
    bridged = retrieval.merge_passages(_hits(2, 3, 1), rows)
    assert [(s.chunk_id, s.text, s.chunk_ids) for s in bridged] == [(2, PAGE[0:71], [2, 1, 3])]
    # a chunk that only touches a passage without overlapping it stays apart: the text between is unknown
    assert [s.chunk_id for s in retrieval.merge_passages(_hits(5, 1), {1: _row(1, 18, 53), 5: rows[5]})] == [5, 1]


def test_merge_applies_the_budget_and_the_passage_limit() -> None:
    rows = {i: _row(i, 0, 17, page=i) for i in range(1, 20)}  # 3 words, 3 tokens each
    assert len(retrieval.merge_passages(_hits(*rows), rows, budget_tokens=10)) == 3
    assert len(retrieval.merge_passages(_hits(*rows), rows)) == retrieval.MAX_PASSAGES
    assert len(retrieval.merge_passages(_hits(1), rows, budget_tokens=1)) == 1  # the best passage always goes
    assert retrieval.merge_passages([], rows) == []
