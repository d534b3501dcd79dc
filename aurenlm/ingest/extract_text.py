"""Plain text and Markdown: decode, normalise, and find headings (Markdown syntax, or numbered/capital lines)."""

from __future__ import annotations

import re
from pathlib import Path

from .document import Extracted, Heading, Page, clean_line, normalize_text, outline_from_pages
from .errors import IngestError
from .textdecode import decode_text

_FENCE = re.compile(r'^ {0,3}(`{3,}|~{3,})')
_ATX = re.compile(r'^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$')
_SETEXT = re.compile(r'^ {0,3}(=+|-+)[ \t]*$')
_LIST_OR_QUOTE = re.compile(r'^ {0,3}([-*+>]|\d{1,9}[.)])(\s|$)')
_FRONT_MATTER_TITLE = re.compile(r'^title:\s*["\']?(.*?)["\']?\s*$', re.IGNORECASE | re.MULTILINE)
# inline markdown that should not appear in a heading's title
_INLINE = (
    (re.compile(r'!?\[([^\]]*)\]\([^)]*\)'), r'\1'),
    (re.compile(r'(\*\*|__|\*|_|`|~~)(.+?)\1'), r'\2'),
    (re.compile(r'<[^>]+>'), ''),
)

NO_TEXT = 'This file has no text in it. Choose a file with text and upload it again.'


def extract_text_file(path: Path, *, markdown: bool) -> Extracted:
    """One page from a text or Markdown file in any common encoding."""
    text = decode_text(path.read_bytes())
    return text_document(text, markdown=markdown, title=None)


def text_document(text: str, *, markdown: bool, title: str | None) -> Extracted:
    """One page of text with its headings; markdown syntax is kept in the text, and headings point at it."""
    text = normalize_text(text)
    if not text.strip():
        raise IngestError(NO_TEXT, code='no_text')
    headings, found_title = markdown_headings(text) if markdown else plain_headings(text)
    page = Page(number=1, text=text, headings=headings)
    return Extracted(pages=[page], outline=outline_from_pages([page]), title=title or found_title)


def _strip_inline(title: str) -> str:
    for pattern, repl in _INLINE:
        title = pattern.sub(repl, title)
    return clean_line(title)


def _line_starts(lines: list[str]) -> list[int]:
    starts, pos = [], 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    return starts


def markdown_headings(text: str) -> tuple[list[Heading], str | None]:
    """ATX (# Title) and setext (Title over ===) headings, outside code fences and front matter."""
    lines = text.split('\n')
    starts = _line_starts(lines)
    headings: list[Heading] = []
    title = None
    first = 0
    if lines and lines[0].strip() == '---':
        # YAML front matter: its closing --- would otherwise turn the last key into a setext heading
        for i in range(1, min(len(lines), 200)):
            if lines[i].strip() in ('---', '...'):
                match = _FRONT_MATTER_TITLE.search('\n'.join(lines[1:i]))
                title = clean_line(match.group(1)) if match else None
                first = i + 1
                break
    fence: str | None = None
    previous_is_paragraph = False
    for i in range(first, len(lines)):
        line = lines[i]
        fence_match = _FENCE.match(line)
        if fence is not None:
            if fence_match and fence_match.group(1)[0] == fence[0] and len(fence_match.group(1)) >= len(fence):
                fence = None
            continue
        if fence_match:
            fence = fence_match.group(1)
            previous_is_paragraph = False
            continue
        atx = _ATX.match(line)
        if atx:
            name = _strip_inline(atx.group(2) or '')
            if name:
                headings.append(Heading(offset=starts[i], level=len(atx.group(1)), title=name))
            previous_is_paragraph = False
            continue
        setext = _SETEXT.match(line)
        if setext and previous_is_paragraph and i > first and not _LIST_OR_QUOTE.match(lines[i - 1]):
            name = _strip_inline(lines[i - 1])
            # only a one-line paragraph: a longer one over --- is more likely text followed by a rule
            one_line = i - 2 < first or not lines[i - 2].strip()
            if name and one_line:
                headings.append(Heading(offset=starts[i - 1], level=1 if setext.group(1)[0] == '=' else 2, title=name))
                previous_is_paragraph = False
                continue
        previous_is_paragraph = bool(line.strip()) and not line.startswith(('    ', '\t'))
    if title is None:
        title = next((h.title for h in headings if h.level == 1), None)
    return headings, title


