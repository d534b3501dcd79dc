"""What the studio looks for in sentences: definitions ('X is a ...') for flashcards, dates for timelines."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aurenlm.text.sentences import normalize_ws
from aurenlm.text.stopwords import PHRASE_STOPWORDS


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


_DEFINITION = re.compile(
    r'^(?P<term>[^,;:()\[\]{}]{2,80}?)\s+'
    r'(?P<verb>refers to|stands for|is defined as|means|denotes|is|are)\s+(?P<rest>\S.*)$',
    re.S,
)
_NOT_A_TERM = _wordset(
    'it this that these those there they he she we you i which what who here such each all some any both another '
    'other its their our his her one none most many much several every either neither'
)
_NOT_A_DEFINITION = _wordset(
    'not also only now then there here very too always never still just currently usually often able available '
    'possible required important necessary true false set done made given taken known shown seen written built found '
    'kept put run held left sent said being likely unable free so more less different same'
)


_AUXILIARIES = _wordset('was were be can may will should must has have')


@dataclass(frozen=True, slots=True)
class Definition:
    term: str
    verb: str
    definition: str  # the part after the verb


def find_definition(sentence: str) -> Definition | None:
    """Recognise 'X is a ...', 'X are ...', 'X means ...' sentences and return the term they define."""
    text = normalize_ws(sentence)
    match = _DEFINITION.match(text)
    if not match:
        return None
    term, verb, rest = match.group('term').strip(), match.group('verb'), match.group('rest')
    term_words = term.split()
    if not 1 <= len(term_words) <= 6 or len(term) > 60 or not any(ch.isalpha() for ch in term):
        return None
    if term_words[0].lower() in _NOT_A_TERM or term_words[-1].lower() in PHRASE_STOPWORDS:
        return None
    if any(w.lower() in _AUXILIARIES for w in term_words):
        return None
    first = rest.split()[0].lower().strip('",.')
    if verb == 'is' and first not in ('a', 'an', 'the', 'one'):
        return None  # "X is used ..." describes, it does not define
    if verb == 'are' and (first in _NOT_A_DEFINITION or first.endswith('ed') or first.endswith('en')):
        return None  # passive voice: "Files are copied ..."
    return Definition(term=term, verb=verb, definition=rest)


_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ('january', 'jan'),
            ('february', 'feb'),
            ('march', 'mar'),
            ('april', 'apr'),
            ('may',),
            ('june', 'jun'),
            ('july', 'jul'),
            ('august', 'aug'),
            ('september', 'sep', 'sept'),
            ('october', 'oct'),
            ('november', 'nov'),
            ('december', 'dec'),
        ]
    )
    for m in names
}
_MONTH = r'(?P<month>' + '|'.join(sorted(_MONTHS, key=len, reverse=True)) + r')\.?'
_DATE_PATTERNS = [
    re.compile(r'\b(?P<year>1[5-9]\d\d|20\d\d)-(?P<mnum>0[1-9]|1[0-2])(?:-(?P<day>[0-2]\d|3[01]))?\b'),
    re.compile(r'\b(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\s+' + _MONTH + r',?\s+(?P<year>1[5-9]\d\d|20\d\d)\b', re.I),
    re.compile(r'\b' + _MONTH + r'\s+(?:(?P<day>[0-3]?\d)(?:st|nd|rd|th)?,?\s+)?(?P<year>1[5-9]\d\d|20\d\d)\b', re.I),
    # a bare year, but not a part of a number, a version or an identifier
    re.compile(r'(?<![\w.\-/])(?P<year>1[5-9]\d\d|20\d\d)(?![\w\-/]|\.\d)'),
]
_VERSION = re.compile(r'\b(?:version|release|v)\s?(?P<version>\d+(?:\.\d+){1,3})\b', re.I)


@dataclass(frozen=True, slots=True)
class TimePoint:
    """A date-like mention: `key` sorts chronologically (year, month, day); versions sort after dates."""

    key: tuple[int, ...]
    label: str
    is_version: bool


def find_time_points(text: str) -> list[TimePoint]:
    """Dates, years and version numbers mentioned in a sentence, most precise first."""
    found: list[TimePoint] = []
    taken: list[tuple[int, int]] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            if any(s <= match.start() < e or s < match.end() <= e for s, e in taken):
                continue
            groups = match.groupdict()
            year = int(groups['year'])
            month = int(groups['mnum']) if groups.get('mnum') else _MONTHS.get((groups.get('month') or '').lower(), 0)
            day = int(groups['day']) if groups.get('day') else 0
            if day > 31:
                continue
            taken.append((match.start(), match.end()))
            found.append(TimePoint((year, month, day), match.group(0), False))
    for match in _VERSION.finditer(text):
        numbers = tuple(int(part) for part in match.group('version').split('.'))
        found.append(TimePoint(numbers, match.group(0), True))
    return found
