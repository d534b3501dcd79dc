"""Word (.docx) to text: headings as '#' lines, paragraphs, list items and tables as pipe rows, in body order."""

from __future__ import annotations

import re
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn
from docx.table import Table

from .checks import check_zip
from .document import Extracted, Heading, Page, clean_line, normalize_text, outline_from_pages
from .errors import IngestError

DEFAULT_MAX_UNCOMPRESSED = 200 * 1024 * 1024
DEFAULT_MAX_RATIO = 100

_HEADING_NAME = re.compile(r'^(heading|überschrift|titre|título|titolo|kop|rubrik|nagłówek|заголовок)\s*(\d)$', re.I)
_HEADING_ID = re.compile(r'^heading(\d)$', re.I)
_JUNK_TITLE = re.compile(r'^(untitled|document\d*|microsoft word - .*|.*\.(docx?|dotx?))$', re.I)
_P, _TBL, _SDT, _SDT_CONTENT = qn('w:p'), qn('w:tbl'), qn('w:sdt'), qn('w:sdtContent')
_PPR, _PSTYLE, _NUMPR, _OUTLINE, _VAL = qn('w:pPr'), qn('w:pStyle'), qn('w:numPr'), qn('w:outlineLvl'), qn('w:val')
_R, _T, _TAB, _BR, _CR, _NB_HYPHEN = qn('w:r'), qn('w:t'), qn('w:tab'), qn('w:br'), qn('w:cr'), qn('w:noBreakHyphen')
# elements that hold runs inside a paragraph; text boxes are left out because Word stores each one twice
_RUN_CONTAINERS = {
    qn(f'w:{name}')
    for name in ('hyperlink', 'ins', 'smartTag', 'fldSimple', 'sdt', 'sdtContent', 'customXml', 'moveTo', 'dir', 'bdo')
}

NO_TEXT = 'This Word document has no text in it. If it holds scanned pages, export it as PDF, run OCR and upload that.'
DAMAGED = 'This Word document is damaged and cannot be read. Open it in Word, save it again and upload the new file.'


def extract_docx_file(
    path: Path, *, max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED, max_ratio: float = DEFAULT_MAX_RATIO
) -> Extracted:
    """One page of text from a Word document, after checking that its zip does not inflate past the limits."""
    # the zip is inflated once with a byte cap before python-docx reads it whole into memory
    check_zip(path, max_uncompressed_bytes, max_ratio)
    try:
        document = Document(str(path))
        blocks, title = _blocks(document)
        core_title = clean_line(document.core_properties.title or '')
    except IngestError:
        raise
    except Exception:  # python-docx raises KeyError, ValueError, lxml errors... for broken packages
        raise IngestError(DAMAGED, code='corrupt') from None
    text_parts: list[str] = []
    headings: list[Heading] = []
    offset = 0
    for level, text in blocks:
        if level:
            headings.append(Heading(offset=offset, level=level, title=clean_line(text)))
            text = '#' * level + ' ' + clean_line(text)
        text_parts.append(text)
        offset += len(text) + 2
    text = '\n\n'.join(text_parts)
    if not text.strip():
        raise IngestError(NO_TEXT, code='no_text')
    page = Page(number=1, text=text, headings=headings)
    # the Title-styled paragraph is what readers see; the document property is often left over from a template
    if not title and core_title and not _JUNK_TITLE.match(core_title):
        title = core_title
    if not title:
        title = next((h.title for h in headings if h.level == 1), None)
    return Extracted(pages=[page], outline=outline_from_pages([page]), title=title)


class _Styles:
    """Heading level and list-ness per style id, resolved once (python-docx lookups walk the styles part each time)."""

    def __init__(self, document) -> None:
        self.by_id = {style.style_id: style for style in document.styles}
        self.cache: dict[str | None, tuple[int, bool, bool, bool]] = {}

    def info(self, style_id: str | None) -> tuple[int, bool, bool, bool]:
        """(heading level or 0, is the title, is a list, is a table-of-contents entry)"""
        if style_id not in self.cache:
            self.cache[style_id] = self._resolve(style_id)
        return self.cache[style_id]

    def _resolve(self, style_id: str | None) -> tuple[int, bool, bool, bool]:
        style = self.by_id.get(style_id) if style_id else None
        name = (style.name or '') if style is not None else ''
        sid = style_id or ''
        if name.lower() == 'title' or sid.lower() == 'title':
            return 1, True, False, False
        match = _HEADING_NAME.match(name) or _HEADING_ID.match(sid)
        level = int(match.group(match.lastindex)) if match else 0
        depth = 0
        # localised or custom heading styles still carry the outline level Word uses for its navigation pane
        while not level and style is not None and depth < 10:
            level = _outline_level(style.element)
            style, depth = style.base_style, depth + 1
        is_list = name.lower().startswith('list') or sid.lower().startswith('list')
        is_toc = name.lower().startswith('toc') or sid.lower().startswith('toc')
        return min(level, 6), False, is_list, is_toc


def _outline_level(element) -> int:
    ppr = element.find(_PPR)
    node = ppr.find(_OUTLINE) if ppr is not None else None
    value = node.get(_VAL, '') if node is not None else ''
    return int(value) + 1 if value.isdigit() and int(value) < 9 else 0


def _body_elements(parent):
    """Paragraphs and tables in order, including those wrapped in content controls (cover pages, templates)."""
    for child in parent.iterchildren():
        if child.tag in (_P, _TBL):
            yield child
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from _body_elements(content)


def _paragraph_text(paragraph) -> str:
    """The visible text of a paragraph: runs, also inside links, insertions and fields; not deleted text or text boxes.

    Walking the XML directly is about ten times faster than python-docx's per-paragraph XPath.
    """
    parts: list[str] = []
    stack = list(reversed(paragraph))
    while stack:
        node = stack.pop()
        tag = node.tag
        if tag == _R:
            for item in node:
                kind = item.tag
                if kind == _T:
                    parts.append(item.text or '')
                elif kind == _TAB:
                    parts.append('\t')
                elif kind in (_BR, _CR):
                    parts.append('\n')
                elif kind == _NB_HYPHEN:
                    parts.append('-')
        elif tag in _RUN_CONTAINERS:
            stack.extend(reversed(node))
    return ''.join(parts)


def _blocks(document) -> tuple[list[tuple[int, str]], str | None]:
    styles = _Styles(document)
    body = document.element.body
    blocks: list[tuple[int, str]] = []
    title = None
    for element in _body_elements(body):
        if element.tag == _TBL:
            table = _table(Table(element, document))
            if table:
                blocks.append((0, table))
            continue
        text = normalize_text(_paragraph_text(element))
        if not text.strip():
            continue
        ppr = element.find(_PPR)
        style_node = ppr.find(_PSTYLE) if ppr is not None else None
        level, is_title, is_list, is_toc = styles.info(style_node.get(_VAL) if style_node is not None else None)
        if is_toc:
            continue
        level = level or min(_outline_level(element), 6)
        if level and len(text) <= 300:
            if is_title and title is None:
                title = clean_line(text)
            blocks.append((level, text))
        elif is_list or (ppr is not None and ppr.find(_NUMPR) is not None):
            blocks.append((0, '- ' + text))
        else:
            blocks.append((0, text))
    return blocks, title


def _table(table: Table) -> str:
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            # a merged cell comes back once per grid column it spans
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(' '.join(normalize_text(cell.text).split()).replace('|', '/'))
        if any(cells):
            rows.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(rows)
