"""PDF to text with pypdfium2: text per page with paragraph breaks from the layout, bookmarks, and headings."""

from __future__ import annotations

import ctypes
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from .document import Extracted, Heading, OutlineEntry, Page, build_outline, clean_line
from .errors import IngestError
from .pdf_layout import BULLET, Line, body_size, font_headings, line_spacing, paragraph_breaks

# PDFium is not thread-safe; one document at a time per process (the worker runs several processes to scale)
PDFIUM_LOCK = threading.Lock()
MAX_OUTLINE_ENTRIES = 5000

ENCRYPTED = 'This PDF is password-protected. Remove the password (print it to a new PDF, for example) and upload it again.'
UNSUPPORTED_SECURITY = (
    'This PDF uses a protection scheme that cannot be opened. Remove the protection and upload it again.'
)
DAMAGED = (
    'This PDF is damaged or incomplete and cannot be read. '
    'If it was downloaded, download it again; otherwise open it and save or print it to a new PDF, then upload that.'
)
SCANNED = (
    'This PDF has no selectable text; it looks like scanned pages. '
    'Run it through OCR (for example OCRmyPDF, or "Recognize text" in your PDF reader) and upload the result.'
)

_LINE_BREAK = re.compile(r'\r\n|\r|\n')
_DROP_CHARS = re.compile(r'[\x00-\x08\x0b-\x1f\x7f\ufeff\ufffe\uffff]')  # \ufffe marks a joined hyphenation
_WORDISH = re.compile(r'\w')
_NUMBERING = re.compile(
    r'(chapter|section|part|appendix|annex|chapitre|kapitel|anhang|teil)?([0-9]{1,6}|[ivxlc]{1,6}|[a-z])?[0-9]{0,6}'
)
_JUNK_TITLE = re.compile(r'^(untitled|microsoft word - .*|.*\.(docx?|pdf|tex|dvi|indd|odt|rtf))$', re.IGNORECASE)


@dataclass
class _PageLines:
    lines: list[Line]
    failed: bool = False
    headings: list[tuple[int, int, str]] = field(default_factory=list)  # (line index, level, title)


def extract_pdf_file(path: Path) -> Extracted:
    with PDFIUM_LOCK:
        pdf = _open(path)
        try:
            return _extract(pdf)
        finally:
            pdf.close()


def _open(path: Path) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as error:
        code = getattr(error, 'err_code', None)
        if code == raw.FPDF_ERR_PASSWORD:
            raise IngestError(ENCRYPTED, code='encrypted') from None
        if code == raw.FPDF_ERR_SECURITY:
            raise IngestError(UNSUPPORTED_SECURITY, code='encrypted') from None
        raise IngestError(DAMAGED, code='corrupt') from None


def _extract(pdf: pdfium.PdfDocument) -> Extracted:
    count = len(pdf)
    if count == 0:
        raise IngestError(DAMAGED, code='corrupt')
    pages = [_read_page(pdf, index) for index in range(count)]
    if sum(p.failed for p in pages) > count / 2:
        raise IngestError(DAMAGED, code='corrupt')
    alnum = sum(sum(c.isalnum() for c in line.text) for p in pages for line in p.lines)
    if alnum < max(20, 5 * count):
        raise IngestError(SCANNED, code='no_text')

    outline, flat = _outline(pdf, count)
    body = body_size([line for p in pages for line in p.lines])
    spacing = line_spacing([p.lines for p in pages])
    if len(flat) >= 2:
        for level, title, number in flat:
            if number is not None:
                _place_bookmark(pages[number - 1], level, title)
    else:
        # no usable bookmarks: headings from type size and weight, and the outline built from them
        for page_index, line_index, level, title in font_headings([p.lines for p in pages], body):
            pages[page_index].headings.append((line_index, level, title))

    result = [_assemble(number, p, spacing) for number, p in enumerate(pages, start=1)]
    if len(flat) < 2:
        outline = build_outline([(h.level, h.title, page.number) for page in result for h in page.headings])
    return Extracted(pages=result, outline=outline, title=_title(pdf, pages, body))


def _read_page(pdf: pdfium.PdfDocument, index: int) -> _PageLines:
    page = raw.FPDF_LoadPage(pdf.raw, index)
    if not page:
        return _PageLines(lines=[], failed=True)
    textpage = raw.FPDFText_LoadPage(page)
    try:
        if not textpage:
            return _PageLines(lines=[], failed=True)
        return _PageLines(lines=_lines(textpage))
    finally:
        if textpage:
            raw.FPDFText_ClosePage(textpage)
        raw.FPDF_ClosePage(page)


