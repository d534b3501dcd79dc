"""The offline provider: no network, no model. It answers by quoting the passages' most relevant sentences verbatim.

Each quote is a sentence of a passage, whitespace-collapsed only where the source broke a line inside it
(`locate_quote` finds it again), followed by the passage's [n]. Nothing is paraphrased, so nothing is invented.
"""

from __future__ import annotations

import math
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import numpy as np

from aurenlm.llm.base import LLMError, Message, ModelT, Passage
from aurenlm.text.query import strip_question_words, terms

NOT_COVERED = 'Your sources do not seem to cover this question. Try rephrasing it, or select more sources.'
NO_JSON = (
    'This needs the AI service, which is not configured (no GEMINI_API_KEY). '
    'Offline, the studio builds it from your sources instead.'
)
MAX_QUOTES = 6
MAX_PER_PASSAGE = 4
MAX_QUOTE_CHARS = 500
MIN_QUOTE_WORDS = 4
MIN_COVERAGE = 0.3  # share of the question's weighted terms a sentence must match to be worth quoting
WORDS_PER_PIECE = 4

# a sentence ends at . ! ? (and any closing quote or bracket) before whitespace and a capital, digit or opener
_SENTENCE_END = re.compile(r'[.!?]["\'”’)\]]*(?=\s+["\'“‘(\[]?[A-Z0-9])')
_BLANK_LINE = re.compile(r'\n[ \t\r\f\v]*\n')
_LINE = re.compile(r'[^\r\n]*(?:\r\n|\n|\r)')
# a line that starts a new unit: a bullet, a numbered item, or a "label: text" entry of a reference manual
_LINE_START = re.compile(r'\s*(?:[-•*▪◦‣]\s|\d{1,3}[.)]\s|[A-Za-z][\w ]{0,30}:\s)')
_ABBREVIATIONS = frozenset({'e.g', 'i.e', 'etc', 'vs', 'cf', 'fig', 'no', 'approx', 'dr', 'mr', 'mrs', 'ms', 'st'})
# a line of code explains less than a sentence about it; it is quoted only when there is room
_CODE = re.compile(r';\s*$|\s=\s|[{}]')
_SHORT_LINE = 50  # shorter lines are headings or the last line of a paragraph, not a wrap inside a sentence
_TRAILING_VERB = re.compile(r'\s+(?:do|does|did|mean|means|work|works|exactly)\s*$', re.IGNORECASE)


class OfflineProvider:
    """Deterministic and instant; labelled in the UI so nobody mistakes its quotes for a model's answer."""

    name = 'offline'
    label = 'Offline — answers are quoted from your sources'

    async def stream(
        self, system: str, messages: list[Message], *, passages: list[Passage] | None = None
    ) -> AsyncIterator[str]:
        """Yield the answer in small word groups, so the UI streams it like a model's."""
        question = next((m.text for m in reversed(messages) if m.role == 'user'), '')
        for piece in _pieces(answer(question, passages or [])):
            yield piece

    async def generate(self, system: str, messages: list[Message], *, passages: list[Passage] | None = None) -> str:
        return ''.join([piece async for piece in self.stream(system, messages, passages=passages)])

    async def generate_json(
        self, system: str, messages: list[Message], schema: type[ModelT], *, passages: list[Passage] | None = None
    ) -> ModelT:
        raise LLMError(NO_JSON)

    async def embed(self, texts: list[str]) -> np.ndarray:
        # offline vectors come from aurenlm.search.embeddings (wordllama), which the index calls directly
        raise NotImplementedError('OfflineProvider has no embedding model; use aurenlm.search.embeddings.embed_texts')


@dataclass
class Quote:
    passage: Passage
    rank: int  # the passage's place in the list: retrieval's order, best first
    start: int  # offsets of the sentence in passage.text
    end: int
    text: str  # the sentence, whitespace runs collapsed to one space
    score: float = 0.0


def answer(question: str, passages: list[Passage]) -> str:
    """The whole offline answer as Markdown: a lead sentence, then one bullet per quoted sentence with its [n]."""
    quotes = best_quotes(question, passages)
    if not quotes:
        return NOT_COVERED
    lines = [f'Here is what your sources say about {topic(question)}:', '']
    lines += [f'- {q.text} [{q.passage.marker}]' for q in quotes]
    return '\n'.join(lines)


