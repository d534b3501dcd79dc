"""The document model of Markdown and PDF exports, built from an export bundle, and its Markdown rendering.

Citations [n] in answers, notes and reports become footnotes naming the source and page; a note's own headings are
moved below the note's title; mind maps become outlines, quizzes list their options with the answer marked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aurenlm.chat.citations import MARKER, markers_in
from aurenlm.exchange.schema import ArtifactOut, Bundle, CitationOut, MessageOut, NoteOut, SourceOut, citation_from
from aurenlm.models import Artifact
from aurenlm.studio.options import KIND_LABELS as ARTIFACT_LABELS

KIND_LABELS = {
    'pdf': 'PDF',
    'docx': 'Word',
    'html': 'Web page',
    'url': 'Web page',
    'markdown': 'Markdown',
    'text': 'Text',
    'note': 'Note',
}
REPORT_KINDS = ('study_guide', 'briefing', 'faq', 'timeline')
FOOTNOTE_QUOTE = 300  # characters of the quoted passage shown in a footnote


def when(at: datetime | None) -> str:
    if at is None:
        return ''
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime('%Y-%m-%d %H:%M UTC')


@dataclass
class Footnote:
    source: str
    page: int
    quote: str

    def text(self, limit: int = FOOTNOTE_QUOTE) -> str:
        quote = ' '.join(self.quote.split())
        if len(quote) > limit:
            quote = quote[: limit - 1].rstrip() + '…'
        where = f'{self.source}, p. {self.page}'
        return f'{where}: “{quote}”' if quote else where


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Meta:
    text: str


@dataclass
class Question:
    text: str
    meta: str


@dataclass
class Markdown:
    text: str
    cites: dict[int, Footnote] = field(default_factory=dict)
    shift: int = 0  # heading levels added inside the text, so a note's "# Intro" sits below the note's title
    label: str = ''  # who wrote it, for answers


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]


@dataclass
class Doc:
    title: str
    subtitle: str = ''
    facts: list[tuple[str, str]] = field(default_factory=list)
    blocks: list[Any] = field(default_factory=list)
    cover: bool = False


def footnotes(cites: list[CitationOut]) -> dict[int, Footnote]:
    return {c.marker: Footnote(c.source_title or 'Deleted source', c.page, c.quote) for c in cites}


def md_inline(text: str) -> str:
    """Model-written labels as literal Markdown text on one line."""
    text = ' '.join(str(text or '').split())
    return re.sub(r'([\\`*_\[\]<>#|])', r'\\\1', text)


def artifact_markdown(artifact: Artifact | ArtifactOut, *, full: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """A finished artifact as Markdown with [n] markers, and the citations the markers point at."""
    data = artifact.data or {}
    cites: list[dict[str, Any]] = []

    def cite(raw: Any) -> str:
        if not isinstance(raw, dict) or 'source_id' not in raw:
            return ''
        cites.append({**raw, 'marker': len(cites) + 1})
        return f' [{len(cites)}]'

    if artifact.kind in REPORT_KINDS:
        for index, raw in enumerate(data.get('citations') or []):
            if isinstance(raw, dict):
                cites.append({**raw, 'marker': index + 1})
        return str(data.get('markdown') or ''), cites
    lines: list[str] = []
    if artifact.kind == 'mindmap':
        lines.append(f'**{md_inline(data.get("title") or artifact.title)}**\n')

        def walk(nodes: Any, depth: int) -> None:
            for node in nodes if isinstance(nodes, list) else []:
                if isinstance(node, dict):
                    lines.append(f'{"  " * depth}- {md_inline(node.get("label", ""))}')
                    walk(node.get('children'), depth + 1)

        walk(data.get('nodes'), 0)
    elif artifact.kind == 'quiz':
        for number, question in enumerate(data.get('questions') or [], start=1):
            if not isinstance(question, dict):
                continue
            lines.append(f'**{number}. {md_inline(question.get("question", ""))}**\n')
            correct = question.get('correct_index') if full else None
            for index, option in enumerate(question.get('options') or []):
                letter = 'ABCD'[index] if index < 4 else str(index + 1)
                mark = ' ✓ *(correct)*' if index == correct else ''
                lines.append(f'- {letter}. {md_inline(option)}{mark}')
            if correct is not None and 'explanation' in question:
                lines.append(f'\n*Why:* {md_inline(question.get("explanation", ""))}{cite(question.get("citation"))}')
            lines.append('')
    elif artifact.kind == 'flashcards':
        for card in data.get('cards') or []:
            if isinstance(card, dict):
                lines.append(
                    f'- **{md_inline(card.get("front", ""))}** — {md_inline(card.get("back", ""))}'
                    f'{cite(card.get("citation"))}'
                )
    return '\n'.join(lines).strip() + '\n', cites


def _latest_versions(artifacts: list[ArtifactOut]) -> list[ArtifactOut]:
    """The newest version of each artifact chain that finished (older versions stay in the JSON export)."""
    parents = {a.parent_id for a in artifacts if a.parent_id}
    return [a for a in artifacts if a.id not in parents and a.status == 'done' and a.data]


def _artifact_blocks(artifact: ArtifactOut, level: int, titles: dict[str, str]) -> list[Any]:
    body, raw_cites = artifact_markdown(artifact)
    cites = footnotes([citation_from(c, titles) for c in raw_cites])
    engine = 'offline, built from your sources' if artifact.engine == 'offline' else artifact.engine
    meta = ' · '.join(
        x for x in (ARTIFACT_LABELS.get(artifact.kind, artifact.kind), when(artifact.created_at), engine) if x
    )
    return [
        Heading(level, artifact.title or ARTIFACT_LABELS.get(artifact.kind, 'Artifact')),
        Meta(meta),
        Markdown(body, cites, shift=level),
    ]


def _note_blocks(note: NoteOut, level: int) -> list[Any]:
    kind = {'answer': 'Saved answer', 'report': 'Saved report'}.get(note.kind, 'Note')
    return [
        Heading(level, note.title or 'Untitled note'),
        Meta(f'{kind} · updated {when(note.updated_at)} · {len(note.versions)} version(s)'),
        Markdown(note.body, footnotes(note.citations), shift=level),
    ]


def _conversation_blocks(messages: list[MessageOut]) -> list[Any]:
    blocks: list[Any] = []
    for message in messages:
        if message.superseded_by is not None:
            continue
        if message.role == 'user':
            blocks.append(Question(message.content, f'You · {when(message.created_at)}'))
            continue
        state = {'interrupted': ' · interrupted', 'failed': ' · failed', 'streaming': ' · unfinished'}
        label = f'Answer · {when(message.created_at)}{state.get(message.status, "")}'
        blocks.append(Markdown(message.content or '*(no answer)*', footnotes(message.citations), label=label))
    return blocks


def _source_rows(sources: list[SourceOut]) -> list[list[str]]:
    rows = []
    for number, source in enumerate(sources, start=1):
        status = '' if source.status == 'ready' else f' ({source.status})'
        rows.append(
            [
                str(number),
                source.title + status,
                KIND_LABELS.get(source.kind, source.kind),
                f'{source.page_count:,}',
                f'{source.word_count:,}',
            ]
        )
    return rows


def build_doc(bundle: Bundle) -> Doc:
    titles = {s.id: s.title for s in bundle.sources}
    if bundle.scope == 'note' and bundle.notes:
        note = bundle.notes[0]
        blocks = _note_blocks(note, 1)[1:]
        return Doc(note.title or 'Untitled note', bundle.notebook.title, blocks=blocks)
    if bundle.scope == 'artifact' and bundle.artifacts:
        artifact = bundle.artifacts[0]
        return Doc(
            artifact.title or 'Artifact', bundle.notebook.title, blocks=_artifact_blocks(artifact, 1, titles)[1:]
        )
    if bundle.scope == 'chat':
        blocks = _conversation_blocks(bundle.messages) or [Meta('No messages yet.')]
        return Doc(f'{bundle.notebook.title}: conversation', f'Exported {when(bundle.exported_at)}', blocks=blocks)
    current = [m for m in bundle.messages if m.superseded_by is None]
    artifacts = _latest_versions(bundle.artifacts)
    facts = [
        ('Exported', when(bundle.exported_at)),
        ('By', bundle.exported_by),
        ('Sources', str(len(bundle.sources))),
        ('Notes', str(len(bundle.notes))),
        ('Questions asked', str(sum(m.role == 'user' for m in current))),
        ('Studio outputs', str(len(artifacts))),
    ]
    blocks: list[Any] = [Heading(1, 'Sources')]
    if bundle.sources:
        blocks.append(Table(['#', 'Title', 'Kind', 'Pages', 'Words'], _source_rows(bundle.sources)))
    else:
        blocks.append(Meta('No sources.'))
    blocks.append(Heading(1, 'Notes'))
    for note in sorted(bundle.notes, key=lambda n: (n.updated_at, n.id), reverse=True):
        blocks.extend(_note_blocks(note, 2))
    if not bundle.notes:
        blocks.append(Meta('No notes.'))
    blocks.append(Heading(1, 'Conversation'))
    blocks.extend(_conversation_blocks(bundle.messages) or [Meta('No messages.')])
    blocks.append(Heading(1, 'Studio'))
    for artifact in artifacts:
        blocks.extend(_artifact_blocks(artifact, 2, titles))
    if not artifacts:
        blocks.append(Meta('Nothing generated yet.'))
    return Doc(bundle.notebook.title, 'Notebook export', facts=facts, blocks=blocks, cover=True)


# -- Markdown -------------------------------------------------------------------------------------------------------

_FENCE = re.compile(r'^ {0,3}(`{3,}|~{3,})')
_INLINE_CODE = re.compile(r'(`+)(?:.+?)\1')
_ATX = re.compile(r'^( {0,3})(#{1,6})(?=\s|$)')


def _outside_code(text: str, transform) -> str:
    """Apply `transform` to the text outside fenced code blocks and inline code spans."""
    out: list[str] = []
    fence: str | None = None
    for line in text.split('\n'):
        opened = _FENCE.match(line)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            out.append(line)
            continue
        if opened:
            fence = opened.group(1)
            out.append(line)
            continue
        parts, position = [], 0
        for match in _INLINE_CODE.finditer(line):
            parts.append(transform(line[position : match.start()]))
            parts.append(match.group(0))
            position = match.end()
        parts.append(transform(line[position:]))
        out.append(''.join(parts))
    return '\n'.join(out)


def shift_headings(text: str, shift: int) -> str:
    if shift <= 0:
        return text

    def one(line: str) -> str:
        match = _ATX.match(line)
        if not match:
            return line
        level = min(6, len(match.group(2)) + shift)
        return match.group(1) + '#' * level + line[match.end() :]

    return _outside_code(text, lambda segment: '\n'.join(one(x) for x in segment.split('\n')))


class FootnoteCounter:
    """Numbers footnotes across the whole document."""

    def __init__(self) -> None:
        self.next = 1

    def take(self) -> int:
        number = self.next
        self.next += 1
        return number


def markdown_footnotes(text: str, cites: dict[int, Footnote], counter: FootnoteCounter) -> tuple[str, list[str]]:
    """[n] markers that have a citation become [^k] footnote references; answers the text and the definitions."""
    numbers: dict[int, int] = {}

    def replace(match: re.Match) -> str:
        known = [n for n in markers_in(match.group(1)) if n in cites]
        if not known:
            return match.group(0)
        refs = []
        for n in known:
            if n not in numbers:
                numbers[n] = counter.take()
            refs.append(f'[^{numbers[n]}]')
        return ''.join(refs)

    converted = _outside_code(text, lambda segment: MARKER.sub(replace, segment))
    definitions = [f'[^{k}]: {cites[n].text()}' for n, k in sorted(numbers.items(), key=lambda item: item[1])]
    return converted, definitions


def _cell(text: str) -> str:
    return ' '.join(str(text).split()).replace('|', '\\|')


def render_markdown(doc: Doc) -> str:
    counter = FootnoteCounter()
    out: list[str] = [f'# {md_inline(doc.title)}', '']
    if doc.subtitle:
        out += [f'*{md_inline(doc.subtitle)}*', '']
    if doc.facts:
        out += [f'- **{label}:** {md_inline(value)}' for label, value in doc.facts] + ['']
    shift = 1  # the document title is the only level-1 heading
    for block in doc.blocks:
        if isinstance(block, Heading):
            out += [f'{"#" * min(6, block.level + shift)} {md_inline(block.text)}', '']
        elif isinstance(block, Meta):
            out += [f'*{md_inline(block.text)}*', '']
        elif isinstance(block, Question):
            out += [f'**{md_inline(block.meta)}**', '']
            out += ['> ' + line if line.strip() else '>' for line in block.text.strip().split('\n')] + ['']
        elif isinstance(block, Markdown):
            if block.label:
                out += [f'**{md_inline(block.label)}**', '']
            text, definitions = markdown_footnotes(block.text.strip(), block.cites, counter)
            out += [shift_headings(text, block.shift + shift), '']
            if definitions:
                out += definitions + ['']
        elif isinstance(block, Table):
            out.append('| ' + ' | '.join(_cell(h) for h in block.header) + ' |')
            out.append('|' + '|'.join(' --- ' for _ in block.header) + '|')
            out += ['| ' + ' | '.join(_cell(c) for c in row) + ' |' for row in block.rows]
            out.append('')
    return '\n'.join(out).rstrip() + '\n'
