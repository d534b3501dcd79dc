"""HTML to plain text: the main content only, headings as '#' lines, lists and tables kept readable, no markup."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser, LexborNode

from .document import Extracted, Heading, Page, clean_line, outline_from_pages
from .errors import IngestError
from .textdecode import bom_encoding, decode_text

# never content: code, styling, embedded objects, and page chrome
_DROP = (
    'script, style, noscript, template, svg, math, iframe, object, embed, canvas, video, audio, map, '
    'nav, aside, button, select, textarea, input, dialog, '
    '[hidden], [aria-hidden="true"], [role="navigation"], [role="search"], [role="complementary"], '
    '.headerlink, .skip-link, .screen-reader-text, .sr-only, .visually-hidden, .mw-editsection, .noprint'
)
# dropped unless they hold most of the page (ASP.NET wraps whole pages in one <form>)
_CHROME = 'header, footer, form, [role="banner"], [role="contentinfo"]'
_BLOCK = {
    'address', 'article', 'blockquote', 'body', 'caption', 'center', 'dd', 'details', 'div', 'dl', 'dt', 'fieldset',
    'figcaption', 'figure', 'footer', 'form', 'header', 'hgroup', 'hr', 'html', 'legend', 'li', 'main', 'menu', 'ol',
    'p', 'section', 'summary', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul', 'table',
}  # fmt: skip
_HEADINGS = {'h1': 1, 'h2': 2, 'h3': 3, 'h4': 4, 'h5': 5, 'h6': 6}
_SPACE = re.compile(r'\s+')
_META_CHARSET = re.compile(rb'<meta[^>]+charset\s*=\s*["\']?\s*([a-zA-Z0-9_.:-]+)', re.IGNORECASE)
# labels browsers map to other codecs (WHATWG Encoding): latin-1 pages are really Windows-1252
_CHARSET_ALIASES = {'iso-8859-1': 'cp1252', 'latin1': 'cp1252', 'us-ascii': 'cp1252', 'ascii': 'cp1252'}
_BREAK = '\x00'  # a <br>; HTML parsing drops or replaces the page's own NULs, so this cannot collide
# permalink marks that documentation generators append to headings ("Install ¶", "Usage #"); "C#" keeps its #
_PERMALINK = re.compile(r'(\s*[¶§🔗]|\s+#)+\s*$')

NO_TEXT = (
    'This web page has no readable text (it may build its content with JavaScript). '
    'Save the page as PDF from your browser, or copy its text and paste it as a source.'
)


def decode_html(data: bytes) -> str:
    """The page's text: BOM, then <meta charset>, then UTF-8, then a guess."""
    found = bom_encoding(data)
    if found:
        return data[found[1] :].decode(found[0], errors='replace')
    match = _META_CHARSET.search(data[:4096])
    if match:
        label = match.group(1).decode('ascii').lower()
        label = _CHARSET_ALIASES.get(label, label)
        try:
            codec = codecs.lookup(label).name
            if codec not in ('utf-16-le', 'utf-16-be', 'utf-16'):  # a meta tag that the bytes just proved wrong
                return data.decode(codec)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode('utf-8')
    except UnicodeDecodeError:
        return decode_text(data)


def extract_html_file(path: Path) -> Extracted:
    """One page of readable text from a stored HTML file."""
    return html_document(decode_html(path.read_bytes()))


def html_document(html: str) -> Extracted:
    """One page of readable text from an HTML document."""
    tree = LexborHTMLParser(html)
    title = _title(tree)
    for node in tree.css(_DROP):
        node.decompose()
    body = tree.body or tree.root
    if body is None:
        raise IngestError(NO_TEXT, code='no_text')
    body_length = len(body.text(separator=' ', strip=True))
    for node in tree.css(_CHROME):
        # an article's own <header> holds its title; site headers, footers and forms are chrome
        own_header = node.tag == 'header' and any(a.tag in ('article', 'main') for a in _ancestors(node))
        if not own_header and len(node.text(separator=' ', strip=True)) < 0.5 * body_length:
            node.decompose()
    root = _content_root(tree, body)
    blocks = _Blocks()
    blocks.walk(root)
    text, headings = blocks.render()
    if not text.strip():
        raise IngestError(NO_TEXT, code='no_text')
    page = Page(number=1, text=text, headings=headings)
    if title is None:
        title = next((h.title for h in headings if h.level == 1), None)
    return Extracted(pages=[page], outline=outline_from_pages([page]), title=title)


