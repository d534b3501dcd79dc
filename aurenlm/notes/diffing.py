"""Word-level differences between two texts, as ('equal' | 'insert' | 'delete', text) segments.

Whitespace is kept, so joining the 'equal' and 'delete' segments gives back the old text exactly, and joining the
'equal' and 'insert' segments gives the new one. Lines are compared first and words only inside changed lines,
which keeps long notes fast (difflib is quadratic on very different inputs).
"""

from __future__ import annotations

import difflib
import re
from typing import Literal

Op = Literal['equal', 'insert', 'delete']
Segment = tuple[Op, str]

_TOKEN = re.compile(r'\s+|\w+|[^\w\s]', re.UNICODE)
MAX_WORD_DIFF_TOKENS = 20_000  # beyond this a changed block is shown as a whole deletion and insertion


def tokens(text: str) -> list[str]:
    """Words, runs of whitespace and single punctuation marks; ''.join(tokens(t)) == t."""
    return _TOKEN.findall(text)


def diff(a: str, b: str) -> list[Segment]:
    """The segments that turn `a` into `b`; adjacent segments of the same kind are merged."""
    a, b = a or '', b or ''
    out: list[Segment] = []
    a_lines, b_lines = a.splitlines(keepends=True), b.splitlines(keepends=True)
    lines = difflib.SequenceMatcher(None, a_lines, b_lines, autojunk=False)
    for op, i1, i2, j1, j2 in lines.get_opcodes():
        old, new = ''.join(a_lines[i1:i2]), ''.join(b_lines[j1:j2])
        if op == 'equal':
            _add(out, 'equal', old)
        elif op == 'delete':
            _add(out, 'delete', old)
        elif op == 'insert':
            _add(out, 'insert', new)
        else:
            for segment in _word_diff(old, new):
                _add(out, *segment)
    return out


def _word_diff(a: str, b: str) -> list[Segment]:
    a_tokens, b_tokens = tokens(a), tokens(b)
    if len(a_tokens) + len(b_tokens) > MAX_WORD_DIFF_TOKENS:
        return [('delete', a), ('insert', b)]
    out: list[Segment] = []
    words = difflib.SequenceMatcher(None, a_tokens, b_tokens, autojunk=False)
    for op, i1, i2, j1, j2 in words.get_opcodes():
        old, new = ''.join(a_tokens[i1:i2]), ''.join(b_tokens[j1:j2])
        if op == 'equal':
            _add(out, 'equal', old)
        else:
            _add(out, 'delete', old)
            _add(out, 'insert', new)
    return _absorb_lone_spaces(out)


def _absorb_lone_spaces(segments: list[Segment]) -> list[Segment]:
    """'a [-x-] [+y+] b c' reads better than a string of one-word changes split by single equal spaces."""
    out: list[Segment] = []
    for index, (op, text) in enumerate(segments):
        between_changes = (
            op == 'equal'
            and text.isspace()
            and '\n' not in text
            and 0 < index < len(segments) - 1
            and segments[index - 1][0] != 'equal'
            and segments[index + 1][0] != 'equal'
        )
        if between_changes:
            _add(out, 'delete', text)
            _add(out, 'insert', text)
        else:
            _add(out, op, text)
    return _regroup(out)


def _regroup(segments: list[Segment]) -> list[Segment]:
    """Within each run of changes, all deletions first and then all insertions."""
    out: list[Segment] = []
    deleted: list[str] = []
    inserted: list[str] = []

    def flush() -> None:
        _add(out, 'delete', ''.join(deleted))
        _add(out, 'insert', ''.join(inserted))
        deleted.clear()
        inserted.clear()

    for op, text in segments:
        if op == 'equal':
            flush()
            _add(out, 'equal', text)
        else:
            (deleted if op == 'delete' else inserted).append(text)
    flush()
    return out


def _add(out: list[Segment], op: Op, text: str) -> None:
    if not text:
        return
    if out and out[-1][0] == op:
        out[-1] = (op, out[-1][1] + text)
    else:
        out.append((op, text))


def old_text(segments: list[Segment]) -> str:
    return ''.join(text for op, text in segments if op != 'insert')


def new_text(segments: list[Segment]) -> str:
    return ''.join(text for op, text in segments if op != 'delete')


def counts(segments: list[Segment]) -> tuple[int, int]:
    """(words added, words removed), for a one-line summary."""
    added = sum(len(re.findall(r'\w+', text)) for op, text in segments if op == 'insert')
    removed = sum(len(re.findall(r'\w+', text)) for op, text in segments if op == 'delete')
    return added, removed
