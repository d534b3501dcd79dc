"""Chunks are exact slices of one page, sized for retrieval, labelled with their heading path."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from aurenlm.ingest.chunk import ChunkDraft, chunk_pages
from aurenlm.ingest.document import Heading, Page, count_words
from aurenlm.ingest.extract import extract, extract_text_string

DATA = Path(__file__).parent / 'data'
DOCUMENTS = [
    ('libtasn1.pdf', 'pdf'),
    ('shared-mime-info-spec.pdf', 'pdf'),
    ('python-policy.html', 'html'),
    ('gpl-3.txt', 'text'),
    ('shared-mime-info-README.md', 'markdown'),
]


@pytest.fixture(scope='module')
def extracted():
    return {name: extract(DATA / name, kind) for name, kind in DOCUMENTS}


def assert_exact(pages: list[Page], chunks: list[ChunkDraft]) -> None:
    for chunk in chunks:
        assert chunk.text == pages[chunk.page - 1].text[chunk.char_start : chunk.char_end]
        assert chunk.text == chunk.text.strip() and chunk.text


@pytest.mark.parametrize('name', [name for name, _ in DOCUMENTS])
def test_invariant_and_sizes_on_real_documents(extracted, name: str) -> None:
    pages = extracted[name].pages
    chunks = chunk_pages(pages)
    assert chunks
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert_exact(pages, chunks)
    for chunk in chunks:
        assert count_words(chunk.text) <= 380
        assert len(chunk.text.split()) <= 380
    # most chunks are near the target: 300-500 tokens at about 1.3 tokens a word
    full = [count_words(c.text) for c in chunks if count_words(c.text) >= 150]
    if len(full) >= 5:
        assert 200 <= sum(full) / len(full) <= 380
    # every word of every page is in some chunk, in order
    for page in pages:
        on_page = [c for c in chunks if c.page == page.number]
        covered = ' '.join(c.text for c in on_page).split()
        assert set(page.text.split()) <= set(covered)
        assert [c.char_start for c in on_page] == sorted(c.char_start for c in on_page)


def test_chunks_never_cross_pages(extracted) -> None:
    pages = extracted['libtasn1.pdf'].pages
    chunks = chunk_pages(pages)
    assert {c.page for c in chunks} == {p.number for p in pages if p.text.strip()}
    for chunk in chunks:
        assert chunk.char_end <= len(pages[chunk.page - 1].text)


def test_heading_paths_for_libtasn1(extracted) -> None:
    chunks = chunk_pages(extracted['libtasn1.pdf'].pages)
    by_page: dict[int, list[str]] = {}
    for chunk in chunks:
        by_page.setdefault(chunk.page, []).append(chunk.heading)
    assert by_page[5][0] == '2 ASN.1 structure handling > 2.1 ASN.1 syntax'
    assert '2 ASN.1 structure handling > 2.2 Naming' in by_page[6]
    # the path carries over to pages that have no heading of their own
    assert all(h.startswith('4 Function reference > 4.2 ASN.1 field functions') for h in by_page[13])
    syntax = next(c for c in chunks if 'The parser is case sensitive.' in c.text)
    assert syntax.heading.endswith('2.1 ASN.1 syntax')
    assert chunks[0].heading == ''  # the title page comes before any heading


def test_a_new_section_starts_a_new_chunk(extracted) -> None:
    chunks = chunk_pages(extracted['gpl-3.txt'].pages)
    starts = [c.text.split('\n')[0].strip() for c in chunks]
    for section in ('1. Source Code.', '2. Basic Permissions.', '8. Termination.'):
        assert section in starts
    termination = next(c for c in chunks if c.text.startswith('8. Termination.'))
    assert termination.heading == 'TERMS AND CONDITIONS > 8. Termination'


def test_overlap_within_a_section() -> None:
    sentences = [f'Sentence number {i} talks about owls and their habits at night.' for i in range(120)]
    page = Page(number=1, text=' '.join(sentences), headings=[])
    chunks = chunk_pages([page], target_words=100, max_words=150, overlap_words=20)
    assert len(chunks) > 5
    assert_exact([page], chunks)
    for previous, current in zip(chunks, chunks[1:], strict=False):
        assert current.char_start < previous.char_end  # overlaps
        overlap = page.text[current.char_start : previous.char_end]
        assert 0 < count_words(overlap) <= 20
        assert current.text.startswith('Sentence number')  # resumes at a sentence start
    no_overlap = chunk_pages([page], target_words=100, max_words=150, overlap_words=0)
    assert all(a.char_end <= b.char_start for a, b in zip(no_overlap, no_overlap[1:], strict=False))


def test_paragraph_boundaries_are_preferred() -> None:
    paragraph = ' '.join(['word'] * 90) + '.'
    page = Page(number=1, text='\n\n'.join([paragraph] * 10), headings=[])
    chunks = chunk_pages([page], target_words=260, max_words=380, overlap_words=0)
    assert all(c.text.endswith('word.') for c in chunks)
    # three paragraphs (270 words) are closest to the target; the last four fit under the maximum together
    assert [count_words(c.text) for c in chunks] == [270, 270, 360]


def test_short_pages_make_short_chunks_and_empty_pages_none() -> None:
    pages = [
        Page(number=1, text='Just a caption.', headings=[]),
        Page(number=2, text='', headings=[]),
        Page(number=3, text='   \n\n ', headings=[]),
        Page(number=4, text='Another short page with a few words.', headings=[]),
    ]
    chunks = chunk_pages(pages)
    assert [(c.page, c.text) for c in chunks] == [(1, 'Just a caption.'), (4, 'Another short page with a few words.')]


def test_text_without_spaces_or_in_cjk_is_still_bounded() -> None:
    blob = Page(number=1, text='A' * 100_000, headings=[])
    chinese = Page(number=2, text='这是一个关于猫头鹰的句子。' * 400, headings=[])
    chunks = chunk_pages([blob, chinese])
    assert_exact([blob, chinese], chunks)
    assert all(count_words(c.text) <= 380 for c in chunks)
    assert max(len(c.text) for c in chunks if c.page == 1) <= 380 * 60
    assert all(c.text.endswith('。') for c in chunks if c.page == 2)


def test_headings_from_markdown_paste() -> None:
    text = '# Owls\n\nIntro.\n\n## Barn owl\n\n' + 'Barn owls hunt at night. ' * 200 + '\n\n## Snowy owl\n\nWhite.'
    extracted = extract_text_string(text)
    chunks = chunk_pages(extracted.pages)
    assert chunks[0].heading in ('Owls', 'Owls > Barn owl')
    assert chunks[-1].heading == 'Owls > Snowy owl' and chunks[-1].text.startswith('## Snowy owl')
    assert all(c.heading == 'Owls > Barn owl' for c in chunks[1:-1])


def test_heading_levels_pop_correctly() -> None:
    text = 'A\n\nx\n\nB\n\ny\n\nC\n\nz'
    offsets = [text.index(t) for t in 'ABC']
    page = Page(
        number=1,
        text=text,
        headings=[Heading(offsets[0], 1, 'A'), Heading(offsets[1], 2, 'B'), Heading(offsets[2], 1, 'C')],
    )
    chunks = chunk_pages([page], target_words=1, max_words=2, overlap_words=0)
    assert [c.heading for c in chunks] == ['A', 'A > B', 'C']


def test_bad_sizes_are_rejected() -> None:
    with pytest.raises(ValueError):
        chunk_pages([], target_words=400, max_words=300)


def test_500_generated_pages_chunk_exactly_with_every_section_heading() -> None:
    """Scale, not speed (bench/timings.py measures that): every chunk is still an exact slice with its heading."""
    rng = random.Random(7)
    vocabulary = ['the', 'owl', 'hunts', 'at', 'night', 'and', 'sleeps', 'by', 'day', 'in', 'old', 'barns', 'mice']
    pages = []
    for number in range(1, 501):
        paragraphs = []
        for _ in range(6):
            sentences = [' '.join(rng.choice(vocabulary) for _ in range(14)).capitalize() + '.' for _ in range(5)]
            paragraphs.append('\n'.join(sentences))
        text = f'{number}\n\nSection {number}\n\n' + '\n\n'.join(paragraphs)
        pages.append(Page(number=number, text=text, headings=[Heading(len(f'{number}\n\n'), 1, f'Section {number}')]))
    chunks = chunk_pages(pages)
    assert_exact(pages, chunks)
    assert {c.page for c in chunks} == set(range(1, 501))
    assert all(c.heading == f'Section {c.page}' for c in chunks)