def _lines(textpage) -> list[Line]:
    """The page's lines as PDFium orders them, each with the geometry of its first and last glyph.

    A few calls per line, never per character: that is what keeps extraction at hundreds of pages per second.
    """
    n_chars = raw.FPDFText_CountChars(textpage)
    if n_chars <= 0:
        return []
    buffer = (ctypes.c_ushort * (n_chars + 1))()
    written = raw.FPDFText_GetText(textpage, 0, n_chars, buffer)
    text = ctypes.string_at(buffer, max(written - 1, 0) * 2).decode('utf-16-le', errors='replace')
    identity = len(text) == n_chars  # the usual case: text index == char index, no translation calls needed
    x, y = ctypes.c_double(), ctypes.c_double()
    left, right, bottom, top = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    name = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    lines: list[Line] = []
    start = 0
    for match in [*_LINE_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        raw_line = text[start:end]
        line_start = start
        start = match.end() if match else len(text)
        clean = _DROP_CHARS.sub('', raw_line).rstrip()
        if not clean.strip():
            continue
        first = line_start + len(raw_line) - len(raw_line.lstrip())
        last = line_start + len(raw_line.rstrip()) - 1
        word = _WORDISH.search(raw_line)
        sample = line_start + word.start() if word else first
        if not identity:
            first = raw.FPDFText_GetCharIndexFromTextIndex(textpage, first)
            last = raw.FPDFText_GetCharIndexFromTextIndex(textpage, last)
            sample = raw.FPDFText_GetCharIndexFromTextIndex(textpage, sample)
            if min(first, last, sample) < 0:
                lines.append(Line(clean.strip(), 0.0, 0.0, 0.0, 0.0, False, known=False))
                continue
        raw.FPDFText_GetCharOrigin(textpage, first, x, y)
        raw.FPDFText_GetCharBox(textpage, last, left, right, bottom, top)
        size = raw.FPDFText_GetFontSize(textpage, sample)
        weight = raw.FPDFText_GetFontWeight(textpage, sample)
        bold = weight >= 600
        if not bold:
            # many PDFs give no weight; the font name ("Arial-BoldMT") still tells
            length = raw.FPDFText_GetFontInfo(textpage, sample, name, len(name), flags)
            font = name.value.lower() if 0 < length <= len(name) else b''
            bold = b'bold' in font or b'black' in font or b'heavy' in font
        lines.append(Line(clean.strip(), x.value, y.value, right.value, size, bold))
    return lines


def _outline(pdf: pdfium.PdfDocument, count: int) -> tuple[list[OutlineEntry], list[tuple[int, str, int | None]]]:
    flat: list[tuple[int, str, int | None]] = []
    try:
        for bookmark in pdf.get_toc(max_depth=15):
            title = clean_line(bookmark.get_title() or '')
            if not title:
                continue
            dest = bookmark.get_dest()
            index = dest.get_index() if dest is not None else None
            page = index + 1 if index is not None and 0 <= index < count else None
            flat.append((bookmark.level + 1, title[:300], page))
            if len(flat) >= MAX_OUTLINE_ENTRIES:
                break
    except (pdfium.PdfiumError, ValueError, UnicodeDecodeError):
        pass  # a broken outline is not worth refusing the document for
    return build_outline(flat), flat


def _norm(text: str) -> str:
    return ''.join(c for c in text.casefold() if c.isalnum())


def _numbering(leftover: str) -> bool:
    return len(leftover) <= 14 and _NUMBERING.fullmatch(leftover) is not None


def _place_bookmark(page: _PageLines, level: int, title: str) -> None:
    """Find the line a bookmark points at by its title, allowing for a section number the bookmark leaves out."""
    wanted = _norm(title)
    used = {index for index, _, _ in page.headings}
    if not wanted:
        return
    lines = page.lines
    best: tuple[int, str] | None = None
    for index, line in enumerate(lines):
        if index in used:
            continue
        for span in (1, 2):
            if index + span > len(lines):
                break
            text = ' '.join(lines[i].text for i in range(index, index + span))
            have = _norm(text)
            if have == wanted:
                best = (index, title)
            elif have.endswith(wanted) and _numbering(have[: -len(wanted)]):
                best = (index, clean_line(text))  # the line carries the section number: "2.1 ASN.1 syntax"
            elif wanted.endswith(have) and len(have) >= 3 and _numbering(wanted[: -len(have)]):
                best = (index, title)
            if best:
                break
        if best:
            break
    if best is None:
        for index, line in enumerate(lines):
            have = _norm(line.text)
            if index not in used and wanted in have and len(have) <= len(wanted) + 15:
                best = (index, title)
                break
    if best is None:
        # the title is not printed as such (or not as text): the section still starts on this page
        page.headings.append((-1, level, title))
    else:
        page.headings.append((best[0], level, best[1]))


def _assemble(number: int, page: _PageLines, spacing: dict[float, float]) -> Page:
    lines = page.lines
    heading_lines = {index: (level, title) for index, level, title in page.headings if index >= 0}
    breaks = paragraph_breaks(lines, spacing)
    parts: list[str] = []
    offsets: list[int] = []
    position = 0
    for index, line in enumerate(lines):
        if index:
            separator = '\n\n' if breaks[index] or index in heading_lines or index - 1 in heading_lines else '\n'
            parts.append(separator)
            position += len(separator)
        offsets.append(position)
        parts.append(line.text)
        position += len(line.text)
    headings = [Heading(offset=0, level=level, title=title) for index, level, title in page.headings if index < 0]
    headings += [Heading(offset=offsets[index], level=lvl, title=title) for index, (lvl, title) in heading_lines.items()]
    headings.sort(key=lambda h: h.offset)
    return Page(number=number, text=''.join(parts), headings=headings)


def _title(pdf: pdfium.PdfDocument, pages: list[_PageLines], body: float) -> str | None:
    try:
        title = clean_line(pdf.get_metadata_value('Title') or '')
    except (pdfium.PdfiumError, KeyError, UnicodeDecodeError):
        title = ''
    if title and not _JUNK_TITLE.match(title) and any(c.isalpha() for c in title):
        return title[:300]
    # otherwise the biggest type on the first page with text, if it clearly stands out
    for page in pages[:3]:
        candidates = [line for line in page.lines if line.known and not line.text.startswith(BULLET)]
        if not candidates:
            continue
        biggest = max(line.size for line in candidates)
        if biggest < 1.25 * body:
            return None
        words = [line.text for line in candidates if abs(line.size - biggest) < 0.5][:3]
        title = clean_line(' '.join(words))
        return title[:300] if 0 < len(title.split()) <= 25 else None
    return None
