"""Citation markers in Markdown: the same rule makes chips on screen and footnotes in a PDF export."""

from __future__ import annotations

from aurenlm.exchange.document import Footnote, FootnoteCounter
from aurenlm.exchange.pdf import markdown_html
from components.markdown_view import CiteInfo, render

TEXT = 'Elements are created [1] and freed [2, 3]. Not a cite: `x[1]` and [note].\n\n```\nbuf[1] = 0;\n```\n'


def test_on_screen_every_marker_is_a_chip_and_code_stays_code() -> None:
    cite = CiteInfo(1, 'src', 'Manual', 4, 'asn1_create_element creates a structure', 7)
    html = render(TEXT, {1: cite})
    assert html.count('class="auren-cites"') == 2
    assert 'data-marker="1"' in html and 'Manual · p. 4' in html
    assert 'auren-cite-missing">2<' in html and 'auren-cite-missing">3<' in html, 'unknown passages are greyed out'
    assert '<code>x[1]</code>' in html and 'buf[1] = 0;' in html and '[note]' in html


def test_in_a_pdf_known_markers_are_footnotes_numbered_across_the_document() -> None:
    counter = FootnoteCounter()
    counter.take()  # an earlier part of the document used footnote 1
    cites = {1: Footnote('Manual', 4, 'asn1_create_element creates a structure')}
    html = markdown_html(TEXT + '\nCreated again [1]. Unknown [9].', cites, counter)
    assert html.count('<span class="fn" data-n="2">Manual, p. 4') == 1
    assert '<sup class="fn-again">2</sup>' in html, 'the same passage again points at its footnote'
    assert '[2, 3]' in html and '[9]' in html, 'a marker with no known passage stays as written'
    assert '<code>x[1]</code>' in html and 'buf[1] = 0;' in html


def test_marker_html_never_lets_the_text_in() -> None:
    hostile = '<img src=x onerror=alert(1)> [1]'
    cite = CiteInfo(1, 'src', '"><script>alert(2)</script>', 1, '<b>quote</b>')
    screen = render(hostile, {1: cite})
    paper = markdown_html(hostile, {1: Footnote('<script>alert(3)</script>', 1, '<b>q</b>')}, FootnoteCounter())
    for html in (screen, paper):
        assert '<img' not in html and '<script' not in html and '<b>' not in html
