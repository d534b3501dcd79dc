"""Sentence helpers shared by the offline engine: sentence spans, content words and sentence centrality.

Everything here is deterministic and numpy-only, so the same sources always give the same studio output.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from aurenlm.text.stopwords import PHRASE_STOPWORDS


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Abbreviations whose trailing period does not end a sentence.
_ABBREVIATIONS = _wordset(
    'e.g i.e eg ie vs cf fig figs dr mr mrs ms prof sr jr st no nos sec secs ch vol vols pp eq eqs approx viz al ca '
    'resp incl esp dept est min max ref refs art'
)

_BULLET = re.compile(r'[ \t]*(?:[•·◦▪‣●○■□\-–*+]|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)]|\([ivxIVX]{1,4}\))[ \t]+\S')
_FENCE = re.compile(r'[ \t]*(```|~~~)')
_CODE_HINT = re.compile(
    r'::=|^\s*[{}]|[{]\s*$|\)\s*;\s*$|=>|^\s*(?:#include|import \w|from \S+ import|def \w|class \w+[:(]|return\b.*;)'
    # C-style prototypes, common in API references
    r'|^\s*(?:(?:const|unsigned|signed|static|extern|struct|enum)\s+)*(?:void|int|char|long|short|size_t|bool|\w+_t)\b'
    r'[\w\s*]*\('
)
_BOUNDARY = re.compile(r'[.!?]+[)"\'”’\]]*(?=\s+[(\["\'“‘A-Z0-9])')
_WS = re.compile(r'\s+')
_SOFT_HYPHEN = re.compile('[\u00ad\ufffe]\\s*')  # pdfium marks hyphenation breaks with U+FFFE
_WORD = re.compile(r'\w+', re.UNICODE)
_TERMINAL = ('.', '!', '?', '.)', '."', '.”', '.’', '?"', '?”', '!"')


@dataclass(frozen=True, slots=True)
class Span:
    """A sentence-like piece of a text: `text == source[start:end]`, so it can be quoted and highlighted exactly."""

    start: int
    end: int
    text: str
    kind: str  # prose | bullet | code | heading


def normalize_ws(text: str) -> str:
    """Collapse runs of whitespace (PDF line breaks included) into single spaces; rejoin soft-hyphenated words."""
    return _WS.sub(' ', _SOFT_HYPHEN.sub('', text)).strip()


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def content_words(text: str) -> list[str]:
    """Lower-cased words that carry meaning: no (key-phrase) stopwords, bare numbers or single letters."""
    return [w for w in words(text) if len(w) > 1 and w not in PHRASE_STOPWORDS and not w.isdigit()]


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line, end excluding the line break."""
    spans, pos = [], 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip('\r\n')
        spans.append((pos, pos + len(body)))
        pos += len(line)
    return spans


def _looks_like_code(line: str) -> bool:
    stripped = line.strip()
    if not stripped:
        return False
    if _CODE_HINT.search(stripped):
        return True
    symbols = sum(1 for ch in stripped if ch in '{}[]()<>=;_/\\|$#*&^~`')
    return len(stripped) >= 6 and symbols / len(stripped) > 0.15


def _ends_sentence(line: str) -> bool:
    return line.rstrip().endswith(_TERMINAL) or line.rstrip().endswith((':', ';'))