def _ancestors(node: LexborNode):
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def _title(tree: LexborHTMLParser) -> str | None:
    for selector in ('title', 'meta[property="og:title"]', 'h1'):
        node = tree.css_first(selector)
        if node is None:
            continue
        value = node.attributes.get('content') if node.tag == 'meta' else node.text(separator=' ')
        value = clean_line(_PERMALINK.sub('', value or ''))
        if value:
            return value[:300]
    return None


def _content_root(tree: LexborHTMLParser, body: LexborNode) -> LexborNode:
    """<main> or a single <article> when it holds a fair share of the text; the whole body otherwise."""
    total = len(body.text(separator=' ', strip=True))
    candidates = tree.css('main, [role="main"]') or tree.css('article')
    if len(candidates) == 1 or (candidates and candidates[0].tag == 'main'):
        node = candidates[0]
        length = len(node.text(separator=' ', strip=True))
        if length >= 500 or length >= 0.3 * total:
            return node
    return body


class _Blocks:
    """Walks the tree without recursion (pages can nest thousands deep) and collects text blocks."""

    def __init__(self) -> None:
        self.blocks: list[tuple[int, str]] = []  # (heading level or 0, text)
        self.inline: list[str] = []
        self.prefix = ''

    def walk(self, root: LexborNode) -> None:
        stack: list[tuple[LexborNode, bool]] = [(root, False)]
        while stack:
            node, leaving = stack.pop()
            tag = node.tag
            if leaving:
                self.flush()
                continue
            if tag == '-text':
                self.inline.append(node.text_content or '')
                continue
            if tag is None or tag.startswith('-'):  # comments, doctype
                continue
            if tag in _HEADINGS:
                self.flush()
                title = clean_line(_PERMALINK.sub('', node.text(separator=' ')))
                if title:
                    self.blocks.append((_HEADINGS[tag], title))
                continue
            if tag == 'pre':
                self.flush()
                self.add('\n'.join(line.rstrip() for line in (node.text() or '').strip('\n').split('\n')))
                continue
            if tag == 'br':
                self.inline.append(_BREAK)
                continue
            if tag == 'table' and not _is_layout_table(node):
                self.flush()
                self.add(_table(node))
                continue
            if tag == 'img':
                continue
            block = tag in _BLOCK
            if block:
                self.flush()
                if tag == 'li':
                    self.prefix = '- '
                stack.append((node, True))
            children = []
            child = node.child
            while child is not None:
                children.append(child)
                child = child.next
            stack.extend((c, False) for c in reversed(children))

    def flush(self) -> None:
        if not self.inline:
            return
        lines = (_SPACE.sub(' ', part).strip() for part in ''.join(self.inline).split(_BREAK))
        self.inline = []
        self.add('\n'.join(line for line in lines if line))

    def add(self, text: str) -> None:
        if text.strip():
            self.blocks.append((0, self.prefix + text))
            self.prefix = ''

    def render(self) -> tuple[str, list[Heading]]:
        parts: list[str] = []
        headings: list[Heading] = []
        offset = 0
        for level, text in self.blocks:
            if level:
                headings.append(Heading(offset=offset, level=level, title=text))
                text = '#' * level + ' ' + text
            parts.append(text)
            offset += len(text) + 2
        return '\n\n'.join(parts), headings


def _is_layout_table(table: LexborNode) -> bool:
    """Tables used to lay out a page hold paragraphs, headings or other tables; data tables hold short cells."""
    selector = 'table, p, div, h1, h2, h3, h4, h5, h6, ul, ol, pre, blockquote, article, section'
    return any(node.mem_id != table.mem_id for node in table.css(selector))


def _table(table: LexborNode) -> str:
    rows = []
    for row in table.css('tr'):
        cells = []
        child = row.child
        while child is not None:
            if child.tag in ('td', 'th'):
                cells.append(_SPACE.sub(' ', child.text(separator=' ')).strip().replace('|', '/'))
            child = child.next
        if any(cells):
            rows.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(rows)
