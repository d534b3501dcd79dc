"""Split pages into retrieval chunks that are exact slices of one page's text, with their heading path."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from .document import WORD_RE, Page, count_words

_PARAGRAPH = re.compile(r'\n[ \t]*\n\s*')
_LINE = re.compile(r'\n\s*')
# a sentence ends with . ! ? (or the CJK marks) and maybe a closing quote or bracket; the next starts with a capital,
# a digit or an opening quote. "e.g. the" is not a boundary because of the lower case.
_SENTENCE = re.compile(r'(?:[.!?…][)"\'”’\]]*\s+(?=[("\'“‘\[]?[A-Z0-9À-ÖØ-ÞА-ЯΑ-Ω])|[。！？]\s*)')
PATH_SEPARATOR = ' > '
# boundary strength, best first; a chunk ends at the best boundary near its target size
HEADING, PARAGRAPH, SENTENCE, LINE, WORD = range(5)


@dataclass
class ChunkDraft:
    ordinal: int  # 0-based, across the whole source
    page: int  # 1-based page number
    char_start: int
    char_end: int
    heading: str  # heading path, "3 Functions > 3.2 Creating elements"
    text: str  # always pages[page - 1].text[char_start:char_end]


def chunk_pages(
    pages: list[Page], target_words: int = 260, max_words: int = 380, overlap_words: int = 40
) -> list[ChunkDraft]:
    """Chunks of about `target_words` (never more than `max_words`) words, never crossing a page.

    A chunk ends, in order of preference, at a heading, a paragraph, a sentence or a line boundary; the next chunk
    repeats about `overlap_words` of the previous one (from a sentence start when there is one), except after a
    heading, where a new section starts clean. The heading path carries over from page to page.
    """
    if not 0 < target_words <= max_words:
        raise ValueError('need 0 < target_words <= max_words')
    overlap_words = max(0, min(overlap_words, target_words // 2))
    chunks: list[ChunkDraft] = []
    path: list[tuple[int, str]] = []
    for page in pages:
        path = _chunk_page(page, path, target_words, max_words, overlap_words, chunks)
    return chunks


def _units(text: str, page: Page, piece: int) -> tuple[list[int], list[int], list[int]]:
    """Split a page into small units at every possible boundary: (start offsets, boundary strengths, word counts).

    Units longer than `piece` words are cut at word starts, so a chunk can always end or resume near any point
    without this code ever walking the page word by word.
    """
    strength: dict[int, int] = {}
    n = len(text)
    for kind, pattern in ((LINE, _LINE), (SENTENCE, _SENTENCE), (PARAGRAPH, _PARAGRAPH)):
        for match in pattern.finditer(text):
            strength[match.end()] = kind
    for heading in page.headings:
        position = heading.offset
        while position < n and text[position].isspace():
            position += 1
        strength[position] = HEADING
    first = len(text) - len(text.lstrip())
    strength[first] = HEADING
    starts = sorted(p for p in strength if first <= p < n)
    positions: list[int] = []
    kinds: list[int] = []
    counts: list[int] = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else n
        words = count_words(text[start:end])
        if words <= piece:
            positions.append(start)
            kinds.append(strength[start])
            counts.append(words)
            continue
        word_starts = [m.start() for m in WORD_RE.finditer(text, start, end)]
        for j in range(0, len(word_starts), piece):
            positions.append(word_starts[j])
            kinds.append(strength[start] if j == 0 else WORD)
            counts.append(min(piece, len(word_starts) - j))
    return positions, kinds, counts


def _closest(candidates: list[int], totals: list[int], low: int, high: int, ideal: int) -> int | None:
    """The boundary index among candidates (sorted) in [low, high] whose word total is closest to ideal's."""
    i = bisect_left(candidates, ideal)
    best = None
    for j in (i - 1, i):
        if 0 <= j < len(candidates) and low <= candidates[j] <= high:
            distance = abs(totals[candidates[j]] - totals[ideal])
            if best is None or distance < abs(totals[best] - totals[ideal]):
                best = candidates[j]
    return best


