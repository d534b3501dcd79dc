"""Offline flashcards: definitions found in the sources ('X is a ...') and questions made from their headings."""

from __future__ import annotations

import hashlib

from aurenlm.studio import patterns
from aurenlm.studio.corpus import Corpus, Sentence, heading_question, lower_first
from aurenlm.studio.options import StudioError
from aurenlm.studio.schemas import Card, Flashcards
from aurenlm.text import sentences as textutil

_UNQUOTE = str.maketrans('', '', '"“”‘’`')  # quotes mark a defined term; the question does not need them


def definition_front(sentence: str) -> str | None:
    """The question a definitional sentence answers: 'DER is a ...' -> 'What is DER?'."""
    found = patterns.find_definition(sentence)
    if found is None:
        return None
    term = lower_first(' '.join(found.term.translate(_UNQUOTE).split()))
    if not term:
        return None
    if found.verb == 'is':
        return f'What is {term}?'
    if found.verb == 'are':
        return f'What are {term}?'
    if found.verb == 'is defined as':
        return f'How is {term} defined?'
    return f'What does {term} mean?'


def _card(corpus: Corpus, front: str, sentence: Sentence) -> Card:
    back = sentence.clean
    return Card(
        id='c' + hashlib.sha1(f'{front}\n{back}'.encode()).hexdigest()[:10],
        front=front,
        back=back,
        citation=corpus.cite(sentence),
    )


def _definition_cards(corpus: Corpus, source_index: int) -> list[tuple[str, Sentence]]:
    found = []
    for ci in corpus.source_chunks[source_index]:
        for sentence in corpus.sentences_in([ci]):
            front = definition_front(sentence.text)
            if front:
                found.append((front, sentence))
    # the most central definitions first: they are about what the source is about
    found.sort(key=lambda fs: (-float(corpus.centrality[fs[1].index]), fs[1].index))
    return found


def _heading_cards(corpus: Corpus, source_index: int) -> list[tuple[str, Sentence]]:
    found = []
    for root in corpus.sections(source_index):
        for section in root.flat():
            question = heading_question(section.title)
            chunks = section.chunks()
            if not question or not chunks:
                continue
            heading_words = set(textutil.content_words(section.title))
            # of the section's central sentences, the first that names the heading's subject answers it
            for sentence in corpus.central(chunks, 8):
                if heading_words & set(textutil.content_words(sentence.text)):
                    found.append((question, sentence))
                    break
    return found


def _interleave(*lists: list) -> list:
    out = []
    for i in range(max((len(items) for items in lists), default=0)):
        out.extend(items[i] for items in lists if i < len(items))
    return out


def offline_flashcards(corpus: Corpus, count: int) -> Flashcards:
    """Up to `count` cards, taken in turn from every source, definitions and heading questions alternating."""
    per_source = [
        _interleave(_definition_cards(corpus, i), _heading_cards(corpus, i)) for i in range(len(corpus.sources))
    ]
    cards: list[Card] = []
    fronts: set[str] = set()
    backs: set[int] = set()
    for front, sentence in _interleave(*per_source):
        if front.lower() in fronts or sentence.index in backs:
            continue
        cards.append(_card(corpus, front, sentence))
        fronts.add(front.lower())
        backs.add(sentence.index)
        if len(cards) >= count:
            break
    if not cards:
        raise StudioError('No definitions or headings were found for flashcards. Select more sources or add text.')
    return Flashcards(cards=cards)
