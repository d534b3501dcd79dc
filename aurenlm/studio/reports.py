"""Offline reports (study guide, briefing, FAQ, timeline): Markdown that quotes the sources and cites every quote.

Everything is extractive: each quoted sentence is an exact substring of a chunk, and marker [n] points at
`Report.citations[n - 1]`. Quotes are shown with whitespace collapsed and Markdown escaped.
"""

from __future__ import annotations

import re

from aurenlm.studio import patterns
from aurenlm.studio.corpus import Corpus, Section, Sentence, heading_question, is_generic_heading, strip_numbering
from aurenlm.studio.flashcards import definition_front
from aurenlm.studio.mindmap import phrase_clusters
from aurenlm.studio.options import REPORT_LABELS
from aurenlm.studio.schemas import Cite, Report
from aurenlm.text import sentences as textutil

_MD_SPECIAL = re.compile(r'([\\`*_\[\]<>#|~])')
MAX_EVENTS = 60
MARKER = re.compile(r'(?<!\\)\[(\d+)\]')  # escaped brackets inside quotes are text, not markers


def md_escape(text: str) -> str:
    """Source text as inert Markdown: one line, no emphasis, links, headings or HTML, and no fake [n] markers."""
    return _MD_SPECIAL.sub(r'\\\1', textutil.normalize_ws(text))


def md_unescape(text: str) -> str:
    return re.sub(r'\\([\\`*_\[\]<>#|~])', r'\1', text)


