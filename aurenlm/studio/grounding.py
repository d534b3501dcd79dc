"""Turning model drafts into artifacts: item numbers become real chunks, quotes become exact substrings.

Anything the model cites that does not exist is dropped rather than shown: a citation must open a real passage.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass

from aurenlm.studio.inputs import StudioChunk
from aurenlm.studio.mindmap import BRANCH_COLORS
from aurenlm.studio.options import StudioError
from aurenlm.studio.schemas import (
    Card,
    Cite,
    Flashcards,
    FlashcardsDraft,
    MindMap,
    MindMapDraft,
    MindNode,
    MindNodeDraft,
    Question,
    Quiz,
    QuizDraft,
    Report,
    ReportDraft,
    assign_ids,
)
from aurenlm.text import sentences as textutil

MAX_MAP_DEPTH = 5
MAX_MAP_WIDTH = 10
_MARKER_GROUP = re.compile(r'\[(\d+(?:\s*(?:[,;]|[-–])\s*\d+)*)\]')
_DROPPED = '\x00'  # stands in for a marker that pointed nowhere, so the space before it goes too
_QUOTE_TRIM = '"“”‘’\'«»… '


@dataclass(frozen=True)
class Evidence:
    """What item [n] of a prompt stands for: a chunk, and for digests the key point the model saw instead of it."""

    chunk: StudioChunk
    hint: str = ''


def resolve_quote(text: str, *hints: str) -> str:
    """An exact substring of `text` that supports the hints: a hint found verbatim, else the best-matching sentence."""
    for hint in hints:
        hint = (hint or '').strip(_QUOTE_TRIM)
        if len(hint.split()) < 3:
            continue
        if hint in text:
            return hint
        tokens = hint.split()[:80]
        match = re.search(r'\s+'.join(re.escape(t) for t in tokens), text)  # PDF line breaks inside the quote
        if match:
            return match.group(0)
    wanted = set(textutil.content_words(' '.join(h or '' for h in hints)))
    spans = [s for s in textutil.split_sentences(text) if s.kind != 'code'] or textutil.split_sentences(text)
    if not spans:
        return text.strip()[:300]
    best = max(spans, key=lambda s: (len(wanted & set(textutil.content_words(s.text))), textutil.is_informative(s)))
    return best.text


def cite(evidence: Evidence, *hints: str) -> Cite:
    chunk = evidence.chunk
    quote = resolve_quote(chunk.text, *hints, evidence.hint)
    return Cite(chunk_id=chunk.chunk_id, source_id=chunk.source_id, page=chunk.page, quote=quote)


def _evidence_at(evidence: list[Evidence], number: int) -> Evidence | None:
    return evidence[number - 1] if 1 <= number <= len(evidence) else None


def _label(text: str) -> str:
    label = textutil.normalize_ws(_MARKER_GROUP.sub('', text or ''))
    return label if len(label) <= 80 else label[:79].rstrip() + '…'


def _nodes(drafts: list[MindNodeDraft], depth: int) -> list[MindNode]:
    nodes = []
    for draft in drafts[:MAX_MAP_WIDTH]:
        label = _label(draft.label)
        if not label:
            continue
        children = _nodes(draft.children, depth + 1) if depth < MAX_MAP_DEPTH else []
        nodes.append(MindNode(label=label, children=children))
    return nodes


def ground_mindmap(draft: MindMapDraft, title: str) -> MindMap:
    nodes = _nodes(draft.nodes, 1)
    if not nodes:
        raise StudioError('The model returned an empty mind map. Try again, or select more sources.')
    for i, node in enumerate(nodes):
        node.color = BRANCH_COLORS[i % len(BRANCH_COLORS)]
    return assign_ids(MindMap(title=title or _label(draft.title), nodes=nodes))


def ground_quiz(draft: QuizDraft, evidence: list[Evidence], count: int) -> Quiz:
    questions: list[Question] = []
    for item in draft.questions:
        source = _evidence_at(evidence, item.passage)
        options = [textutil.normalize_ws(o) for o in item.options]
        text = textutil.normalize_ws(item.question)
        valid = (
            source is not None
            and text
            and len(options) == 4
            and all(options)
            and len({o.lower() for o in options}) == 4
            and 0 <= item.correct_index < 4
        )
        if not valid:
            continue
        # models favour some answer positions; a seeded shuffle removes the pattern and stays reproducible
        order = list(range(4))
        random.Random(hashlib.sha256(text.encode()).digest()).shuffle(order)
        question_id = 'q' + hashlib.sha1(text.encode()).hexdigest()[:10]
        if any(q.id == question_id for q in questions):
            continue
        questions.append(
            Question(
                id=question_id,
                question=text,
                options=[options[i] for i in order],
                correct_index=order.index(item.correct_index),
                explanation=textutil.normalize_ws(item.explanation),
                citation=cite(source, item.quote, item.explanation, options[item.correct_index]),
            )
        )
        if len(questions) >= count:
            break
    if not questions:
        raise StudioError('The model returned no usable quiz questions. Try again.')
    return Quiz(questions=questions)


def ground_flashcards(draft: FlashcardsDraft, evidence: list[Evidence], count: int) -> Flashcards:
    cards: list[Card] = []
    for item in draft.cards:
        source = _evidence_at(evidence, item.passage)
        front, back = textutil.normalize_ws(item.front), textutil.normalize_ws(item.back)
        if source is None or not front or not back:
            continue
        card_id = 'c' + hashlib.sha1(f'{front}\n{back}'.encode()).hexdigest()[:10]
        if any(c.id == card_id for c in cards):
            continue
        cards.append(Card(id=card_id, front=front, back=back, citation=cite(source, item.quote, back)))
        if len(cards) >= count:
            break
    if not cards:
        raise StudioError('The model returned no usable flashcards. Try again.')
    return Flashcards(cards=cards)


def _numbers(group: str) -> list[int]:
    numbers: list[int] = []
    for part in re.split(r'\s*[,;]\s*', group):
        bounds = [int(x) for x in re.split(r'\s*[-–]\s*', part) if x]
        if len(bounds) == 2 and 0 <= bounds[1] - bounds[0] <= 20:
            numbers.extend(range(bounds[0], bounds[1] + 1))
        else:
            numbers.extend(bounds[:1])
    return numbers


def ground_report(draft: ReportDraft, evidence: list[Evidence], kind: str, title: str) -> Report:
    """Renumber the draft's markers 1..k in order of use, one citation per chunk; unknown markers are removed."""
    citations: list[Cite] = []
    by_chunk: dict[int, int] = {}
    lines = []
    for line in draft.markdown.splitlines():
        context = _MARKER_GROUP.sub('', line)

        def renumber(match: re.Match[str], context: str = context) -> str:
            markers = []
            for number in _numbers(match.group(1)):
                source = _evidence_at(evidence, number)
                if source is None:
                    continue
                if source.chunk.chunk_id not in by_chunk:
                    citations.append(cite(source, context))
                    by_chunk[source.chunk.chunk_id] = len(citations)
                marker = f'[{by_chunk[source.chunk.chunk_id]}]'
                if marker not in markers:
                    markers.append(marker)
            return ''.join(markers) or _DROPPED

        lines.append(re.sub(f' *{_DROPPED}', '', _MARKER_GROUP.sub(renumber, line)))
    markdown = '\n'.join(lines).strip() + '\n'
    return Report(kind=kind, title=title or textutil.normalize_ws(draft.title), markdown=markdown, citations=citations)