def best_quotes(question: str, passages: list[Passage]) -> list[Quote]:
    """The sentences that answer `question` best, in reading order (passage rank, then position)."""
    wanted = list(dict.fromkeys(terms(question)))
    if not wanted or not passages:
        return []
    units: list[Quote] = []
    unit_terms: list[set[str]] = []
    for rank, passage in enumerate(passages):
        for start, end in split_sentences(passage.text):
            units.append(Quote(passage, rank, start, end, ' '.join(passage.text[start:end].split())))
            unit_terms.append(set(terms(passage.text[start:end])))
    if not units:
        return []
    # rarer terms say more; a whole identifier (asn1_create_element) counts double over its parts
    weight = {}
    for term in wanted:
        df = sum(term in found for found in unit_terms)
        idf = math.log(1 + len(units) / (df or 1))
        weight[term] = idf * (2.0 if re.search(r'[_.\-/:]', term) else 1.0)
    total = sum(weight.values())
    raw = [sum(weight[t] for t in wanted if t in found) for found in unit_terms]
    for i, unit in enumerate(units):
        if not raw[i]:
            continue
        # a sentence right after a strong match is often its explanation (a signature, then what it does)
        near = [raw[j] for j in range(max(0, i - 5), i) if units[j].passage is unit.passage]
        relevance = raw[i] + 0.25 * max(near, default=0.0)
        if relevance / total >= MIN_COVERAGE and _quotable(unit.text):
            unit.score = relevance / (1 + 0.1 * unit.rank) * (0.6 if _CODE.search(unit.text) else 1.0)
    ranked = sorted((u for u in units if u.score > 0), key=lambda u: (-u.score, u.rank, u.start))
    chosen: list[Quote] = []
    seen: set[str] = set()
    per_passage: dict[int, int] = {}
    for unit in ranked:
        key = unit.text.lower()
        if key in seen or per_passage.get(unit.rank, 0) >= MAX_PER_PASSAGE:
            continue
        seen.add(key)
        per_passage[unit.rank] = per_passage.get(unit.rank, 0) + 1
        chosen.append(unit)
        if len(chosen) == MAX_QUOTES:
            break
    return sorted(chosen, key=lambda u: (u.rank, u.start))


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence-like unit of `text`, trimmed, so text[start:end] is the exact sentence.

    Besides . ! ?, a unit also ends at a blank line, and at a line break after a short line, after : or ;, or before
    a bullet or a "label: ..." line, which is how reference manuals extracted from PDFs are laid out.
    """
    cuts = {0, len(text)}
    for match in _SENTENCE_END.finditer(text):
        word = re.search(r'(\w[\w.]*)[.!?]$', text[max(0, match.start() - 12) : match.start() + 1])
        if not (word and _is_abbreviation(word.group(1))):
            cuts.add(match.end())
    cuts.update(m.start() for m in _BLANK_LINE.finditer(text))
    for line in _LINE.finditer(text):
        content = line.group().strip()
        ends_clause = content.endswith((':', ';', '.', '!', '?'))
        if len(content) < _SHORT_LINE or ends_clause or _LINE_START.match(text, line.end()):
            cuts.add(line.end())
    spans = []
    edges = sorted(cuts)
    for start, end in zip(edges, edges[1:], strict=False):
        piece = text[start:end]
        stripped = piece.strip()
        if stripped:
            lead = len(piece) - len(piece.lstrip())
            spans.append((start + lead, start + lead + len(stripped)))
    return spans


def _is_abbreviation(word: str) -> bool:
    # "e.g. The", "Dr. Smith", "J. Smith": a full stop that does not end the sentence
    return word.lower() in _ABBREVIATIONS or (len(word) == 1 and word.isupper())


def topic(question: str) -> str:
    """What the question is about, in its own words: 'What does asn1_create_element do?' -> asn1_create_element."""
    text = _TRAILING_VERB.sub('', strip_question_words(question)).strip().rstrip('?!.').strip()
    if len(text) > 80:
        text = text[:80].rsplit(' ', 1)[0] + '…'
    return text or 'this question'


def _quotable(sentence: str) -> bool:
    if len(sentence) > MAX_QUOTE_CHARS or len(re.findall(r'\w+', sentence)) < MIN_QUOTE_WORDS:
        return False
    # leader dots of a table of contents, rows of numbers: not a sentence anybody wants quoted
    letters = sum(ch.isalpha() for ch in sentence)
    return letters >= 0.5 * len(sentence.replace(' ', ''))


def _pieces(text: str) -> list[str]:
    words = re.findall(r'\S+\s*', text)
    head = text[: len(text) - len(text.lstrip())]
    pieces = [''.join(words[i : i + WORDS_PER_PIECE]) for i in range(0, len(words), WORDS_PER_PIECE)]
    if pieces:
        pieces[0] = head + pieces[0]
    return pieces or [text]
