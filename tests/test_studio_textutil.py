"""The offline engine's text helpers: sentences that can be quoted exactly, key phrases, centrality, dates."""

from __future__ import annotations

from test_studio_corpus import libtasn1, selection

from aurenlm.studio import patterns
from aurenlm.studio.corpus import Corpus
from aurenlm.studio.generate import run_offline
from aurenlm.studio.options import KINDS, parse_options
from aurenlm.text import sentences as textutil
from aurenlm.text.phrases import key_phrases, phrase_counts
from aurenlm.text.stopwords import PHRASE_STOPWORDS


def sentences(text: str) -> list[str]:
    spans = textutil.split_sentences(text)
    assert all(text[s.start : s.end] == s.text for s in spans)  # offsets are exact, so quotes can be highlighted
    return [s.text for s in spans]


def test_abbreviations_initials_and_versions_do_not_end_a_sentence() -> None:
    text = 'Use a codec, e.g. DER or BER, for this. Dr. J. Smith wrote version 4.19.0 in 2022. It works, i.e. mostly.'
    assert sentences(text) == [
        'Use a codec, e.g. DER or BER, for this.',
        'Dr. J. Smith wrote version 4.19.0 in 2022.',
        'It works, i.e. mostly.',
    ]


def test_pdf_line_breaks_join_but_headings_lists_and_code_stand_alone() -> None:
    text = (
        '2.2 Naming\r\n'
        'The notation to access the Group type of the Example definition above is\r\n'
        'Example.Group, as a string. Such strings are used below.\r\n'
        'The supported types are:\r\n'
        '• INTEGER;\r\n'
        '• BOOLEAN.\r\n'
        'Group ::= SEQUENCE {\r\n'
        '}\r\n'
    )
    spans = textutil.split_sentences(text)
    kinds = [(s.kind, s.text) for s in spans]
    assert kinds[0] == ('heading', '2.2 Naming')
    assert kinds[1] == (
        'prose',
        'The notation to access the Group type of the Example definition above is\r\nExample.Group, as a string.',
    )
    assert ('bullet', '• INTEGER;') in kinds and ('bullet', '• BOOLEAN.') in kinds
    assert ('code', 'Group ::= SEQUENCE {') in kinds
    assert textutil.strip_bullet(spans[-3]).text in ('INTEGER;', 'BOOLEAN.')


def test_fenced_code_is_not_prose() -> None:
    text = 'Install it like this.\n\n```sh\n$ meson _build. Then run it.\n```\n\nIt needs glib.'
    spans = textutil.split_sentences(text)
    assert [s.kind for s in spans] == ['prose', 'code', 'code', 'code', 'prose']


def test_informative_sentences_are_complete_prose() -> None:
    text = (
        'The output file is a binary file with the DER encoding. Done.\nrc = asn1_create_element(defs, "PKIX1", &cert);'
    )
    good, short, code = textutil.split_sentences(text)
    assert code.kind == 'code'
    assert textutil.is_informative(good)
    assert not textutil.is_informative(short)
    assert not textutil.is_informative(code)


def test_key_phrases_prefer_distinctive_noun_phrases() -> None:
    docs = [
        'The DER encoding of a value is unique. DER encoding is used for certificates.',
        'The BER encoding allows several forms. A parser reads the BER encoding.',
        'Certificates are signed. The DER encoding of a certificate is signed.',
    ]
    phrases = key_phrases(docs, k=4)
    assert set(phrases[:2]) == {'DER encoding', 'BER encoding'}
    assert not any(p.lower() in PHRASE_STOPWORDS or p.isdigit() for p in phrases)


def test_phrases_skip_urls_and_numbers() -> None:
    counts = phrase_counts('See https://example.org/mime-types for 2024 MIME types and 42 icons.')
    assert 'mime types' in counts
    assert not any('https' in key or 'example' in key or key.isdigit() for key in counts)


def test_centrality_ranks_the_on_topic_sentence_first() -> None:
    scores = textutil.centrality(
        [
            'Mind maps show the topics of the sources.',
            'Mind maps show topics and sub-topics of the sources as branches.',
            'The weather was nice.',
        ]
    )
    assert scores.shape == (3,)
    assert scores[2] < scores[0] and scores[2] < scores[1]


def test_definitions() -> None:
    found = patterns.find_definition('The output file is a binary file with the DER encoding.')
    assert found is not None and found.term == 'The output file' and found.verb == 'is'
    assert patterns.find_definition('"Object code" means any non-source form of a work.').term == '"Object code"'
    assert patterns.find_definition('Files are copied to the cache directory.') is None  # passive, not a definition
    assert patterns.find_definition('It is a library for ASN.1.') is None


def test_time_points() -> None:
    points = patterns.find_time_points('Version 4.19.0, released 18 August 2022; the spec dates from 2010-03.')
    assert [(p.key, p.is_version) for p in points] == [
        ((2010, 3, 0), False),
        ((2022, 8, 18), False),
        ((4, 19, 0), True),
    ]
    assert patterns.find_time_points('It reads 1024 bytes from RFC 2459.') == []


def cited_quotes(value: object) -> list[dict]:
    """Every citation ({chunk_id, quote, ...}) anywhere in a dumped studio result."""
    if isinstance(value, dict):
        own = [value] if {'chunk_id', 'quote'} <= value.keys() else []
        return own + [c for v in value.values() for c in cited_quotes(v)]
    if isinstance(value, list):
        return [c for v in value for c in cited_quotes(v)]
    return []


def test_a_36_page_pdf_is_analysed_into_exact_sentences_from_every_part() -> None:
    # how long this takes is a figure in bench/timings.py (studio_corpus_36_pages_ms), not a test
    source = libtasn1()
    assert max(c.page for c in source.chunks) == 36
    corpus = Corpus([source])
    assert all(corpus.chunks[s.chunk].text[s.start : s.end] == s.text for s in corpus.sentences)
    pages = {corpus.chunks[s.chunk].page for s in corpus.sentences}  # not the title, contents or index pages
    assert len(pages) >= 25 and min(pages) <= 4 and max(pages) >= 34
    assert len(corpus.phrases.top(k=5)) == 5


def test_every_offline_kind_over_four_sources_cites_exact_text() -> None:
    sources = selection()
    chunk_text = {c.chunk_id: c.text for s in sources for c in s.chunks}
    for kind in KINDS:
        result = run_offline(parse_options(kind, {'count': 20}), sources).model_dump()
        cites = cited_quotes(result)
        if kind == 'mindmap':
            assert result['nodes'], kind
        else:
            assert len({c['source_id'] for c in cites}) >= 2, kind
        assert all(c['quote'] in chunk_text[c['chunk_id']] for c in cites), kind
