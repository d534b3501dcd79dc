"""Reports: extractive Markdown where every quote is an exact substring of a chunk and every [n] maps to a citation."""

from __future__ import annotations

import re

import pytest
from test_studio_corpus import libtasn1, markdown_source, selection

from aurenlm.studio.corpus import Corpus
from aurenlm.studio.inputs import StudioChunk, StudioSource
from aurenlm.studio.reports import MARKER, md_escape, md_unescape, offline_report
from aurenlm.studio.schemas import Report
from aurenlm.text.sentences import normalize_ws

KINDS = ['study_guide', 'briefing', 'faq', 'timeline']


@pytest.fixture(scope='module')
def corpus() -> Corpus:
    return Corpus(selection())


def check_grounded(report: Report, corpus: Corpus) -> None:
    texts = {c.chunk_id: c.text for c in corpus.chunks}
    sources = {c.chunk_id: c.source_id for c in corpus.chunks}
    for cite in report.citations:
        assert cite.quote in texts[cite.chunk_id]  # exact substring: the viewer can highlight it
        assert cite.source_id == sources[cite.chunk_id]
    markers = [int(n) for n in MARKER.findall(report.markdown)]
    assert markers, report.markdown[:200]
    assert set(markers) == set(range(1, len(report.citations) + 1))  # every marker resolves, every citation is used
    first_use = list(dict.fromkeys(markers))
    assert first_use == sorted(first_use)  # numbered in reading order
    for n, cite in enumerate(report.citations, start=1):
        # the quote shown right before marker n is the cited sentence, whitespace collapsed and escaped
        assert f'“{md_escape(cite.quote)}” [{n}]' in report.markdown


@pytest.mark.parametrize('kind', KINDS)
def test_every_quote_is_exact_and_every_marker_maps_to_a_citation(corpus: Corpus, kind: str) -> None:
    report = offline_report(corpus, kind, 'My notebook')
    assert report.kind == kind
    assert report.title.endswith('My notebook')
    check_grounded(report, corpus)


@pytest.mark.parametrize('kind', ['study_guide', 'briefing', 'faq'])
def test_reports_cover_every_source(corpus: Corpus, kind: str) -> None:
    report = offline_report(corpus, kind, 'N')
    assert {c.source_id for c in report.citations} == {s.source_id for s in corpus.sources}
    for source in corpus.sources:
        assert f'## {md_escape(source.title)}' in report.markdown


def test_study_guide_has_key_concepts_and_a_glossary(corpus: Corpus) -> None:
    report = offline_report(corpus, 'study_guide', 'N')
    assert '**Key concepts:**' in report.markdown
    assert '## Glossary' in report.markdown
    assert '**GNU General Public License**' in report.markdown


def test_faq_asks_the_headings(corpus: Corpus) -> None:
    report = offline_report(Corpus([libtasn1()]), 'faq', 'libtasn1')
    assert '### What are DER functions?' in report.markdown
    assert '### What is naming?' in report.markdown
    assert 'Concept Index' not in report.markdown  # index pages ask nothing


def test_timeline_is_chronological(corpus: Corpus) -> None:
    report = offline_report(corpus, 'timeline', 'N')
    events = report.markdown.split('## Versions')[0]
    years = [int(y) for y in re.findall(r'^- \*\*.*?(\d{4})\*\*', events, re.M)]
    assert len(years) >= 4
    assert years == sorted(years)
    assert '**18 August 2022**' in report.markdown and '**2 October 2018**' in report.markdown


def test_timeline_without_dates_says_so() -> None:
    source = markdown_source('shared-mime-info-README.md')
    report = offline_report(Corpus([source]), 'timeline', 'README')
    assert 'No dates, years or version numbers were found' in report.markdown
    assert report.citations == []


def test_quoted_source_text_cannot_forge_markers_or_markup() -> None:
    text = 'The cited paper [2] shows that *bold* claims need <b>evidence</b> from the sources.'
    source = StudioSource('s', 'Paper', 'sha', [], [StudioChunk(7, 's', 'Paper', 1, '', text)])
    report = offline_report(Corpus([source]), 'briefing', 'Paper')
    assert {int(n) for n in MARKER.findall(report.markdown)} == {1}  # only our own markers count
    assert '\\[2\\]' in report.markdown and '\\*bold\\*' in report.markdown and '\\<b\\>' in report.markdown
    assert md_unescape(md_escape(text)) == normalize_ws(text)


def test_reports_are_deterministic(corpus: Corpus) -> None:
    assert offline_report(corpus, 'briefing', 'N') == offline_report(corpus, 'briefing', 'N')
