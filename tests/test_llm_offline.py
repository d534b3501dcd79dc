"""The offline provider answers by quoting the passages verbatim, each quote followed by its passage's [n]."""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from aurenlm.config import Settings
from aurenlm.llm import OfflineProvider, get_provider, reset_provider
from aurenlm.llm.base import LLMError, Message, Passage, locate_quote
from aurenlm.llm.offline import NOT_COVERED, split_sentences

PDF = Path(__file__).parent / 'data' / 'libtasn1.pdf'
BULLET = re.compile(r'^- (?P<quote>.+) \[(?P<marker>\d+)\]$')


def pdf_chunks(max_chars: int = 1500) -> list[tuple[int, str]]:
    """(page number, text) chunks of the manual, cut at line ends, text exactly as pypdfium2 extracts it."""
    chunks = []
    document = pdfium.PdfDocument(str(PDF))
    try:
        for number, page in enumerate(document, start=1):
            text = page.get_textpage().get_text_range()
            current = ''
            for line in text.splitlines(keepends=True):
                if current and len(current) + len(line) > max_chars:
                    chunks.append((number, current))
                    current = ''
                current += line
            if current.strip():
                chunks.append((number, current))
    finally:
        document.close()
    return chunks


def passages_for(term: str, *, normalise: bool = False) -> list[Passage]:
    """What retrieval would hand over: the chunks that mention `term` (not the index), then two that do not."""
    chunks = pdf_chunks()
    hits = [c for c in chunks if term in c[1] and '. . . .' not in c[1]]
    others = [c for c in chunks if term not in c[1]][3:5]
    passages = []
    for marker, (page, text) in enumerate(hits + others, start=1):
        text = ' '.join(text.split()) if normalise else text
        passages.append(Passage(marker, marker * 10, 'src-1', 'GNU Libtasn1 manual', page, '', text))
    return passages


def quoted(answer: str) -> list[tuple[str, int]]:
    return [(m['quote'], int(m['marker'])) for m in map(BULLET.match, answer.splitlines()) if m]


@pytest.fixture(scope='module')
def passages() -> list[Passage]:
    found = passages_for('asn1_create_element')
    assert any('int asn1_create_element' in p.text for p in found)  # the page that defines it is among them
    return found


async def test_answer_quotes_passages_verbatim_with_their_markers(passages: list[Passage]) -> None:
    answer = await OfflineProvider().generate(
        '', [Message('user', 'What does asn1_create_element do?')], passages=passages
    )
    assert answer.startswith('Here is what your sources say about asn1_create_element:')
    quotes = quoted(answer)
    assert len(quotes) >= 2
    by_marker = {p.marker: p for p in passages}
    for quote, marker in quotes:
        span = locate_quote(by_marker[marker].text, quote)
        assert span is not None, f'[{marker}] does not contain {quote!r}'
        # only whitespace may differ, where the PDF broke a line inside the sentence
        assert ' '.join(by_marker[marker].text[span[0] : span[1]].split()) == quote
    assert any('asn1_create_element' in quote for quote, _ in quotes)
    # every line is the lead, a blank, or a quote: nothing else is said
    assert len(answer.splitlines()) == 2 + len(quotes)


async def test_quotes_are_exact_substrings_when_passages_have_no_line_breaks() -> None:
    passages = passages_for('asn1_create_element', normalise=True)
    answer = await OfflineProvider().generate(
        '', [Message('user', 'What does asn1_create_element do?')], passages=passages
    )
    quotes = quoted(answer)
    assert quotes
    by_marker = {p.marker: p for p in passages}
    for quote, marker in quotes:
        assert quote in by_marker[marker].text


async def test_the_question_is_the_last_user_message(passages: list[Passage]) -> None:
    history = [
        Message('user', 'What is the capital of France?'),
        Message('model', 'Your sources do not say.'),
        Message('user', 'What does asn1_create_element do?'),
    ]
    answer = await OfflineProvider().generate('', history, passages=passages)
    assert 'asn1_create_element' in answer


async def test_an_unrelated_question_is_not_covered(passages: list[Passage]) -> None:
    messages = [Message('user', 'What is the capital of France?')]
    assert await OfflineProvider().generate('', messages, passages=passages) == NOT_COVERED
    assert await OfflineProvider().generate('', [Message('user', 'What is it?')], passages=passages) == NOT_COVERED
    assert await OfflineProvider().generate('', [Message('user', 'asn1_create_element')], passages=[]) == NOT_COVERED


async def test_it_streams_in_small_pieces_without_losing_a_character(passages: list[Passage]) -> None:
    provider = OfflineProvider()
    messages = [Message('user', 'What does asn1_create_element do?')]
    pieces = [piece async for piece in provider.stream('', messages, passages=passages)]
    assert len(pieces) > 5
    assert all(len(piece.split()) <= 4 for piece in pieces)
    assert ''.join(pieces) == await provider.generate('', messages, passages=passages)


async def test_json_and_embeddings_are_not_offline_jobs() -> None:
    provider = OfflineProvider()
    with pytest.raises(LLMError) as failed:
        await provider.generate_json('', [Message('user', 'mind map')], Passage)  # type: ignore[arg-type]
    assert 'GEMINI_API_KEY' in failed.value.user_message
    with pytest.raises(NotImplementedError):
        await provider.embed(['text'])


def test_sentences_are_exact_spans_of_the_text() -> None:
    text = (
        'Intro line\nCreates a structure of type x. Example using "pkix.asn":\n'
        'Returns: ASN1_SUCCESS if creation OK, ASN1_ELEMENT_NOT_FOUND if source_name\r\nis not known.\n\n'
        'element: pointer to the structure created.'
    )
    spans = split_sentences(text)
    sentences = [text[s:e] for s, e in spans]
    assert sentences == [
        'Intro line',
        'Creates a structure of type x.',
        'Example using "pkix.asn":',
        'Returns: ASN1_SUCCESS if creation OK, ASN1_ELEMENT_NOT_FOUND if source_name\r\nis not known.',
        'element: pointer to the structure created.',
    ]


def test_offline_is_labelled() -> None:
    reset_provider()
    try:
        provider = get_provider(Settings(_env_file=None))
        assert isinstance(provider, OfflineProvider)
        assert provider.name == 'offline'
        assert provider.label == 'Offline — answers are quoted from your sources'
    finally:
        reset_provider()
