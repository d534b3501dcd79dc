"""Sample selections for the studio tests, built from tests/data directly (pypdfium2), so they need no ingest code.

The other studio test modules import the loaders from here.
"""

from __future__ import annotations

import itertools
import re
from functools import cache
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from aurenlm.studio.corpus import Corpus, heading_question, title_key
from aurenlm.studio.inputs import StudioChunk, StudioSource

DATA = Path(__file__).parent / 'data'
_ids = itertools.count(1)


def _chunk_text(text: str, words: int) -> list[tuple[int, int]]:
    """Split text at paragraph or line breaks into pieces of about `words` words, as (start, end) offsets."""
    pieces, start, count = [], 0, 0
    for match in re.finditer(r'\S+|\n', text):
        if match.group(0) != '\n':
            count += 1
        elif count >= words:
            pieces.append((start, match.end()))
            start, count = match.end(), 0
    if text[start:].strip():
        pieces.append((start, len(text)))
    return pieces


def _chunks(source_id: str, title: str, sections: list[tuple[int, str, str]], words: int) -> list[StudioChunk]:
    """Chunks from (page, heading, text) sections, each cut to about `words` words."""
    chunks = []
    for page, heading, text in sections:
        for start, end in _chunk_text(text, words):
            if text[start:end].strip():
                chunks.append(StudioChunk(next(_ids), source_id, title, page, heading, text[start:end]))
    return chunks


def pdf_toc(path: Path) -> list[dict]:
    """The PDF's bookmarks as nested outline dicts with 1-based pages."""
    roots: list[dict] = []
    stack: list[tuple[int, dict]] = []
    for item in pdfium.PdfDocument(path).get_toc():
        dest = item.get_dest()
        entry = {
            'title': item.get_title().strip(),
            'level': item.level + 1,
            'page': dest.get_index() + 1 if dest else None,
            'children': [],
        }
        while stack and stack[-1][0] >= item.level:
            stack.pop()
        (stack[-1][1]['children'] if stack else roots).append(entry)
        stack.append((item.level, entry))
    return roots


def _flat(outline: list[dict]) -> list[dict]:
    return [e for entry in outline for e in [entry, *_flat(entry['children'])]]


@cache
def pdf_source(name: str, words: int = 250) -> StudioSource:
    path = DATA / name
    doc = pdfium.PdfDocument(path)
    pages = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    outline = pdf_toc(path)
    starts: dict[int, list[tuple[int, str]]] = {}
    for entry in _flat(outline):
        page_text = pages[entry['page'] - 1]
        at = page_text.find(entry['title'])
        starts.setdefault(entry['page'], []).append((max(at, 0), entry['title']))
    sections, heading = [], ''
    for number, text in enumerate(pages, start=1):
        cuts = sorted(starts.get(number, []))
        bounds = [0] + [at for at, _ in cuts] + [len(text)]
        headings = [heading] + [title for _, title in cuts]
        for (a, b), h in zip(itertools.pairwise(bounds), headings, strict=True):
            sections.append((number, h, text[a:b]))
        heading = headings[-1]
    source_id = f'src-{name}'
    title = name.rsplit('.', 1)[0]
    return StudioSource(source_id, title, f'sha-{name}', outline, _chunks(source_id, title, sections, words))


@cache
def markdown_source(name: str, words: int = 250) -> StudioSource:
    text = (DATA / name).read_text(encoding='utf-8')
    outline: list[dict] = []
    stack: list[dict] = []
    sections, heading, start = [], '', 0
    for match in re.finditer(r'^(#{1,6})\s+(.+)$', text, re.M):
        sections.append((1, heading, text[start : match.start()]))
        heading, start, level = match.group(2).strip(), match.start(), len(match.group(1))
        entry = {'title': heading, 'level': level, 'page': 1, 'children': []}
        while stack and stack[-1]['level'] >= level:
            stack.pop()
        (stack[-1]['children'] if stack else outline).append(entry)
        stack.append(entry)
    sections.append((1, heading, text[start:]))
    source_id, title = f'src-{name}', name.rsplit('.', 1)[0]
    return StudioSource(source_id, title, f'sha-{name}', outline, _chunks(source_id, title, sections, words))


@cache
def text_source(name: str, words: int = 250) -> StudioSource:
    text = (DATA / name).read_text(encoding='utf-8')
    source_id, title = f'src-{name}', name.rsplit('.', 1)[0]
    return StudioSource(source_id, title, f'sha-{name}', [], _chunks(source_id, title, [(1, '', text)], words))


def libtasn1() -> StudioSource:
    return pdf_source('libtasn1.pdf')


def selection() -> list[StudioSource]:
    """Four sources of different kinds: PDF with bookmarks (twice), Markdown with headings, plain text."""
    return [
        pdf_source('libtasn1.pdf'),
        pdf_source('shared-mime-info-spec.pdf'),
        markdown_source('shared-mime-info-README.md'),
        text_source('gpl-3.txt'),
    ]


def test_loaders_keep_pages_headings_and_unique_ids() -> None:
    sources = selection()
    ids = [c.chunk_id for s in sources for c in s.chunks]
    assert len(ids) == len(set(ids))
    tasn = libtasn1()
    assert [e['title'] for e in tasn.outline][:2] == ['1 Introduction', '2 ASN.1 structure handling']
    assert any(c.heading == 'Naming' and c.page == 6 for c in tasn.chunks)


def test_every_chunk_lands_in_the_section_of_its_heading() -> None:
    corpus = Corpus([libtasn1()])
    sections = [s for root in corpus.sections(0) for s in root.flat()]
    placed = {ci: s.title for s in sections for ci in s.own_chunks}
    for ci, chunk in enumerate(corpus.chunks):
        if chunk.heading:
            assert title_key(placed[ci]) == title_key(chunk.heading)


def test_sections_of_a_source_without_page_numbers_follow_headings() -> None:
    corpus = Corpus([markdown_source('shared-mime-info-README.md')])
    install = next(s for root in corpus.sections(0) for s in root.flat() if s.title == 'Installation')
    assert install.own_chunks
    assert all(corpus.chunks[ci].heading == 'Installation' for ci in install.own_chunks)


@pytest.mark.parametrize(
    ('heading', 'question'),
    [
        ('4.3 DER functions', 'What are DER functions?'),
        ('2.2 Naming', 'What is naming?'),
        ('Invoking asn1Parser', 'What does invoking asn1Parser involve?'),
        ('ASN.1 syntax', 'What is ASN.1 syntax?'),
        ('Concept Index', None),  # a part of the document, not a topic
        ('1 Introduction', None),
    ],
)
def test_heading_questions(heading: str, question: str | None) -> None:
    assert heading_question(heading) == question
