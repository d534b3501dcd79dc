"""Flashcards: definitions and heading questions on the front, the source's own sentence on the back, cited."""

from __future__ import annotations

import pytest
from test_studio_corpus import selection, text_source

from aurenlm.studio.corpus import Corpus
from aurenlm.studio.flashcards import definition_front, offline_flashcards
from aurenlm.studio.inputs import StudioChunk, StudioSource
from aurenlm.studio.options import StudioError
from aurenlm.text.sentences import normalize_ws


@pytest.fixture(scope='module')
def corpus() -> Corpus:
    return Corpus(selection())


def test_cards_quote_their_source_verbatim(corpus: Corpus) -> None:
    deck = offline_flashcards(corpus, 20)
    assert len(deck.cards) == 20
    assert len({c.id for c in deck.cards}) == 20
    assert len({c.front.lower() for c in deck.cards}) == 20
    texts = {c.chunk_id: c.text for c in corpus.chunks}
    for card in deck.cards:
        assert card.citation.quote in texts[card.citation.chunk_id]
        assert card.back == normalize_ws(card.citation.quote)
        assert card.front.endswith('?')


def test_cards_cover_definitions_headings_and_every_source(corpus: Corpus) -> None:
    deck = offline_flashcards(corpus, 40)
    fronts = {c.front for c in deck.cards}
    assert 'What is the GNU General Public License?' in fronts  # "The GNU General Public License is a ..."
    assert 'What are DER functions?' in fronts or 'What are ASN.1 field functions?' in fronts  # from headings
    assert {c.citation.source_id for c in deck.cards} == {s.source_id for s in corpus.sources}


@pytest.mark.parametrize(
    ('sentence', 'front'),
    [
        ('DER is a binary encoding of ASN.1 values.', 'What is DER?'),
        ('Flashcards are small cards used for study.', 'What are flashcards?'),
        ('"Object code" means any non-source form of a work.', 'What does object code mean?'),
        ('The output file is a binary file.', 'What is the output file?'),
        ('This works well in practice.', None),  # no definition in it
    ],
)
def test_definition_fronts(sentence: str, front: str | None) -> None:
    assert definition_front(sentence) == front


def test_deck_is_deterministic(corpus: Corpus) -> None:
    assert offline_flashcards(corpus, 15) == offline_flashcards(corpus, 15)


def test_no_prose_gives_a_clear_error() -> None:
    source = StudioSource('s', 'Table', 'sha', [], [StudioChunk(1, 's', 'Table', 1, '', '1 2 3\n4 5 6\n')])
    with pytest.raises(StudioError, match='Select more sources'):
        offline_flashcards(Corpus([source]), 10)


def test_plain_text_source_still_gets_cards() -> None:
    deck = offline_flashcards(Corpus([text_source('gpl-3.txt')]), 10)
    assert len(deck.cards) == 10
