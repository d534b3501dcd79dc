"""Reading a PDF page's layout from line geometry: paragraph breaks, body type size, and headings by type size."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

BULLET = ('•', '◦', '▪', '▫', '●', '○', '■', '□', '►', '▶', '‣', '⁃', '∙', '·', '–', '—', '✓', '✔', '➢', '❖')
_SENTENCE_END = re.compile(r'[.!?:;]["”’»)\]]*$')
_DIGITS = re.compile(r'\d+')
_PAGE_NUMBER = re.compile(r'^[\d\W]*\d[\d\W]*$|^\d+\s+|\s+\d+$|\bpage\s+\d+(\s+of\s+\d+)?|^[ivxlc]+$')
_TWO_LETTERS = re.compile(r'[^\W\d_].*?[^\W\d_]')


class Line:
    """One text line: its text, the left edge and baseline of its first glyph, the baseline it ends on (PDFium joins
    a word hyphenated over two lines into one line), its type size (and that size rounded to half a point, `b`, for
    grouping) and whether it is bold."""

    __slots__ = ('text', 'x', 'y', 'y_end', 'size', 'b', 'bold', 'known')

    def __init__(
        self, text: str, x: float, y: float, size: float, bold: bool, known: bool = True, y_end: float | None = None
    ) -> None:
        self.text, self.x, self.y, self.size, self.bold, self.known = text, x, y, size, bold, known
        self.y_end = y if y_end is None else y_end
        self.b = round(size * 2) / 2

    def __reduce__(self):
        # compact pickling: lines travel back from the page-reading worker processes
        return Line, (self.text, self.x, self.y, self.size, self.bold, self.known, self.y_end)


def body_size(lines: list[Line]) -> float:
    """The type size that carries the most characters."""
    weight: Counter[float] = Counter()
    for line in lines:
        if line.known and line.size > 0:
            weight[line.b] += len(line.text)
    return weight.most_common(1)[0][0] if weight else 10.0


def line_spacing(pages: list[list[Line]]) -> dict[float, float]:
    """Per type size, the normal distance between baselines inside a paragraph, over the whole document.

    A low percentile, not the median: on list-heavy pages most gaps are paragraph gaps.
    """
    gaps: dict[float, list[float]] = defaultdict(list)
    for lines in pages:
        for a, b in zip(lines, lines[1:], strict=False):
            if a.b == b.b and a.known and b.known and a.size > 0:
                dy = a.y_end - b.y
                if 0.8 * a.size < dy < 2.5 * a.size:
                    gaps[a.b].append(dy)
    result = {}
    for size, values in gaps.items():
        if len(values) >= 3:
            values.sort()
            result[size] = values[len(values) // 5]
    return result


def paragraph_breaks(lines: list[Line], spacing: dict[float, float]) -> list[bool]:
    """breaks[i] is True when line i starts a new paragraph: a bullet, a change of type size, extra space above it,
    a jump up the page (a new column), or a first-line indent after a line that ended a sentence."""
    breaks = [False] * len(lines)
    known = [line.x for line in lines if line.known and line.size > 0]
    # the text's left edge: a low percentile, so that a few outdented page numbers do not move it
    left = sorted(known)[len(known) // 10] if len(known) >= 5 else None
    for i in range(1, len(lines)):
        a, b = lines[i - 1], lines[i]
        if b.text.startswith(BULLET):
            breaks[i] = True
            continue
        if not (a.known and b.known) or a.size <= 0 or b.size <= 0:
            continue
        if abs(a.size - b.size) > 0.2 * max(a.size, b.size):
            breaks[i] = True
            continue
        dy = a.y_end - b.y
        if dy < -0.3 * a.size:
            breaks[i] = True
            continue
        if abs(dy) < 0.3 * a.size:
            continue  # same baseline: pieces of one visual line
        pitch = spacing.get(a.b, 1.2 * a.size)
        if dy > pitch + max(0.2 * a.size, 1.0):
            breaks[i] = True
            continue
        # indented paragraphs without extra space (LaTeX, books): the full-width line before ended a sentence
        if (
            left is not None
            and abs(a.x - left) < 0.3 * a.size
            and left + 0.7 * b.size < b.x < left + 4 * b.size
            and not a.text.startswith(BULLET)
            and _SENTENCE_END.search(a.text)
        ):
            breaks[i] = True
    return breaks


def _running_key(text: str) -> str:
    """A header or footer without its page number: "Chapter 2: Parsing 14" and "Page 3 of 9" match across pages."""
    return _PAGE_NUMBER.sub('#', text.strip().lower())


def _edge(lines: list[Line]) -> range:
    return range(len(lines)) if len(lines) <= 4 else range(-2, 2)


def drop_running_lines(pages: list[list[Line]], body: float) -> list[list[Line]]:
    """Remove page numbers and running headers and footers: short lines among a page's first or last two that come
    back (page numbers aside) on three pages or more. They are chrome, and would open and close chunks.
    A line set larger than the body text stays: the title page repeats the running header as its title."""
    if len(pages) < 3:
        return pages
    seen: Counter[str] = Counter()
    for lines in pages:
        seen.update({_running_key(lines[i].text) for i in _edge(lines)})
    result = []
    for lines in pages:
        drop = {
            i % len(lines)
            for i in _edge(lines)
            if len(lines[i].text) <= 120 and lines[i].size < 1.15 * body and seen[_running_key(lines[i].text)] >= 3
        }
        result.append([line for i, line in enumerate(lines) if i not in drop] if drop else lines)
    return result


def _repeated(pages: list[list[Line]]) -> set[str]:
    """Running headers and footers: the same text (page numbers aside) on many pages."""
    seen: Counter[str] = Counter()
    for lines in pages:
        seen.update({_DIGITS.sub('#', line.text.strip().lower()) for line in lines})
    threshold = max(3, 0.3 * len(pages))
    return {text for text, n in seen.items() if n >= threshold}


def _heading_like(text: str) -> bool:
    words = text.split()
    return (
        _TWO_LETTERS.search(text) is not None
        and len(words) <= 15
        and len(text) <= 200
        and text[-1] not in ',;'
        and not text.startswith(BULLET)
        and (text[0].isupper() or text[0].isdigit() or not text[0].isalpha())
    )


def font_headings(pages: list[list[Line]], body: float) -> list[tuple[int, int, int, str, int]]:
    """(page index, line index, level, title, line count) for lines set larger than the body text, or bold on their
    own line.

    Used only when a PDF has no bookmarks. Sizes that occur too often to be headings (a second body size) and
    running headers are left out; the lines of a wrapped heading are merged into one.
    """
    repeated = _repeated(pages)
    body_lines = 0
    by_size: Counter[float] = Counter()
    candidates: list[tuple[int, int, float]] = []  # (page, line, bucket or 0 for bold)
    for p, lines in enumerate(pages):
        for i, line in enumerate(lines):
            if not line.known or line.size <= 0:
                continue
            bucket = line.b
            if bucket == body:
                body_lines += 1
            larger = bucket >= 1.15 * body
            if not (larger or (line.bold and bucket >= body - 0.5)):
                continue
            if not _heading_like(line.text) or _DIGITS.sub('#', line.text.strip().lower()) in repeated:
                continue
            if larger:
                candidates.append((p, i, bucket))
                by_size[bucket] += 1
            elif _bold_heading(lines, i):
                candidates.append((p, i, 0.0))
                by_size[0.0] += 1
    # a "heading" size used as often as body text is body text too
    allowed = {size for size, n in by_size.items() if n <= max(20, 0.25 * body_lines)}
    sizes = sorted((s for s in allowed if s > 0), reverse=True)[:5]
    levels = {size: rank + 1 for rank, size in enumerate(sizes)}
    if 0.0 in allowed:
        levels[0.0] = min(len(sizes) + 1, 6)
    result: list[tuple[int, int, int, str, int]] = []
    previous: tuple[int, int, float] | None = None
    for p, i, bucket in candidates:
        if bucket not in levels:
            previous = None
            continue
        line = pages[p][i]
        wrapped = previous == (p, i - 1, bucket) and bucket > 0 and result
        if wrapped and 0 < pages[p][i - 1].y - line.y <= 1.6 * line.size:
            page_index, line_index, level, title, span = result[-1]
            result[-1] = (page_index, line_index, level, f'{title} {line.text.strip()}', span + 1)
            previous = (p, i, bucket)
            continue
        result.append((p, i, levels[bucket], line.text.strip(), 1))
        previous = (p, i, bucket)
    return result


def _bold_heading(lines: list[Line], i: int) -> bool:
    """A bold line counts as a heading when it stands alone above normal text, not inside a bold paragraph."""
    line = lines[i]
    if len(line.text.split()) > 10 or _SENTENCE_END.search(line.text):
        return False
    before = lines[i - 1] if i else None
    after = lines[i + 1] if i + 1 < len(lines) else None
    if before is not None and before.bold and abs(before.size - line.size) < 0.5:
        return False
    return after is not None and not after.bold and after.known and after.y < line.y