_NUMBERED = re.compile(r'^\s{0,8}((?:\d{1,3}\.)*\d{1,3}\.?|[IVXLC]{1,6}\.|[A-Z]\.|§\s*\d+(?:\.\d+)*)\s+(\S.*)$')
_SMALL_WORDS = {
    'a', 'an', 'and', 'as', 'at', 'by', 'for', 'from', 'in', 'into', 'of', 'on', 'or', 'the', 'to', 'with', 'vs',
    'de', 'la', 'le', 'des', 'du', 'et', 'der', 'die', 'das', 'und', 'von', 'zu', 'y', 'el', 'los', 'en',
}  # fmt: skip


def _title_case(words: list[str]) -> bool:
    significant = [w for w in words if w.lower().strip('.,:;()\'"') not in _SMALL_WORDS and w[:1].isalpha()]
    if not significant:
        return False
    capitalised = sum(1 for w in significant if w[0].isupper())
    return capitalised >= 0.75 * len(significant)


def _is_caps(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters)


def plain_headings(text: str) -> tuple[list[Heading], str | None]:
    """Conservative headings for plain text: numbered titles, CAPITAL or centred short lines, and underlines.

    Only lines standing on their own count, and body-like lines (long, ending in a comma, lower-case) never do;
    a missed heading costs little, a paragraph taken for a heading mislabels every passage after it.
    """
    lines = text.split('\n')
    starts = _line_starts(lines)
    found: list[tuple[int, str, str]] = []  # (line index, style, title)
    n = len(lines)
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or len(stripped) > 90:
            continue
        before_blank = i == 0 or not lines[i - 1].strip()
        after = lines[i + 1] if i + 1 < n else ''
        after_blank = not after.strip()
        words = stripped.split()
        if len(words) > 12 or stripped[-1] in ',;' or not any(c.isalpha() for c in stripped):
            continue
        if after.strip() and _SETEXT.match(after) and before_blank and len(after.strip()) >= 0.5 * len(stripped):
            style = 'underline=' if after.strip()[0] == '=' else 'underline-'
            found.append((i, style, stripped))
            continue
        if not before_blank:
            continue
        numbered = _NUMBERED.match(line)
        if numbered and after_blank:
            rest = numbered.group(2).strip()
            rest_words = rest.split()
            if rest[0].isupper() and len(rest_words) <= 10 and _title_case(rest_words) and not rest.endswith(':'):
                depth = numbered.group(1).rstrip('.').count('.') + 1
                found.append((i, f'number{depth}', stripped.rstrip('.').rstrip()))
                continue
        indent = len(line) - len(line.lstrip())
        # a short second line under the title (a version or date line) still leaves the title standing alone
        second_line_ok = after_blank or (
            len(after.split()) <= 8 and not _is_caps(after) and (i + 2 >= n or not lines[i + 2].strip())
        )
        capitals = _is_caps(stripped) and second_line_ok and stripped[-1] not in '.'
        centred = indent >= 8 and after_blank and _title_case(words) and stripped[-1] not in '.:'
        if len(words) <= 10 and (capitals or centred):
            found.append((i, 'display', stripped))
    # levels in the order styles first appear, as reStructuredText does; numbered depths stay in order
    order: list[str] = []
    for _, style, _ in found:
        if style not in order:
            order.append(style)
    numbered_styles = sorted((s for s in order if s.startswith('number')), key=lambda s: int(s[6:]))
    it = iter(numbered_styles)
    order = [next(it) if s.startswith('number') else s for s in order]
    level_of = {style: min(index + 1, 6) for index, style in enumerate(order)}
    headings = [
        Heading(offset=starts[i] + len(lines[i]) - len(lines[i].lstrip()), level=level_of[style], title=clean_line(t))
        for i, style, t in found
    ]
    title = headings[0].title if headings and headings[0].offset < 200 else None
    return headings, title
