"""Studio artifacts as pydantic models: what is stored and shown, and the id-less drafts the model fills in.

The drafts double as Gemini structured-output schemas (`model_json_schema()`); the mind-map node is recursive, so
its schema uses `$defs`/`$ref`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Literal

from pydantic import BaseModel, Field

ReportKind = Literal['study_guide', 'briefing', 'faq', 'timeline']


class Cite(BaseModel):
    """Where a statement comes from: a chunk, and the exact substring of its text that supports it."""

    chunk_id: int
    source_id: str
    page: int
    quote: str


# -- stored artifacts ---------------------------------------------------------------------------------------------


class MindNode(BaseModel):
    id: str = ''
    label: str
    color: str | None = None
    children: list[MindNode] = Field(default_factory=list)


class MindMap(BaseModel):
    title: str
    nodes: list[MindNode] = Field(default_factory=list)


class Question(BaseModel):
    id: str
    question: str
    options: list[str] = Field(min_length=4, max_length=4)
    correct_index: int = Field(ge=0, le=3)
    explanation: str
    citation: Cite


class Quiz(BaseModel):
    questions: list[Question] = Field(default_factory=list)


class GradeResult(BaseModel):
    question_id: str
    chosen: int | None
    correct: bool
    correct_index: int
    explanation: str
    citation: Cite


class Grade(BaseModel):
    score: int
    total: int
    results: list[GradeResult]


class Card(BaseModel):
    id: str
    front: str
    back: str
    citation: Cite


class Flashcards(BaseModel):
    cards: list[Card] = Field(default_factory=list)


class Report(BaseModel):
    """Markdown with citation markers `[n]`; `citations[n - 1]` is what marker n points at."""

    kind: ReportKind
    title: str
    markdown: str
    citations: list[Cite] = Field(default_factory=list)


# -- what the model fills in (no ids; passages are referred to by their [n] number) ------------------------------


class MindNodeDraft(BaseModel):
    label: str = Field(description='A short topic label, at most 8 words.')
    children: list[MindNodeDraft] = Field(default_factory=list, description='Sub-topics; leave empty for a leaf.')


class MindMapDraft(BaseModel):
    title: str
    nodes: list[MindNodeDraft] = Field(description='The main branches, 3 to 8 of them.')


class QuestionDraft(BaseModel):
    question: str
    options: list[str] = Field(description='Exactly 4 distinct answer options, one of them correct.')
    correct_index: int = Field(description='0-based index of the correct option.')
    explanation: str = Field(description='Why the answer is right, from the passage.')
    passage: int = Field(description='The [n] number of the passage the answer comes from.')
    quote: str = Field(description='A sentence copied word for word from that passage that supports the answer.')


class QuizDraft(BaseModel):
    questions: list[QuestionDraft]


class CardDraft(BaseModel):
    front: str = Field(description='A term or a short question.')
    back: str = Field(description='The definition or answer, in one or two sentences.')
    passage: int = Field(description='The [n] number of the passage the card comes from.')
    quote: str = Field(description='A sentence copied word for word from that passage.')


class FlashcardsDraft(BaseModel):
    cards: list[CardDraft]


class ReportDraft(BaseModel):
    title: str
    markdown: str = Field(description='The document in Markdown; cite passages with [n] after each claim.')


class KeyPoint(BaseModel):
    point: str = Field(description='One self-contained statement from the source.')
    passages: list[int] = Field(description='The [n] numbers of the passages that support it.')


class SourceDigest(BaseModel):
    """The map step of map-reduce: one source condensed into cited key points."""

    summary: str = Field(description='What the source is about, in 2 to 4 sentences.')
    topics: list[str] = Field(default_factory=list, description='Its main topics, as short labels.')
    key_points: list[KeyPoint]


# -- stable mind-map ids ------------------------------------------------------------------------------------------


def _node_id(parent_id: str, label: str, occurrence: int) -> str:
    # The id depends only on the label path and the repeat count among siblings, so regenerating the same map
    # (or editing elsewhere in it) keeps ids, and with them the UI's expanded/collapsed state.
    key = f'{parent_id}/{" ".join(label.split()).lower()}#{occurrence}'
    return 'n' + hashlib.sha1(key.encode('utf-8')).hexdigest()[:12]


def assign_ids(mindmap: MindMap) -> MindMap:
    """A copy of the map with unique, stable node ids derived from each node's label path."""
    result = mindmap.model_copy(deep=True)

    def visit(nodes: list[MindNode], parent_id: str) -> None:
        seen: Counter[str] = Counter()
        for node in nodes:
            label_key = ' '.join(node.label.split()).lower()
            node.id = _node_id(parent_id, node.label, seen[label_key])
            seen[label_key] += 1
            visit(node.children, node.id)

    visit(result.nodes, '')
    return result


def iter_nodes(nodes: list[MindNode]) -> list[MindNode]:
    """Every node of a (sub)tree, depth first."""
    out: list[MindNode] = []
    for node in nodes:
        out.append(node)
        out.extend(iter_nodes(node.children))
    return out
