"""Reading a PDF page's layout from line geometry: paragraph breaks, body type size, and headings by type size."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

BULLET = ('•', '◦', '▪', '▫', '●', '○', '■', '□', '►', '▶', '‣', '⁃', '∙', '·', '–', '—', '✓', '✔', '➢', '❖')
_SENTENCE_END = re.compile(r'[.!?:;]["”’»)\]]*$')
_DIGITS = re.compile(r'\d+')


class Line:
    """One text line: its text and the geometry of its first glyph (baseline), last glyph (right edge) and type."""

    __slots__ = ('text', 'x', 'y', 'x1', 'size', 'bold', 'known')

    def __init__(self, text: str, x: float, y: float, x1: float, size: float, bold: bool, known: bool = True) -> None:
        self.text, self.x, self.y, self.x1, self.size, self.bold, self.known = text, x, y, x1, size, bold, known


def _bucket(size: float) -> float:
    return round(size * 2) / 2


def body_size(lines: list[Line]) -> float:
    """The type size that carries the most characters."""
    weight: Counter[float] = Counter()
    for line in lines:
        if line.known and line.size > 0:
            weight[_bucket(line.size)] += len(line.text)
    return weight.most_common(1)[0][0] if weight else 10.0


def line_spacing(pages: list[list[Line]]) -> dict[float, float]:
    """Per type size, the normal distance between baselines inside a paragraph, over the whole document.

    A low percentile, not the median: on list-heavy pages most gaps are paragraph gaps.
    """
    gaps: dict[float, list[float]] = defaultdict(list)
    for lines in pages:
        for a, b in zip(lines, lines[1:], strict=False):
            if a.known and b.known and _bucket(a.size) == _bucket(b.size) and a.size > 0:
                dy = a.y - b.y
                if 0.8 * a.size < dy < 2.5 * a.size:
                    gaps[_bucket(a.size)].append(dy)
    result = {}
    for size, values in gaps.items():
        if len(values) >= 3:
            values.sort()
            result[size] = values[len(values) // 5]
    return result


def paragraph_breaks(lines: list[Line], spacing: dict[float, float]) -> list[bool]:
    """breaks[i] is True when line i starts a new paragraph: a bullet, a change of type size, extra space above it,
    a jump up the page (a new column), or a short line ending a sentence before it."""
    breaks = [False] * len(lines)
    measured = [line for line in lines if line.known and line.x1 > line.x]
    left = right = 0.0
    if len(measured) >= 5:
        xs = sorted(line.x for line in measured)
        x1s = sorted(line.x1 for line in measured)
        left, right = xs[len(xs) // 10], x1s[(len(x1s) * 9) // 10]
    width = right - left
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
        dy = a.y - b.y
        if dy < -0.3 * a.size:
            breaks[i] = True
            continue
        if abs(dy) < 0.3 * a.size:
            continue  # same baseline: pieces of one visual line
        pitch = spacing.get(_bucket(a.size), 1.2 * a.size)
        if dy > pitch + max(0.2 * a.size, 1.0):
            breaks[i] = True
            continue
        if (
            width > 0
            and a.x1 < right - 0.2 * width
            and _SENTENCE_END.search(a.text)
            and (b.text[:1].isupper() or b.text[:1].isdigit())
        ):
            breaks[i] = True
    return breaks


def _repeated(pages: list[list[Line]]) -> set[str]:
    """Running headers and footers: the same text (page numbers aside) on many pages."""
    seen: Counter[str] = Counter()
    for lines in pages:
        seen.update({_DIGITS.sub('#', line.text.strip().lower()) for line in lines})
    threshold = max(3, 0.3 * len(pages))
    return {text for text, n in seen.items() if n >= threshold}


def _heading_like(text: str) -> bool:
    words = text.split()
    letters = sum(c.isalpha() for c in text)
    return (
        letters >= 2
        and len(words) <= 15
        and len(text) <= 200
        and text[-1] not in ',;'
        and not text.startswith(BULLET)
        and (text[0].isupper() or text[0].isdigit() or not text[0].isalpha())
    )


def font_headings(pages: list[list[Line]], body: float) -> list[tuple[int, int, int, str]]:
    """(page index, line index, level, title) for lines set larger than the body text, or bold on their own line.

    Used only when a PDF has no bookmarks. Sizes that occur too often to be headings (a second body size) and
    running headers are left out; a wrapped heading's second line is merged into the first.
    """
    repeated = _repeated(pages)
    body_lines = 0
    by_size: Counter[float] = Counter()
    candidates: list[tuple[int, int, float]] = []  # (page, line, bucket or 0 for bold)
    for p, lines in enumerate(pages):
        for i, line in enumerate(lines):
            if not line.known or line.size <= 0:
                continue
            bucket = _bucket(line.size)
            if bucket == body:
                body_lines += 1
            if not _heading_like(line.text) or _DIGITS.sub('#', line.text.strip().lower()) in repeated:
                continue
            if bucket >= 1.15 * body:
                candidates.append((p, i, bucket))
                by_size[bucket] += 1
            elif bucket >= body - 0.5 and line.bold and _bold_heading(lines, i):
                candidates.append((p, i, 0.0))
                by_size[0.0] += 1
    # a "heading" size used as often as body text is body text too
    allowed = {size for size, n in by_size.items() if n <= max(20, 0.25 * body_lines)}
    sizes = sorted((s for s in allowed if s > 0), reverse=True)[:5]
    levels = {size: rank + 1 for rank, size in enumerate(sizes)}
    if 0.0 in allowed:
        levels[0.0] = min(len(sizes) + 1, 6)
    result: list[tuple[int, int, int, str]] = []
    previous: tuple[int, int, float] | None = None
    for p, i, bucket in candidates:
        if bucket not in levels:
            previous = None
            continue
        line = pages[p][i]
        if previous and previous[0] == p and previous[1] == i - 1 and previous[2] == bucket and bucket > 0:
            above = pages[p][i - 1]
            if 0 < above.y - line.y <= 1.6 * line.size and result:
                page_index, line_index, level, title = result[-1]
                result[-1] = (page_index, line_index, level, f'{title} {line.text.strip()}')
                previous = (p, i, bucket)
                continue
        result.append((p, i, levels[bucket], line.text.strip()))
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