class Citations:
    """Numbers citations in order of first use; the same sentence cited twice keeps its number."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.cites: list[Cite] = []
        self._numbers: dict[int, int] = {}

    def marker(self, sentence: Sentence) -> str:
        if sentence.index not in self._numbers:
            self.cites.append(self.corpus.cite(sentence))
            self._numbers[sentence.index] = len(self.cites)
        return f'[{self._numbers[sentence.index]}]'

    def quote(self, sentence: Sentence) -> str:
        return f'“{md_escape(sentence.text)}” {self.marker(sentence)}'


def _source_heading(corpus: Corpus, source_index: int, level: str = '##') -> list[str]:
    if len(corpus.sources) == 1:
        return []
    return [f'{level} {md_escape(corpus.sources[source_index].title)}', '']


def _top_sections(corpus: Corpus, source_index: int) -> list[tuple[str, list[int]]]:
    """The parts a source is discussed in: its top-level sections, or its phrase clusters when it has no outline."""
    sections = [s for s in corpus.sections(source_index) if s.chunks() and not is_generic_heading(s.title)]
    if sections:
        return [(s.title, s.chunks()) for s in sections]
    chunk_ids = corpus.source_chunks[source_index]
    parts = []
    for node in phrase_clusters(corpus, chunk_ids, heads=5):
        key = node.label.lower()
        parts.append((node.label, [ci for ci in chunk_ids if key in corpus.phrases.per_doc[ci]]))
    return parts


def study_guide(corpus: Corpus, title: str) -> Report:
    cites = Citations(corpus)
    lines = [f'# Study guide: {md_escape(title)}', '']
    for si in range(len(corpus.sources)):
        lines += _source_heading(corpus, si)
        for name, chunks in _top_sections(corpus, si):
            lines += [f'### {md_escape(strip_numbering(name))}', '']
            concepts = corpus.phrases.top(chunks, k=5, exclude=[name])
            if concepts:
                lines += ['**Key concepts:** ' + ', '.join(md_escape(c) for c in concepts), '']
            lines += [f'- {cites.quote(s)}' for s in corpus.central(chunks, 3)]
            lines.append('')
    glossary = _glossary(corpus, limit=20)
    if glossary:
        lines += ['## Glossary', '']
        lines += [f'- **{md_escape(term)}**: {cites.quote(s)}' for term, s in glossary]
        lines.append('')
    return Report(kind='study_guide', title=_title('study_guide', title), markdown=_join(lines), citations=cites.cites)


def _glossary(corpus: Corpus, limit: int) -> list[tuple[str, Sentence]]:
    """Defined terms, alphabetically; the most central definition of each term wins."""
    best: dict[str, tuple[str, Sentence]] = {}
    for index in corpus.global_rank():
        sentence = corpus.sentences[int(index)]
        found = patterns.find_definition(sentence.text)
        if found is None or definition_front(sentence.text) is None:
            continue
        term = ' '.join(found.term.translate(str.maketrans('', '', '"“”‘’`')).split())
        term = re.sub(r'^(?:the|a|an)\s+', '', term, flags=re.I)
        best.setdefault(term.lower(), (term, sentence))
        if len(best) >= limit:
            break
    return [best[key] for key in sorted(best)]


def briefing(corpus: Corpus, title: str) -> Report:
    cites = Citations(corpus)
    lines = [f'# Briefing: {md_escape(title)}', '', '## Executive summary', '']
    n = len(corpus.sources)
    summary = _spread_central(corpus, per_source=-(-6 // n), total=max(6, n))
    lines += [' '.join(cites.quote(s) for s in summary), '']
    topics = corpus.phrases.top(k=10)
    if topics:
        lines += ['## Key topics', '', ', '.join(md_escape(t) for t in topics), '']
    lines += ['## Key points', '']
    used = {s.index for s in summary}
    for si in range(len(corpus.sources)):
        lines += _source_heading(corpus, si, '###')
        for name, chunks in _top_sections(corpus, si)[:8]:
            points = corpus.central(chunks, 1, exclude=used)
            for s in points:
                used.add(s.index)
                lines.append(f'- **{md_escape(strip_numbering(name))}**: {cites.quote(s)}')
        lines.append('')
    return Report(kind='briefing', title=_title('briefing', title), markdown=_join(lines), citations=cites.cites)


def _spread_central(corpus: Corpus, per_source: int, total: int) -> list[Sentence]:
    """The most central sentences, with every source represented, in source order."""
    picked: list[Sentence] = []
    for si in range(len(corpus.sources)):
        picked += corpus.central(corpus.source_chunks[si], per_source)
    return picked[: max(total, len(corpus.sources))]


def faq(corpus: Corpus, title: str) -> Report:
    cites = Citations(corpus)
    lines = [f'# Frequently asked questions: {md_escape(title)}', '']
    for si in range(len(corpus.sources)):
        lines += _source_heading(corpus, si)
        for question, answers in _faq_entries(corpus, si)[:15]:
            lines += [f'### {md_escape(question)}', '', ' '.join(cites.quote(s) for s in answers), '']
    return Report(kind='faq', title=_title('faq', title), markdown=_join(lines), citations=cites.cites)


def _faq_entries(corpus: Corpus, source_index: int) -> list[tuple[str, list[Sentence]]]:
    entries: list[tuple[str, list[Sentence]]] = []
    seen: set[str] = set()
    sections: list[Section] = [s for root in corpus.sections(source_index) for s in root.flat()]
    for section in sections:
        question = heading_question(section.title)
        chunks = section.own_chunks or section.chunks()
        if not question or question.lower() in seen or not chunks:
            continue
        words = set(textutil.content_words(section.title))
        central = corpus.central(chunks, 6)
        # answers that name the heading's subject first, then the most central ones
        answers = sorted(central, key=lambda s: -len(words & set(textutil.content_words(s.text))))[:2]
        if answers:
            seen.add(question.lower())
            entries.append((question, answers))
    if not entries:  # no outline: the source's own definitions are its questions and answers
        for si_sentence in corpus.sentences_in(corpus.source_chunks[source_index]):
            front = definition_front(si_sentence.text)
            if front and front.lower() not in seen:
                seen.add(front.lower())
                entries.append((front, [si_sentence]))
    return entries


def timeline(corpus: Corpus, title: str) -> Report:
    cites = Citations(corpus)
    lines = [f'# Timeline: {md_escape(title)}', '']
    dated: list[tuple[tuple[int, ...], str, Sentence]] = []
    versions: list[tuple[tuple[int, ...], str, Sentence]] = []
    seen: set[str] = set()
    for sentence in corpus.sentences:
        points = patterns.find_time_points(sentence.text)
        if points and sentence.clean in seen:
            continue  # licences and front matter repeat the same dated sentence
        seen.add(sentence.clean)
        dates = [p for p in points if not p.is_version]
        if dates:
            first = min(dates, key=lambda p: p.key)
            dated.append((first.key, first.label, sentence))
        elif points:
            versions.append((points[0].key, points[0].label, sentence))
    if not dated and not versions:
        lines.append('No dates, years or version numbers were found in the selected sources.')
        return Report(kind='timeline', title=_title('timeline', title), markdown=_join(lines), citations=[])
    if dated:
        lines += ['## Events', '']
        for _key, label, sentence in sorted(dated, key=lambda d: (d[0], d[2].index))[:MAX_EVENTS]:
            lines.append(f'- **{md_escape(textutil.normalize_ws(label))}**: {cites.quote(sentence)}')
        lines.append('')
    if versions:
        lines += ['## Versions', '']
        for _key, label, sentence in sorted(versions, key=lambda d: (d[0], d[2].index))[:MAX_EVENTS]:
            lines.append(f'- **{md_escape(textutil.normalize_ws(label))}**: {cites.quote(sentence)}')
        lines.append('')
    return Report(kind='timeline', title=_title('timeline', title), markdown=_join(lines), citations=cites.cites)


def _title(kind: str, title: str) -> str:
    return f'{REPORT_LABELS[kind]}: {title}'


def _join(lines: list[str]) -> str:
    return re.sub(r'\n{3,}', '\n\n', '\n'.join(lines)).strip() + '\n'


REPORTS = {'study_guide': study_guide, 'briefing': briefing, 'faq': faq, 'timeline': timeline}


def offline_report(corpus: Corpus, kind: str, title: str) -> Report:
    return REPORTS[kind](corpus, title)