def _segments(text: str) -> list[tuple[int, int, str]]:
    """Group lines into blocks that can hold sentences: paragraphs, list items, code and heading lines.

    PDF text breaks lines mid-sentence, so prose lines are joined until a blank line, a bullet, code, a lead-in
    ending in a colon, or a short unpunctuated line (a heading or running header) ends the paragraph.
    """
    lines = _lines(text)
    segments: list[tuple[int, int, str]] = []
    current: list[int] | None = None  # [start, end] of the open segment
    current_kind = 'prose'
    in_fence = False
    typical = sorted(e - s for s, e in lines if e > s)
    typical_len = typical[len(typical) * 3 // 4] if typical else 80

    def close() -> None:
        nonlocal current
        if current is not None:
            segments.append((current[0], current[1], current_kind))
        current = None

    for start, end in lines:
        line = text[start:end]
        if _FENCE.match(line):
            close()
            in_fence = not in_fence
            segments.append((start, end, 'code'))
            continue
        if in_fence:
            segments.append((start, end, 'code'))
            continue
        if not line.strip():
            close()
            continue
        if line.strip().isdigit():  # page numbers
            close()
            continue
        if _BULLET.match(line):
            close()
            current, current_kind = [start, end], 'bullet'
            continue
        if _looks_like_code(line) or (current is None and line.startswith(('    ', '\t'))):
            close()
            segments.append((start, end, 'code'))
            continue
        stripped = line.strip()
        # Wrapped prose lines run nearly full width, so a short unpunctuated line is a heading or running header.
        headingish = (
            not _ends_sentence(line)
            and len(stripped) < max(40, typical_len * 0.6)
            and not stripped.endswith((',', '-', '–', '(', ' and', ' or', ' the', ' of', ' a', ' to'))
        )
        if current is None:
            current, current_kind = [start, end], 'prose'
        else:
            current[1] = end
        if headingish:
            if current[0] == start:
                current_kind = 'heading'
            close()
        elif stripped.endswith(':'):
            close()  # a lead-in to a list or code block: what follows is not the same sentence
    close()
    return segments


def _is_boundary(segment: str, dot: int) -> bool:
    """Whether the period at `dot` ends a sentence (abbreviations and initials do not)."""
    if segment[dot] != '.':
        return True
    head = segment[:dot]
    match = re.search(r'([A-Za-z][A-Za-z.]*)$', head)
    if not match:
        return True
    word = match.group(1)
    if word.lower().rstrip('.') in _ABBREVIATIONS:
        return False
    # "J. Smith", "U.S." style initials
    return not (len(word) == 1 and word.isupper() or re.fullmatch(r'(?:[A-Za-z]\.)+[A-Za-z]', word))


def split_sentences(text: str) -> list[Span]:
    """Split text into sentence spans robustly: abbreviations, decimals/versions, bullets and code stay intact."""
    spans: list[Span] = []
    for seg_start, seg_end, kind in _segments(text):
        segment = text[seg_start:seg_end]
        if kind in ('code', 'heading'):
            stripped = segment.strip()
            if stripped:
                offset = seg_start + segment.index(stripped)
                spans.append(Span(offset, offset + len(stripped), stripped, kind))
            continue
        piece_start = 0
        for match in _BOUNDARY.finditer(segment):
            if not _is_boundary(segment, match.start()):
                continue
            _add_piece(spans, text, seg_start + piece_start, seg_start + match.end(), kind)
            piece_start = match.end()
            kind = 'prose'  # only the first sentence of a list item carries the bullet
        _add_piece(spans, text, seg_start + piece_start, seg_end, kind)
    return spans


def _add_piece(spans: list[Span], text: str, start: int, end: int, kind: str) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return
    offset = start + piece.index(stripped)
    spans.append(Span(offset, offset + len(stripped), stripped, kind))


def is_informative(span: Span, min_words: int = 7, max_words: int = 60) -> bool:
    """A complete prose sentence worth quoting: long enough, mostly letters, properly terminated."""
    if span.kind not in ('prose', 'bullet'):
        return False
    text = span.text
    if not text.endswith(_TERMINAL) or not (text[0].isupper() or text[0] in '"“‘(\''):
        return False
    count = len(text.split())
    if not min_words <= count <= max_words:
        return False
    letters = sum(ch.isalpha() for ch in text)
    if letters / len(text) < 0.7:
        return False
    return not _looks_like_code(normalize_ws(text)) and len(content_words(text)) >= 3


def strip_bullet(span: Span) -> Span:
    """Drop a leading list marker so a list item reads as a sentence (offsets stay exact)."""
    match = re.match(r'(?:[•·◦▪‣●○■□\-–*+]|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)]|\([ivxIVX]{1,4}\))[ \t]+', span.text)
    if span.kind != 'bullet' or not match:
        return span
    cut = match.end()
    return Span(span.start + cut, span.end, span.text[cut:], 'prose')


# -- centrality ---------------------------------------------------------------------------------------------------


def centrality(sentences: Sequence[str]) -> np.ndarray:
    """Cosine similarity of each sentence's TF-IDF vector to the centroid: high means central to the texts.

    Sparse COO arrays keep memory linear in the number of words, so large selections stay cheap.
    """
    n = len(sentences)
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for r, sentence in enumerate(sentences):
        for word, count in Counter(content_words(sentence)).items():
            rows.append(r)
            cols.append(vocab.setdefault(word, len(vocab)))
            vals.append(float(count))
    if not vocab:
        return np.zeros(n, dtype=np.float32)
    row = np.asarray(rows, dtype=np.int64)
    col = np.asarray(cols, dtype=np.int64)
    val = np.asarray(vals, dtype=np.float64)
    df = np.bincount(col, minlength=len(vocab))
    val = (1.0 + np.log(val)) * (np.log((n + 1) / (df[col] + 1)) + 1.0)
    norms = np.sqrt(np.bincount(row, weights=val * val, minlength=n))
    val = val / np.where(norms[row] == 0, 1.0, norms[row])
    centroid = np.bincount(col, weights=val, minlength=len(vocab)) / n
    c_norm = np.linalg.norm(centroid) or 1.0
    return (np.bincount(row, weights=val * centroid[col], minlength=n) / c_norm).astype(np.float32)
