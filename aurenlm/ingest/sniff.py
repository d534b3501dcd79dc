"""Decide what a file is from its content, on an allow-list: pdf, docx, html, markdown or text."""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path

from .errors import IngestError
from .textdecode import decode_text

KINDS = ('pdf', 'docx', 'html', 'markdown', 'text')
SUPPORTED = 'AurenLM reads PDF, Word (.docx), HTML, Markdown and plain text files.'
HEAD_BYTES = 65536

# (signature, offset, description): binary formats people try to upload, named so the message can say what they gave
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b'\x89PNG\r\n\x1a\n', 0, 'a PNG image'),
    (b'\xff\xd8\xff', 0, 'a JPEG image'),
    (b'GIF87a', 0, 'a GIF image'),
    (b'GIF89a', 0, 'a GIF image'),
    (b'II*\x00', 0, 'a TIFF image'),
    (b'MM\x00*', 0, 'a TIFF image'),
    (b'\x00\x00\x01\x00', 0, 'an icon image'),
    (b'8BPS', 0, 'a Photoshop image'),
    (b'MZ', 0, 'a Windows program'),
    (b'\x7fELF', 0, 'a program (ELF)'),
    (b'\xcf\xfa\xed\xfe', 0, 'a macOS program'),
    (b'\xca\xfe\xba\xbe', 0, 'a program or Java class'),
    (b'\x00asm', 0, 'a WebAssembly module'),
    (b'\x1f\x8b', 0, 'a gzip archive'),
    (b'\xfd7zXZ\x00', 0, 'an xz archive'),
    (b'(\xb5/\xfd', 0, 'a zstd archive'),
    (b"7z\xbc\xaf'\x1c", 0, 'a 7-Zip archive'),
    (b'Rar!\x1a\x07', 0, 'a RAR archive'),
    (
        b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1',
        0,
        'an old-format or password-protected Office document. '
        'Remove any password and save it as .docx or PDF, then upload that',
    ),
    (b'{\\rtf', 0, 'an RTF document'),
    (b'SQLite format 3\x00', 0, 'an SQLite database'),
    (b'ID3', 0, 'an audio file'),
    (b'OggS', 0, 'an audio or video file'),
    (b'fLaC', 0, 'an audio file'),
    (b'\x1aE\xdf\xa3', 0, 'a video file'),
    (b'ftyp', 4, 'a video or image file (MP4/MOV/HEIC)'),
    (b'%!PS', 0, 'a PostScript file'),
    (b'AT&TFORM', 0, 'a DjVu document'),
    (b'wOFF', 0, 'a font'),
    (b'wOF2', 0, 'a font'),
)
# text formats that would read as noise if taken as plain text
_TEXT_FORMATS = (b'{\\rtf', b'%!PS', b'AT&TFORM')

# extension -> the kind a person expects from that name; text-like kinds may be refined by content
_EXTENSION_KIND = {
    '.pdf': 'pdf',
    '.docx': 'docx',
    '.html': 'html',
    '.htm': 'html',
    '.xhtml': 'html',
    '.md': 'markdown',
    '.markdown': 'markdown',
    '.mdown': 'markdown',
    '.mkd': 'markdown',
    '.txt': 'text',
    '.text': 'text',
}
# names that promise a binary format; a file called like this that holds something else is refused
_BINARY_EXTENSIONS = {
    '.doc': 'an old Word document',
    '.docm': 'a Word document with macros',
    '.dotx': 'a Word template',
    '.xls': 'a spreadsheet',
    '.xlsx': 'a spreadsheet',
    '.ppt': 'a presentation',
    '.pptx': 'a presentation',
    '.odt': 'an OpenDocument file',
    '.epub': 'an e-book',
    '.zip': 'a zip archive',
    '.png': 'an image',
    '.jpg': 'an image',
    '.jpeg': 'an image',
    '.gif': 'an image',
    '.webp': 'an image',
    '.exe': 'a program',
}
_DESCRIBE = {'pdf': 'a PDF', 'docx': 'a Word document', 'html': 'HTML', 'markdown': 'text', 'text': 'text'}
_RIGHT_EXTENSION = {'pdf': '.pdf', 'docx': '.docx', 'html': '.html', 'markdown': '.md', 'text': '.txt'}

_STRONG_HTML = re.compile(r'<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>])', re.IGNORECASE)
_WEAK_HTML = re.compile(
    r'<(meta|title|link|script|style|div|p|h[1-6]|table|ul|ol|article|section|main|nav|span|a|img|br)[\s>/]',
    re.IGNORECASE,
)
_PREAMBLE = re.compile(r'^(\s|<\?xml[^>]*\?>|<!--.*?-->)*', re.DOTALL)


def detect_kind(path: Path, filename: str | None = None) -> str:
    """The kind of a stored upload, from its bytes; the name only picks markdown over text, or is checked against."""
    name = filename if filename is not None else path.name
    extension = Path(name).suffix.lower() if name else ''
    size = path.stat().st_size
    if size == 0:
        raise IngestError('This file is empty. Choose a file with content and upload it again.', code='empty')
    with path.open('rb') as f:
        head = f.read(HEAD_BYTES)
    kind = _binary_kind(path, head)
    if kind is None:
        kind = _text_kind(head, truncated=size > len(head), extension=extension)
    _check_name(kind, extension)
    return kind