def _chunk_page(
    page: Page,
    path: list[tuple[int, str]],
    target: int,
    maximum: int,
    overlap: int,
    out: list[ChunkDraft],
) -> list[tuple[int, str]]:
    text = page.text
    # the heading path in force from each heading on, by character offset
    heading_offsets: list[int] = []
    paths: list[str] = [PATH_SEPARATOR.join(title for _, title in path)]
    for heading in sorted(page.headings, key=lambda h: h.offset):
        while path and path[-1][0] >= heading.level:
            path = path[:-1]
        path = [*path, (heading.level, heading.title)]
        heading_offsets.append(heading.offset)
        paths.append(PATH_SEPARATOR.join(title for _, title in path))
    if not text.strip():
        return path

    positions, kinds, counts = _units(text, page, piece=max(10, min(overlap or 40, target // 4)))
    units = len(positions)
    totals = [0] * (units + 1)  # totals[i]: words before unit i; boundary index i sits before unit i
    for i, count in enumerate(counts):
        totals[i + 1] = totals[i] + count
    by_kind: list[list[int]] = [[] for _ in range(5)]
    for i in range(1, units):
        by_kind[kinds[i]].append(i)
    headings, paragraphs, sentences, lines, words = by_kind
    minimum = min(30, target // 4)

    start = 0
    while start < units:
        limit = bisect_right(totals, totals[start] + maximum) - 1
        limit = min(max(limit, start + 1), units)
        end = None
        at_heading = False
        # a new section starts a new chunk, unless what came before it is too short to stand alone, or nothing but
        # headings follow it on this page (a heading at the foot of a page, its text overleaf, is no chunk of its own)
        k = bisect_right(headings, start)
        while k < len(headings) and headings[k] <= limit:
            if totals[headings[k]] - totals[start] >= minimum and (
                limit < units or any(kinds[j] != HEADING for j in range(headings[k], units))
            ):
                end, at_heading = headings[k], True
                break
            k += 1
        if end is None:
            if limit == units:
                end = units
            else:
                low = min(bisect_left(totals, totals[start] + target // 2), limit)
                ideal = min(bisect_left(totals, totals[start] + target), limit)
                for candidates in (paragraphs, sentences, lines, words):
                    end = _closest(candidates, totals, max(low, start + 1), limit, ideal)
                    if end is not None:
                        break
                else:
                    end = limit
        _emit(out, page, text, positions, start, end, heading_offsets, paths, minimum, totals)
        if end >= units:
            break
        if at_heading or overlap == 0:
            start = end
            continue
        # repeat the tail of this chunk, from a sentence or paragraph start when one is close enough
        resume = end
        for candidates in ((paragraphs, sentences), (lines, words)):
            found = [c for group in candidates for c in group[bisect_left(group, start + 1) : bisect_left(group, end)]]
            fitting = [c for c in found if totals[end] - totals[c] <= overlap]
            if fitting:
                resume = min(fitting)
                break
        start = resume
    return path


def _emit(
    out: list[ChunkDraft],
    page: Page,
    text: str,
    positions: list[int],
    start: int,
    end: int,
    heading_offsets: list[int],
    paths: list[str],
    minimum: int,
    totals: list[int],
) -> None:
    char_start = positions[start]
    char_end = positions[end] if end < len(positions) else len(text)
    while char_end > char_start and text[char_end - 1].isspace():
        char_end -= 1
    # label with the section the chunk is about: headings in its opening words (after a running header or a
    # page number) count, a heading deep inside it does not
    near = min(end, max(start + 1, bisect_left(totals, totals[start] + minimum)))
    near_char = positions[near] if near < len(positions) else len(text)
    heading = paths[bisect_left(heading_offsets, near_char)]
    out.append(
        ChunkDraft(
            ordinal=len(out),
            page=page.number,
            char_start=char_start,
            char_end=char_end,
            heading=heading,
            text=text[char_start:char_end],
        )
    )
