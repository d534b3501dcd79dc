"""What extraction produces: pages of plain text with heading positions, an outline and a title."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# A "word" for counting and chunking: a CJK character on its own (those scripts have no spaces), or a run of other
# non-space characters, cut at 60 so that a pasted blob without spaces still splits into bounded pieces.
_CJK_CHARS = '\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f'
CJK_RE = re.compile(f'[{_CJK_CHARS}]')
WORD_RE = re.compile(f'[{_CJK_CHARS}]|[^\\s{_CJK_CHARS}]{{1,60}}')


def count_words(text: str) -> int:
    """Words as the chunker counts them. str.split agrees with WORD_RE on ordinary text and is ten times faster;
    text in CJK script, or with very long tokens, is counted the exact way."""
    words = len(text.split())
    if len(text) > 60 * words or (not text.isascii() and CJK_RE.search(text)):
        return len(WORD_RE.findall(text))
    return words


@dataclass
class Heading:
    offset: int  # character index into the page's text where the heading line starts
    level: int  # 1 is the top level
    title: str


@dataclass
class Page:
    number: int  # 1-based
    text: str
    headings: list[Heading] = field(default_factory=list)


@dataclass
class OutlineEntry:
    title: str
    level: int
    page: int | None
    children: list[OutlineEntry] = field(default_factory=list)

    def to_dict(self) -> dict:
        """A JSON-friendly form, for storing the outline next to the source."""
        return {
            'title': self.title,
            'level': self.level,
            'page': self.page,
            'children': [c.to_dict() for c in self.children],
        }


@dataclass
class Extracted:
    pages: list[Page]
    outline: list[OutlineEntry]
    title: str | None = None

    @property
    def word_count(self) -> int:
        return sum(count_words(p.text) for p in self.pages)

    @property
    def text(self) -> str:
        return '\n\n'.join(p.text for p in self.pages)


def build_outline(flat: list[tuple[int, str, int | None]]) -> list[OutlineEntry]:
    """Nest (level, title, page) entries in document order into a tree; levels may skip (1 then 3)."""
    roots: list[OutlineEntry] = []
    stack: list[OutlineEntry] = []
    for level, title, page in flat:
        entry = OutlineEntry(title=title, level=level, page=page)
        while stack and stack[-1].level >= level:
            stack.pop()
        (stack[-1].children if stack else roots).append(entry)
        stack.append(entry)
    return roots


def outline_from_pages(pages: list[Page]) -> list[OutlineEntry]:
    """The outline of a document whose headings were found in its text."""
    return build_outline([(h.level, h.title, p.number) for p in pages for h in p.headings])


_SPACES = re.compile(r'[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+')
_CONTROL = re.compile(r'[\x00-\x08\x0b\x0e-\x1f\x7f\ufeff\ufffe\uffff]')


def clean_line(line: str) -> str:
    """A single-line title: no control characters, single spaces."""
    return _SPACES.sub(' ', _CONTROL.sub('', line.replace('\n', ' ').replace('\r', ' '))).strip()


def clean_title(title: str) -> str:
    """A heading or bookmark title: one line, without the pilcrow that documentation generators add as a permalink."""
    return clean_line(title).rstrip('¶ ').strip()


def normalize_text(text: str) -> str:
    """Unix newlines, no control characters, no trailing spaces, at most one blank line in a row."""
    text = text.replace('\r\n', '\n').replace('\r', '\n').replace('\f', '\n\n').replace('\v', '\n')
    text = _CONTROL.sub('', text)
    lines = [line.rstrip() for line in text.split('\n')]
    text = '\n'.join(lines)
    return re.sub(r'\n{3,}', '\n\n', text).strip('\n')