def _binary_kind(path: Path, head: bytes) -> str | None:
    if _is_pdf(head):
        return 'pdf'
    if head.startswith((b'PK\x03\x04', b'PK\x05\x06', b'PK\x07\x08')):
        return _zip_kind(path)
    binary = b'\x00' in head[:1024]
    for signature, offset, description in _SIGNATURES:
        if head[offset : offset + len(signature)] != signature:
            continue
        # a printable signature such as MZ or ID3 may just be how a text file begins; real ones are followed by NULs
        if signature.isascii() and signature.decode().isprintable() and not binary and signature not in _TEXT_FORMATS:
            continue
        raise IngestError(f'This file is {description}. {SUPPORTED}', code='unsupported')
    if not binary:
        return None
    if head.startswith(b'BM') and len(head) > 14 and head[14:18] in (b'\x28\x00\x00\x00', b'\x7c\x00\x00\x00'):
        raise IngestError(f'This file is a bitmap image. {SUPPORTED}', code='unsupported')
    if head.startswith(b'BZh') and head[3:4].isdigit():
        raise IngestError(f'This file is a bzip2 archive. {SUPPORTED}', code='unsupported')
    if head.startswith(b'RIFF') and head[8:12] == b'WEBP':
        raise IngestError(f'This file is a WebP image. {SUPPORTED}', code='unsupported')
    if head.startswith(b'RIFF'):
        raise IngestError(f'This file is an audio or video file. {SUPPORTED}', code='unsupported')
    return None


def _is_pdf(head: bytes) -> bool:
    at = head.find(b'%PDF-', 0, 1024)
    if at < 0:
        return False
    lead = head[:at]
    # readers accept junk before the header; binary junk, that is, not a text file that mentions the header
    return not lead.strip(b'\xef\xbb\xbf \t\r\n') or bool(re.search(rb'[\x00-\x08\x0e-\x1f\x80-\xff]', lead))


def _read_head(zf: zipfile.ZipFile, name: str, limit: int = 65536) -> bytes:
    # a bounded read: these parts are tiny in real files, and a bomb's would not be
    with zf.open(name) as member:
        return member.read(limit)


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            mimetype = _read_head(zf, 'mimetype') if 'mimetype' in names else b''
            types = _read_head(zf, '[Content_Types].xml') if '[Content_Types].xml' in names else b''
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, ValueError, NotImplementedError):
        raise IngestError(
            'This file looks like a zip archive or Office document but is damaged. '
            'Open it in its program, save it again and upload the new file.',
            code='corrupt',
        ) from None
    if '[Content_Types].xml' in names and 'word/document.xml' in names:
        if b'macroEnabled' in types:
            what = 'a Word document with macros. Save it as a plain Word document (.docx) or PDF and upload that'
        elif b'wordprocessingml.template' in types:
            what = 'a Word template. Save it as a Word document (.docx) or PDF and upload that'
        else:
            return 'docx'
    elif '[Content_Types].xml' in names and any(n.startswith('xl/') for n in names):
        what = 'an Excel spreadsheet. Save the sheets you need as PDF and upload that'
    elif '[Content_Types].xml' in names and any(n.startswith('ppt/') for n in names):
        what = 'a PowerPoint presentation. Save it as PDF and upload that'
    elif mimetype.startswith(b'application/epub'):
        what = 'an EPUB e-book. Convert it to PDF and upload that'
    elif mimetype.startswith(b'application/vnd.oasis.opendocument'):
        what = 'an OpenDocument file. Save it as .docx or PDF and upload that'
    else:
        what = f'a zip archive. Unpack it and upload the documents inside one by one ({SUPPORTED})'
    raise IngestError(f'This file is {what}.', code='unsupported')


def _text_kind(head: bytes, *, truncated: bool, extension: str) -> str:
    text = decode_text(head, partial=truncated)
    if not text.strip():
        raise IngestError(
            'This file contains only blank space. Choose a file with text and upload it again.', code='empty'
        )
    start = _PREAMBLE.match(text[:4096].lstrip('\ufeff'))
    lead = text[start.end() if start else 0 :][:2048]
    named = _EXTENSION_KIND.get(extension)
    if re.match(r'<(svg|!doctype\s+svg)[\s>]', lead, re.IGNORECASE):
        raise IngestError(f'This file is an SVG image. {SUPPORTED}', code='unsupported')
    if _STRONG_HTML.match(lead) or (lead.startswith('<') and _STRONG_HTML.search(lead[:1024])):
        return 'html'
    # a fragment that merely starts with a tag is HTML unless the name says markdown or text (READMEs open with <div>)
    if _WEAK_HTML.match(lead) and named not in ('markdown', 'text'):
        return 'html'
    if named == 'markdown':
        return 'markdown'
    if named == 'html':
        return 'html' if re.search(r'<[a-zA-Z][^>]*>', text[:HEAD_BYTES]) else 'text'
    return 'text'


def _check_name(kind: str, extension: str) -> None:
    """Refuse a file whose name promises another format: people expect what they named, not what we guess."""
    named = _EXTENSION_KIND.get(extension)
    text_like = ('html', 'markdown', 'text')
    if named is not None and (named == kind or (named in text_like and kind in text_like)):
        return
    if named is None and extension not in _BINARY_EXTENSIONS:
        return
    expected = _DESCRIBE.get(named, '') if named else _BINARY_EXTENSIONS[extension]
    right = _RIGHT_EXTENSION[kind]
    raise IngestError(
        f'This file is named {extension} but contains {_DESCRIBE[kind]}, not {expected}. '
        f'Rename it to {right} if that is what you meant, or upload the right file.',
        code='mismatch',
    )
