"""PDF exports through weasyprint, with a URL fetcher that refuses everything but data: images and bundled assets.

The text in an export is untrusted (model output, sources, notes): if the renderer fetched what it names, a note
could make the server read local files (`file:///etc/passwd`) or call internal addresses. So every URL weasyprint
asks for goes through `SafeFetcher`, which serves only `data:` images and files from the project's assets folder
(by path, under the `aurenlm-asset:` scheme), and refuses the rest. Markdown is rendered by markdown-it with HTML
off; images that are not inline data become their alt text, so a refused image leaves a visible trace.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote_to_bytes

from loguru import logger
from markdown_it import MarkdownIt
from markdown_it.token import Token
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from aurenlm.chat.citations import markdown_rule
from aurenlm.exchange.document import FootnoteCounter

if TYPE_CHECKING:
    from aurenlm.exchange.document import Doc, Footnote

ASSETS = Path(__file__).resolve().parents[2] / 'assets'
ASSET_SCHEME = 'aurenlm-asset:'
STYLESHEET = 'export.css'
LOGO = 'favicon.svg'
ASSET_SUFFIXES = {'.css', '.svg', '.png', '.jpg', '.jpeg', '.ttf', '.otf', '.woff', '.woff2'}
DATA_IMAGE_TYPES = {'image/png', 'image/jpeg', 'image/gif', 'image/webp'}  # no SVG: it can name further URLs
MAX_DATA_URL_BYTES = 5 * 1024 * 1024
_ASSET_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}$')
_render_lock = threading.Lock()  # weasyprint is not documented as thread-safe; one render at a time is plenty


class RefusedURL(ValueError):
    """A URL the export renderer will not fetch."""


class SafeFetcher(URLFetcher):
    """Serves `data:` images and bundled assets; refuses http(s), file, ftp and everything else."""

    def __init__(self) -> None:
        super().__init__(timeout=1, allowed_protocols=set(), allow_redirects=False, fail_on_errors=False)
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url.startswith('data:'):
            return self._data(url)
        if url.startswith(ASSET_SCHEME):
            return self._asset(url)
        return self._refuse(url)

    def _refuse(self, url: str):
        self.refused.append(url[:200])
        logger.warning(f'PDF export: refused to fetch {url[:120]!r}')
        raise RefusedURL(f'refused: {url[:120]}')

    def _data(self, url: str) -> URLFetcherResponse:
        header, _, payload = url[5:].partition(',')
        parts = header.split(';')
        mime = parts[0].strip().lower()
        if mime not in DATA_IMAGE_TYPES or len(payload) > MAX_DATA_URL_BYTES * 2:
            return self._refuse(url)
        try:
            body = base64.b64decode(payload, validate=False) if 'base64' in parts[1:] else unquote_to_bytes(payload)
        except (binascii.Error, ValueError):
            return self._refuse(url)
        if len(body) > MAX_DATA_URL_BYTES:
            return self._refuse(url)
        return URLFetcherResponse(url, body=body, headers={'Content-Type': mime})

    def _asset(self, url: str) -> URLFetcherResponse:
        name = url[len(ASSET_SCHEME) :].lstrip('/')
        path = (ASSETS / name).resolve()
        if (
            not _ASSET_NAME.match(name)
            or path.parent != ASSETS.resolve()
            or path.suffix.lower() not in ASSET_SUFFIXES
            or not path.is_file()
        ):
            return self._refuse(url)
        media = {'.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png'}.get(path.suffix.lower(), '')
        return URLFetcherResponse(
            url, body=path.read_bytes(), headers={'Content-Type': media or 'application/octet-stream'}
        )


def html_to_pdf(document: str, *, stylesheet: str | None = None, fetcher: SafeFetcher | None = None) -> bytes:
    """Render an HTML string; every resource goes through the safe fetcher. Blocking."""
    fetcher = fetcher or SafeFetcher()
    css = stylesheet if stylesheet is not None else (ASSETS / STYLESHEET).read_text(encoding='utf-8')
    with _render_lock:
        return HTML(string=document, base_url=None, url_fetcher=fetcher).write_pdf(
            stylesheets=[CSS(string=css, base_url=None, url_fetcher=fetcher)]
        )


# -- Markdown to HTML, with footnotes ---------------------------------------------------------------------------------


def _text_token(content: str) -> Token:
    token = Token('text', '', 0)
    token.content = content
    return token


def footnote_html(number: int, note: Footnote) -> str:
    return f'<span class="fn" data-n="{number}">{html.escape(note.text())}</span>'


def _markdown(cites: dict[int, Footnote], counter: FootnoteCounter, shift: int) -> MarkdownIt:
    md = MarkdownIt('commonmark', {'html': False, 'linkify': False, 'typographer': False}).enable(
        ['table', 'strikethrough']
    )
    numbers: dict[int, int] = {}

    def footnotes(markers: list[int]) -> str | None:
        """Known markers become footnotes; a group with none known stays as written."""
        known = [n for n in markers if n in cites]
        if not known:
            return None
        parts = []
        for n in known:
            if n in numbers:  # the same passage again in this text: point at the footnote already made
                parts.append(f'<sup class="fn-again">{numbers[n]}</sup>')
            else:
                numbers[n] = counter.take()
                parts.append(footnote_html(numbers[n], cites[n]))
        return ''.join(parts)

    def shift_headings_and_drop_images(state) -> None:
        for token in state.tokens:
            if token.type in ('heading_open', 'heading_close') and shift:
                token.tag = f'h{min(6, int(token.tag[1]) + shift)}'
            if token.type != 'inline' or not token.children:
                continue
            children: list[Token] = []
            for child in token.children:
                if child.type == 'image' and not str(child.attrs.get('src', '')).startswith('data:image/'):
                    children.append(_text_token(f'[image: {child.content or "image"}]'))
                else:
                    children.append(child)
            token.children = children

    # the citations first: an image's alt text put back as text is not read for markers
    md.core.ruler.push('auren_cites', markdown_rule(footnotes))
    md.core.ruler.push('auren_export', shift_headings_and_drop_images)
    return md


def markdown_html(text: str, cites: dict[int, Footnote], counter: FootnoteCounter, shift: int = 0) -> str:
    return _markdown(cites, counter, shift).render(text or '')


# -- the document -----------------------------------------------------------------------------------------------------


def _e(text: str) -> str:
    return html.escape(str(text or ''), quote=True)


def doc_html(doc: Doc) -> str:
    from aurenlm.exchange.document import Heading, Markdown, Meta, Question, Table

    counter = FootnoteCounter()  # weasyprint floats each footnote to the bottom of its page
    parts: list[str] = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f'<title>{_e(doc.title)}</title><meta name="generator" content="AurenLM"></head><body>',
    ]
    if doc.cover:
        facts = ''.join(f'<tr><th>{_e(label)}</th><td>{_e(value)}</td></tr>' for label, value in doc.facts)
        parts.append(
            '<section class="cover">'
            f'<img class="cover-logo" src="{ASSET_SCHEME}{LOGO}" alt="">'
            '<p class="cover-brand">AurenLM</p>'
            f'<p class="cover-title">{_e(doc.title)}</p>'
            f'<p class="cover-subtitle">{_e(doc.subtitle)}</p>'
            f'<table class="cover-facts">{facts}</table>'
            '</section>'
        )
        headings = [b for b in doc.blocks if isinstance(b, Heading) and b.level == 1]
        if headings:
            items = ''.join(f'<li><a href="#part-{i}">{_e(h.text)}</a></li>' for i, h in enumerate(headings, start=1))
            parts.append(f'<nav class="toc"><p class="toc-title">Contents</p><ol>{items}</ol></nav>')
    else:
        parts.append(f'<header class="doc-head"><h1>{_e(doc.title)}</h1>')
        if doc.subtitle:
            parts.append(f'<p class="doc-subtitle">{_e(doc.subtitle)}</p>')
        parts.append('</header>')
    part = 0
    for block in doc.blocks:
        if isinstance(block, Heading):
            level = min(6, block.level + (0 if doc.cover else 1))
            anchor = ''
            if doc.cover and block.level == 1:
                part += 1
                anchor = f' id="part-{part}"'
            parts.append(f'<h{level}{anchor}>{_e(block.text)}</h{level}>')
        elif isinstance(block, Meta):
            parts.append(f'<p class="meta">{_e(block.text)}</p>')
        elif isinstance(block, Question):
            parts.append(
                f'<div class="question"><p class="who">{_e(block.meta)}</p><p class="asked">{_e(block.text)}</p></div>'
            )
        elif isinstance(block, Markdown):
            shift = block.shift + (0 if doc.cover else 1)
            body = markdown_html(block.text, block.cites, counter, shift)
            if block.label:
                parts.append(f'<div class="answer"><p class="who">{_e(block.label)}</p>{body}</div>')
            else:
                parts.append(f'<div class="md">{body}</div>')
        elif isinstance(block, Table):
            head = ''.join(f'<th>{_e(h)}</th>' for h in block.header)
            rows = ''.join('<tr>' + ''.join(f'<td>{_e(c)}</td>' for c in row) + '</tr>' for row in block.rows)
            parts.append(f'<table class="listing"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>')
    parts.append('</body></html>')
    return ''.join(parts)


def render_pdf(doc: Doc) -> bytes:
    """The document as PDF bytes. Blocking: call it with asyncio.to_thread."""
    return html_to_pdf(doc_html(doc))
