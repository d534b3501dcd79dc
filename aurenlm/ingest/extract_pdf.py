"""PDF to text with pypdfium2: text per page with paragraph breaks from the layout, bookmarks, and headings."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import re
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from .document import Extracted, Heading, OutlineEntry, Page, build_outline, clean_line, clean_title
from .errors import IngestError
from .pdf_layout import (
    BULLET,
    Line,
    body_size,
    drop_running_lines,
    font_headings,
    line_spacing,
    paragraph_breaks,
)

# PDFium is not thread-safe; one document at a time per process (the worker runs several processes to scale)
PDFIUM_LOCK = threading.Lock()
MAX_OUTLINE_ENTRIES = 5000
PAGES_PER_WORKER = 60

ENCRYPTED = (
    'This PDF is password-protected. Remove the password (print it to a new PDF, for example) and upload it again.'
)
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

# \ufffe marks where PDFium joined a hyphenated word across lines; \r or \n alone would split a line
_DROP_CHARS = re.compile(r'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\ufffe\uffff]')
_CLEAN_TABLE = {c: None for c in [*range(0x09), *range(0x0B, 0x20), 0x7F, 0xFEFF, 0xFFFE, 0xFFFF]}
_CLEAN_TABLE.update({0x0A: ' ', 0x0D: ' '})
_WORDISH = re.compile(r'\w')
_NOT_ALNUM = re.compile(r'[\W_]+')
_NUMBERING = re.compile(
    r'(chapter|section|part|appendix|annex|chapitre|kapitel|anhang|teil)?([0-9]{1,6}|[ivxlc]{1,6}|[a-z])?[0-9]{0,6}'
)
_JUNK_TITLE = re.compile(r'^(untitled|microsoft word - .*|.*\.(docx?|pdf|tex|dvi|indd|odt|rtf))$', re.IGNORECASE)


@dataclass
class _PageLines:
    lines: list[Line]
    failed: bool = False
    headings: list[tuple[int, int, str, int]] = field(default_factory=list)  # (line index, level, title, lines)
    norms: list[str] | None = None  # the lines reduced to letters and digits, for finding bookmark titles


def check_pdf(path: Path) -> None:
    """Refuse at the door what extraction would refuse later: encrypted, damaged or empty PDFs. Cheap: no text."""
    with PDFIUM_LOCK:
        pdf = _open(path)
        try:
            if len(pdf) == 0:
                raise IngestError(DAMAGED, code='corrupt')
        finally:
            pdf.close()


def extract_pdf_file(path: Path, *, processes: int | None = None) -> Extracted:
    """Text, outline and title of a PDF. Long documents are read by up to `processes` processes in parallel
    (default: one per core, at most 4); `processes=1` keeps everything in this process."""
    with PDFIUM_LOCK:
        pdf = _open(path)
        try:
            count = len(pdf)
            if count == 0:
                raise IngestError(DAMAGED, code='corrupt')
            outline, flat = _outline(pdf, count)
            # type weight only matters for finding headings, and those come from the bookmarks when there are any
            want_bold = len(flat) < 2
            workers = _worker_count(processes, count)
            if workers > 1:
                pages = _read_parallel(pdf, path, count, want_bold, workers)
            else:
                pages = [_read_page(pdf, index, want_bold) for index in range(count)]
            metadata_title = _metadata_title(pdf)
        finally:
            pdf.close()
    # from here on it is plain Python over the lines: no PDFium, no lock
    if sum(p.failed for p in pages) > count / 2:
        raise IngestError(DAMAGED, code='corrupt')
    if not _has_text(pages, minimum=max(20, 5 * count)):
        raise IngestError(SCANNED, code='no_text')
    body = body_size([line for p in pages for line in p.lines])
    for page, lines in zip(pages, drop_running_lines([p.lines for p in pages], body), strict=True):
        page.lines = lines
    spacing = line_spacing([p.lines for p in pages])
    if not want_bold:
        for level, title, number in flat:
            if number is not None:
                _place_bookmark(pages[number - 1], level, title)
    else:
        # no usable bookmarks: headings from type size and weight, and the outline built from them
        for page_index, line_index, level, title, span in font_headings([p.lines for p in pages], body):
            pages[page_index].headings.append((line_index, level, title, span))
    result = [_assemble(number, p, spacing) for number, p in enumerate(pages, start=1)]
    if want_bold:
        outline = build_outline([(h.level, h.title, page.number) for page in result for h in page.headings])
    return Extracted(pages=result, outline=outline, title=metadata_title or _first_page_title(pages, body))


def _worker_count(processes: int | None, count: int) -> int:
    # forking needs a platform that has it, and a process allowed to have children (not a multiprocessing daemon)
    if 'fork' not in multiprocessing.get_all_start_methods() or multiprocessing.current_process().daemon:
        return 1
    if processes is None:
        processes = min(os.cpu_count() or 1, 4)
    # starting a process costs about as much as reading 20-40 pages; only long documents gain
    return max(1, min(processes, count // PAGES_PER_WORKER))


def _read_parallel(pdf: pdfium.PdfDocument, path: Path, count: int, want_bold: bool, workers: int) -> list[_PageLines]:
    """Read page ranges in forked workers while this process reads the first range itself.

    Called with PDFIUM_LOCK held, so no other thread is inside PDFium when the workers are forked; each worker
    opens the file on its own. A worker that crashes on a hostile file takes only itself down.
    """
    bounds = [count * i // workers for i in range(workers + 1)]
    # fork, not spawn: spawn would re-import the application's main module in every worker
    context = multiprocessing.get_context('fork')
    with ProcessPoolExecutor(max_workers=workers - 1, mp_context=context) as pool:
        futures = [pool.submit(_read_range, str(path), bounds[i], bounds[i + 1], want_bold) for i in range(1, workers)]
        pages = [_read_page(pdf, index, want_bold) for index in range(bounds[0], bounds[1])]
        try:
            for future in futures:
                pages.extend(future.result())
        except (BrokenProcessPool, pdfium.PdfiumError, OSError):
            raise IngestError(DAMAGED, code='corrupt') from None
    return pages


def _read_range(path: str, start: int, stop: int, want_bold: bool) -> list[_PageLines]:
    """In a worker process: the lines of pages [start, stop)."""
    pdf = pdfium.PdfDocument(path)
    try:
        return [_read_page(pdf, index, want_bold) for index in range(start, stop)]
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


def _has_text(pages: list[_PageLines], minimum: int) -> bool:
    found = 0
    for page in pages:
        for line in page.lines:
            found += len(line.text) - line.text.count(' ')
            if found >= minimum:
                return True
    return False


def _read_page(pdf: pdfium.PdfDocument, index: int, want_bold: bool) -> _PageLines:
    page = raw.FPDF_LoadPage(pdf.raw, index)
    if not page:
        return _PageLines(lines=[], failed=True)
    textpage = raw.FPDFText_LoadPage(page)
    try:
        if not textpage:
            return _PageLines(lines=[], failed=True)
        return _PageLines(lines=_lines(textpage, want_bold))
    finally:
        if textpage:
            raw.FPDFText_ClosePage(textpage)
        raw.FPDF_ClosePage(page)


def _lines(textpage, want_bold: bool) -> list[Line]:
    """The page's lines as PDFium orders them, each with the position and type of its first glyph.

    A few calls per line, never per character: that is what keeps extraction at hundreds of pages per second.
    """
    n_chars = raw.FPDFText_CountChars(textpage)
    if n_chars <= 0:
        return []
    buffer = (ctypes.c_ushort * (n_chars + 1))()
    written = raw.FPDFText_GetText(textpage, 0, n_chars, buffer)
    text = ctypes.string_at(buffer, max(written - 1, 0) * 2).decode('utf-16-le', errors='replace')
    identity = len(text) == n_chars  # the usual case: text index == char index, no translation calls needed
    pairs = text.count('\r\n')
    dirty = text.count('\n') != pairs or text.count('\r') != pairs or _DROP_CHARS.search(text) is not None
    x, y = ctypes.c_double(), ctypes.c_double()
    px, py = ctypes.byref(x), ctypes.byref(y)
    name, flags = ctypes.create_string_buffer(128), ctypes.c_int()
    origin, font_size = raw.FPDFText_GetCharOrigin, raw.FPDFText_GetFontSize
    to_char = raw.FPDFText_GetCharIndexFromTextIndex
    lines: list[Line] = []
    position = 0
    for raw_line in text.split('\r\n'):
        line_start = position
        position += len(raw_line) + 2
        clean = raw_line.translate(_CLEAN_TABLE).strip() if dirty else raw_line.strip()
        if not clean:
            continue
        first = line_start + len(raw_line) - len(raw_line.lstrip())
        sample = first
        if not clean[0].isalnum():  # a bullet or quote often comes in another size: measure the first letter
            word = _WORDISH.search(raw_line)
            sample = line_start + word.start() if word else first
        if not identity:
            first, sample = to_char(textpage, first), to_char(textpage, sample)
            if first < 0 or sample < 0:
                lines.append(Line(clean, 0.0, 0.0, 0.0, False, known=False))
                continue
        origin(textpage, first, px, py)
        bold = False
        # only a short line without a sentence end can be a bold heading: skip the font calls for the rest
        if want_bold and len(clean) <= 100 and clean[-1] not in '.,;':
            bold = raw.FPDFText_GetFontWeight(textpage, sample) >= 600
            if not bold:
                # many PDFs give no weight; the font name ("Arial-BoldMT") still tells
                length = raw.FPDFText_GetFontInfo(textpage, sample, name, len(name), ctypes.byref(flags))
                font = name.value.lower() if 0 < length <= len(name) else b''
                bold = b'bold' in font or b'black' in font or b'heavy' in font
        left, baseline, y_end = x.value, y.value, None
        if '\ufffe' in raw_line:  # a hyphenated word joined across lines: the line ends one baseline lower
            last = line_start + len(raw_line.rstrip()) - 1
            origin(textpage, last if identity else to_char(textpage, last), px, py)
            y_end = y.value
        lines.append(Line(clean, left, baseline, font_size(textpage, sample), bold, y_end=y_end))
    return lines


def _outline(pdf: pdfium.PdfDocument, count: int) -> tuple[list[OutlineEntry], list[tuple[int, str, int | None]]]:
    flat: list[tuple[int, str, int | None]] = []
    try:
        for bookmark in pdf.get_toc(max_depth=15):
            title = clean_title(bookmark.get_title() or '')
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
    return _NOT_ALNUM.sub('', text.casefold())


def _numbering(leftover: str) -> bool:
    return len(leftover) <= 14 and _NUMBERING.fullmatch(leftover) is not None


def _place_bookmark(page: _PageLines, level: int, title: str) -> None:
    """Find the line a bookmark points at by its title, allowing for a section number the bookmark leaves out,
    a title wrapped over two lines, or extra words around it; a title not found still starts its section here."""
    wanted = _norm(title)
    if not wanted:
        return
    used = {index + i for index, _, _, span in page.headings for i in range(span)}
    lines = page.lines
    if page.norms is None:
        page.norms = [_norm(line.text) for line in lines]
    norms = page.norms
    found: tuple[int, str, int] | None = None
    for index, have in enumerate(norms):
        if index in used:
            continue
        if have == wanted or (wanted.endswith(have) and len(have) >= 3 and _numbering(wanted[: -len(have)])):
            found = (index, title, 1)
            break
        if have.endswith(wanted) and _numbering(have[: -len(wanted)]):
            found = (index, lines[index].text, 1)  # the line carries the section number: "2.1 ASN.1 syntax"
            break
    if found is None:
        for index in range(len(lines) - 1):
            have = norms[index] + norms[index + 1]
            if not {index, index + 1} & used and have.endswith(wanted) and _numbering(have[: -len(wanted)]):
                found = (index, f'{lines[index].text} {lines[index + 1].text}', 2)
                break
    if found is None:
        for index, have in enumerate(norms):
            if index not in used and wanted in have and len(have) <= len(wanted) + 15:
                found = (index, title, 1)
                break
    page.headings.append((found[0], level, found[1], found[2]) if found else (-1, level, title, 0))


def _assemble(number: int, page: _PageLines, spacing: dict[float, float]) -> Page:
    lines = page.lines
    breaks = paragraph_breaks(lines, spacing)
    # a heading is a paragraph of its own; a heading wrapped over two lines keeps them together
    for index, _, _, span in page.headings:
        if index >= 0:
            breaks[index] = True
            for i in range(index + 1, index + span):
                breaks[i] = False
            if index + span < len(lines):
                breaks[index + span] = True
    parts: list[str] = []
    offsets: list[int] = []
    position = 0
    for index, line in enumerate(lines):
        if index:
            separator = '\n\n' if breaks[index] else '\n'
            parts.append(separator)
            position += len(separator)
        offsets.append(position)
        parts.append(line.text)
        position += len(line.text)
    headings = [
        Heading(offset=offsets[index] if index >= 0 else 0, level=level, title=clean_title(title))
        for index, level, title, _ in page.headings
    ]
    headings.sort(key=lambda h: h.offset)
    return Page(number=number, text=''.join(parts), headings=headings)


def _metadata_title(pdf: pdfium.PdfDocument) -> str | None:
    try:
        title = clean_line(pdf.get_metadata_value('Title') or '')
    except (pdfium.PdfiumError, KeyError, UnicodeDecodeError):
        return None
    if title and not _JUNK_TITLE.match(title) and any(c.isalpha() for c in title):
        return title[:300]
    return None


def _first_page_title(pages: list[_PageLines], body: float) -> str | None:
    """The biggest type near the start, if it clearly stands out from the body text."""
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
