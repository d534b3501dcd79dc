"""Citation markers in an answer -> the passages that were in its prompt, each with a verbatim supporting quote; and
the one rule that turns those markers into HTML when the text is rendered as Markdown (on screen and in a PDF)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from loguru import logger
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from aurenlm.llm.base import Passage, locate_quote
from aurenlm.text.sentences import content_words, split_sentences

# [1]  [1, 2]  [1;2]  [1-3]; adjacent groups like [1][2] are two matches
MARKER = re.compile(r'\[(\d{1,3}(?:\s*[,;–-]\s*\d{1,3})*)\]')


@dataclass
class Cite:
    marker: int
    chunk_id: int
    source_id: str
    source_title: str
    page: int
    quote: str


def markers_in(group: str) -> list[int]:
    numbers: list[int] = []
    for part in re.split(r'\s*[,;]\s*', group):
        if re.fullmatch(r'\d+\s*[–-]\s*\d+', part):
            low, high = (int(x) for x in re.split(r'\s*[–-]\s*', part))
            if 0 < high - low <= 20:
                numbers.extend(range(low, high + 1))
                continue
        if part.strip().isdigit():
            numbers.append(int(part))
    return numbers


def markdown_rule(chip: Callable[[list[int]], str | None]) -> Callable[[StateCore], None]:
    """A markdown-it core rule: each marker group in the text (`[1]`, `[2, 3]`) becomes the HTML that `chip` returns
    for its numbers, or stays text when `chip` returns None. Only `chip`'s HTML is added, so it must escape what it
    puts in; everything else stays a text token, escaped by the renderer. Code spans and blocks are not text tokens,
    so a `[1]` in code stays as written."""

    def rule(state: StateCore) -> None:
        for block in state.tokens:
            if block.type != 'inline' or not block.children:
                continue
            children: list[Token] = []
            for token in block.children:
                if token.type == 'text' and '[' in token.content:
                    children.extend(_chips_in(token.content, chip))
                else:
                    children.append(token)
            block.children = children

    return rule


def _chips_in(text: str, chip: Callable[[list[int]], str | None]) -> list[Token]:
    out: list[Token] = []
    position = 0
    for match in MARKER.finditer(text):
        markup = chip(markers_in(match.group(1)))
        if markup is None:
            continue
        if match.start() > position:
            out.append(_token('text', text[position : match.start()]))
        out.append(_token('html_inline', markup))
        position = match.end()
    if position < len(text):
        out.append(_token('text', text[position:]))
    return out


def _token(kind: str, content: str) -> Token:
    token = Token(kind, '', 0)
    token.content = content
    return token


def used_markers(answer: str) -> list[int]:
    seen: dict[int, None] = {}
    for match in MARKER.finditer(answer):
        for n in markers_in(match.group(1)):
            seen.setdefault(n, None)
    return list(seen)


def resolve(answer: str, passages: list[Passage]) -> list[Cite]:
    """One citation per marker used, pointing at a passage of this prompt; unknown markers are dropped."""
    by_marker = {p.marker: p for p in passages}
    claims = _claims(answer)
    cites: list[Cite] = []
    for n in used_markers(answer):
        passage = by_marker.get(n)
        if passage is None:
            logger.warning(f'answer cites [{n}] but only {len(passages)} passages were sent; dropped')
            continue
        cites.append(
            Cite(
                n,
                passage.chunk_id,
                passage.source_id,
                passage.source_title,
                passage.page,
                supporting_quote(passage, claims.get(n, '')),
            )
        )
    return cites


def _claims(answer: str) -> dict[int, str]:
    """For each marker, the answer sentence it first follows (markers stripped)."""
    claims: dict[int, str] = {}
    for span in split_sentences(answer):
        text = span.text
        numbers = [n for m in MARKER.finditer(text) for n in markers_in(m.group(1))]
        claim = MARKER.sub('', text).strip(' -*•')
        for n in numbers:
            claims.setdefault(n, claim)
    return claims


def supporting_quote(passage: Passage, claim: str) -> str:
    """The passage text that backs a claim, exactly as it stands in the source: the claim itself when it is a
    verbatim quote, else the passage sentence sharing the most words with it, else the passage."""
    if claim:
        located = locate_quote(passage.text, claim.strip('"“”'))
        if located:
            return passage.text[located[0] : located[1]]
    claim_words = set(content_words(claim))
    best, best_score = None, 0.0
    for span in split_sentences(passage.text):
        words = set(content_words(span.text))
        if not words:
            continue
        score = len(words & claim_words) / (len(words) ** 0.5)
        if score > best_score:
            best, best_score = span.text, score
    return best if best is not None else passage.text
